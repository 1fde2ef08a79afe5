"""Remote control: OSC, a web remote and Ableton Link, run in the process that owns ``Engine``.

Nothing here runs in the engine process, and nothing here talks to the engine except through
``Engine.send`` and ``Engine.status``. Each server runs in a thread (or an asyncio loop) of its own, so a
slow client never holds up the stage screen.
"""
