"""Starting the remotes for a show: OSC, the web remote and Link, from the command line and the rig.

Called by the process that owns ``Engine`` (the stage UI's, for ``player play``). A remote that cannot
start (a port in use, no network) is reported in words and the show goes on without it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from player.remote.hub import EngineLike, Hub

if TYPE_CHECKING:
    from player.remote.link import LinkSync
    from player.remote.osc import OscServer
    from player.remote.web import WebRemote
    from player.setlist.rig import Rig
    from player.ui.show import Show

REMOTE_MODES = ("local", "lan", "off")


@dataclass
class Options:
    """``osc``: a port, "off", or None for the rig's ``[osc]``; ``remote``: local, lan or off."""

    osc: str | None = None
    remote: str = "local"
    remote_port: int = 8400


def osc_port(value: str) -> str:
    """argparse type of ``--osc``: a UDP port or "off"."""
    if value == "off" or (value.isdigit() and 1 <= int(value) <= 65535):
        return value
    raise ValueError(value)


@dataclass
class Remotes:
    """What runs; ``said``: lines for the terminal (URLs, QR code, what did not start)."""

    hub: Hub
    osc: OscServer | None = None
    web: WebRemote | None = None
    link: LinkSync | None = None
    said: list[str] = field(default_factory=list)
    qr: str = ""

    def attach(self, locked: Callable[[], bool], pedal: Callable[[], tuple[str, bool | None]]) -> None:
        """Read the lock and the pedal's health from the stage UI."""
        self.hub.locked = locked
        self.hub.pedal = pedal

    def close(self) -> None:
        for part in (self.link, self.web, self.osc):
            if part is not None:
                part.close()
        self.hub.close()


def start_remotes(engine: EngineLike, show: Show | None, options: Options, rig: Rig | None) -> Remotes:
    """Start what the options and the rig ask for; never raises for a remote that cannot start."""
    from player.remote.osc import OscServer
    from player.remote.web import WebRemote, qr_text

    remotes = Remotes(Hub(engine, show))
    osc = rig.osc if rig is not None else None
    if options.osc != "off" and (options.osc is not None or osc is None or osc.enabled):
        port = int(options.osc) if options.osc else (osc.port if osc is not None else 9000)
        host = osc.host if osc is not None else "127.0.0.1"
        try:
            remotes.osc = OscServer(remotes.hub, host=host, port=port)
            remotes.osc.start()
            remotes.said.append(f"OSC: udp://{host}:{remotes.osc.port} (/player/...)")
        except OSError as exc:
            remotes.osc = None
            remotes.said.append(f"OSC not started: UDP {host}:{port}: {exc.strerror or exc}")
    if options.remote != "off":
        try:
            remotes.web = WebRemote(remotes.hub, port=options.remote_port, lan=options.remote == "lan")
            remotes.web.start()
            web = remotes.web
            remotes.said.append(f"Web remote: {web.url()}")
            if web.lan:
                remotes.said.append(f"Read-only (the drummer's view): {web.url(read_only=True)}")
                remotes.qr = qr_text(web.url())
        except OSError as exc:
            remotes.web = None
            remotes.said.append(f"Web remote not started: port {options.remote_port}: {exc.strerror or exc}")
    if rig is not None and rig.link.enabled:
        try:
            from player.remote.link import LinkSync

            remotes.link = LinkSync(remotes.hub, show, quantum=rig.link.quantum, follow=rig.link.follow)
            remotes.link.start()
            remotes.said.append(f"Ableton Link: on (quantum {rig.link.quantum}"
                                f"{', songs start on the next Link bar' if rig.link.follow else ''})")
        except Exception as exc:  # noqa: BLE001 - no Link is no reason to cancel the show
            remotes.link = None
            remotes.said.append(f"Ableton Link not started: {exc}")
    remotes.hub.start()
    return remotes
