"""What the performer sees: the Textual stage UI (``app``), its screens and widgets, and the plain-terminal
listing for machines with no terminal (``plain``). The engine is reached only through ``link``."""
