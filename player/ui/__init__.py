"""What the performer sees: for now a plain-terminal transport; the Textual stage UI comes next."""
