"""MIDI input (foot switches) and output, through mido and python-rtmidi."""
