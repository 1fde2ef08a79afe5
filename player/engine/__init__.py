"""The audio engine: the only code that talks to PortAudio, in a process of its own.

``Engine`` is its public face (``send``, ``status``, ``events``); ``messages`` holds the commands and
events; ``render`` drives the same deck and mixer offline.
"""
