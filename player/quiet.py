"""Keep C libraries' chatter (PortAudio, JACK, ALSA) off the performer's screen."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator


@contextlib.contextmanager
def captured_stderr(keep: list[str] | None = None) -> Iterator[None]:
    """Redirect file descriptor 2 while probing devices; what was written is appended to ``keep``.

    JACK and ALSA print "cannot connect to server" lines from C when no server runs; that is an
    answer we report in our own words, not noise to show.
    """
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        yield
        return
    sys.stderr.flush()
    saved = os.dup(fd)
    with tempfile.TemporaryFile() as tmp:
        os.dup2(tmp.fileno(), fd)
        try:
            yield
        finally:
            os.dup2(saved, fd)
            os.close(saved)
            if keep is not None:
                tmp.seek(0)
                keep.append(tmp.read().decode(errors="replace"))
