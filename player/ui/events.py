"""Engine events in the words a performer needs, with what to do, as notifications."""

from __future__ import annotations

from player.engine import messages as m
from player.midi import messages as mm
from player.ui.show import clock

Said = tuple[str, str, float]  # text, severity ("information", "warning", "error"), seconds shown


def describe(event: m.Event) -> Said | None:
    """A notification for ``event``, or None for what only the status line shows."""
    if isinstance(event, m.FileError):
        return (f"File problem: {event.message}. The song plays without it; fix the file "
                "(player check lists the problems).", "warning", 10)
    if isinstance(event, m.DeviceLost) and event.detail.startswith("in use by"):
        return f"Audio device {event.device}: {event.detail}.", "error", 30
    if isinstance(event, m.DeviceLost):
        return (f"Audio device lost ({event.device}){': ' + event.detail if event.detail else ''}. "
                "Reconnect it: the show waits and comes back on the same song, stopped.", "error", 30)
    if isinstance(event, m.DeviceBack):
        return f"Audio device ready: {event.device}", "information", 3
    if isinstance(event, m.EngineDied):
        return (f"The audio engine stopped (exit code {event.exitcode}); restarting it on the same "
                "song, stopped. Press Space to play on.", "error", 15)
    if isinstance(event, m.EngineFault):
        return (f"Engine fault (a bug, not the audio device): {event.message}. That block played as "
                "silence and the show goes on; the details are in the engine log.", "error", 15)
    if isinstance(event, m.ReadAhead):
        if event.low:
            return (f"Disk too slow: only {event.seconds:.1f} s of the song is read ahead. If it runs "
                    "out, the stems go quiet (click and cues keep going); check the drive.", "warning", 10)
        return "Disk caught up: the song is read ahead again.", "information", 3
    if isinstance(event, m.RateChanged):
        return (f"The audio device runs at {event.device_rate} Hz, the rig asks {event.rig_rate} Hz: "
                f"playing at {event.device_rate} Hz, every stem resampled. Set the interface or the "
                "rig's audio.sample_rate to match to avoid it.", "warning", 10)
    if isinstance(event, m.EngineStarted) and event.restarted:
        return "Audio engine restarted: same song and position, stopped.", "information", 5
    if isinstance(event, m.Problem):
        return event.message, "warning", 6
    if isinstance(event, mm.MidiPort):
        kind = "Pedal" if event.direction == "input" else "MIDI output"
        if event.connected:
            return f"{kind} connected: {event.port}", "information", 3
        return (f"{kind} disconnected: {event.port}. Check the cable or power; the keys still work.",
                "error", 15)
    if isinstance(event, m.SongLoaded):
        return f"Song {event.index + 1} ready: {event.title} ({clock(event.seconds)})", "information", 2
    if isinstance(event, mm.MidiLearned):
        where = f", saved to {event.path}" if event.path else " (not saved)"
        return f"Learned: {event.binding} → {event.action.value}{where}", "information", 5
    return None


def health_note(event: m.Event, note: str) -> str:
    """The standing reason the audio is not right, kept for the setup screen (``note``: the last)."""
    if isinstance(event, m.DeviceLost):
        return f"Audio device {event.device}: {event.detail or 'lost'}. Waiting for it."
    if isinstance(event, m.EngineFault):
        return f"Engine fault (not the device): {event.message}. See the engine log."
    if isinstance(event, m.EngineDied):
        return f"The audio engine stopped (exit code {event.exitcode}); restarting it."
    if isinstance(event, m.RateChanged):
        return (f"The device runs at {event.device_rate} Hz, the rig asks {event.rig_rate} Hz: "
                "playing resampled.")
    if isinstance(event, m.Problem) and "not restarting" in event.message:
        return event.message
    if isinstance(event, (m.DeviceBack, m.EngineStarted)) and note.startswith(("Audio device",
                                                                              "The audio engine")):
        return ""
    return note
