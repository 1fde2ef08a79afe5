"""The audio engine: the only code that talks to PortAudio.

It will run in its own process (see design.md); for now it offers device discovery.
"""
