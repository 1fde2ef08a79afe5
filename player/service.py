"""``player service install|uninstall|status``: a systemd unit that runs ``player serve`` at boot.

The unit restarts the player when it fails, lets it take real-time priority and lock its memory, and
does not wait for the sound device itself: ``player serve`` waits for it (and for its return after a
loss), so nothing in the unit can stop the show when the interface blinks. For the same reason the unit
names no mount (no ``RequiresMountsFor=``, no device ``BindsTo=``): a USB stick or a network share that
drops mid-set would make systemd stop the service with it.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

UNIT = "stageplayer.service"
RT_PRIORITY = 95  # the most the engine's threads may ask for (jackd's own default is 95 too)
NICE = -10  # above desktop work, below the real-time audio threads (which ignore nice anyway)
STOP_TIMEOUT_S = 10  # SIGTERM fades out for a second; after this, systemd kills


def unit_path(user: bool) -> Path:
    """Where the unit goes: the user's systemd folder, or the system's (root)."""
    if user:
        base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
        return base / "systemd" / "user" / UNIT
    return Path("/etc/systemd/system") / UNIT


def _quote(arg: str) -> str:
    """One argument of ``ExecStart=``: systemd's quoting is close to the shell's; ``%`` and ``$`` are
    its own specifiers and are doubled."""
    return shlex.quote(arg.replace("%", "%%").replace("$", "$$"))


def unit_text(setlist: Path, rig: str | None, user: bool, python: str = sys.executable,
              workdir: Path | None = None, run_as: str | None = None) -> str:
    """The unit file for serving ``setlist``; absolute paths throughout (systemd has no working
    directory of its own)."""
    workdir = (workdir or Path.cwd()).resolve()
    command = [python, "-m", "player", "serve", str(setlist.resolve())]
    if rig:
        rig_file = Path(rig)
        command += ["--rig", str(rig_file.resolve()) if rig.endswith(".toml") else rig]
    exec_start = " ".join(_quote(a) for a in command)
    lines = [
        "# Written by `player service install`; `player service uninstall` removes it.",
        "[Unit]",
        f"Description=Backing-track player: {setlist.name.replace('%', '%%')} (headless)",
        # Ordering only: the player waits for the interface itself and survives its loss, so the unit
        # neither requires a device unit nor a mount that could drop mid-set.
        "After=sound.target network.target",
        "Wants=sound.target",
        "StartLimitIntervalSec=60",
        "StartLimitBurst=10",
        "",
        "[Service]",
        "Type=simple",
        f"WorkingDirectory={_quote(str(workdir))}",
        f"ExecStart={exec_start}",
        "ExecReload=/bin/kill -HUP $MAINPID",
        "KillSignal=SIGTERM",
        "KillMode=mixed",  # SIGTERM to the player (it fades out and stops its engine), the rest after
        f"TimeoutStopSec={STOP_TIMEOUT_S}",
        "Restart=on-failure",
        "RestartSec=2",
        f"LimitRTPRIO={RT_PRIORITY}",
        "LimitMEMLOCK=infinity",
        f"Nice={NICE}",
        "Environment=PYTHONUNBUFFERED=1",
        "Environment=JACK_NO_START_SERVER=1",
    ]
    if run_as and not user:
        lines += [f"User={run_as}", "SupplementaryGroups=audio"]
    lines += ["", "[Install]", f"WantedBy={'default.target' if user else 'multi-user.target'}", ""]
    return "\n".join(lines)


def _systemctl(user: bool, *args: str) -> tuple[int, str]:
    """Run systemctl; (exit code, what it said), or (127, why) when there is none to run."""
    exe = shutil.which("systemctl")
    if exe is None:
        return 127, "systemctl not found (no systemd here)"
    cmd = [exe, *(["--user"] if user else []), *args]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return 1, f"{' '.join(cmd)}: {exc}"
    return done.returncode, (done.stdout + done.stderr).strip()


def service(args: argparse.Namespace) -> int:
    """Entry point of ``player service``: 0 done, 1 not done (said why)."""
    user: bool = args.user
    if args.action == "install":
        if args.setlist is None:
            print("player service install needs a setlist: player service install SETLIST [--rig RIG]")
            return 2
        if not args.setlist.is_file() and not args.setlist.is_dir():
            print(f"{args.setlist}: not found. Fix: give the setlist file the service should play.")
            return 1
        run_as = None if user else (os.environ.get("SUDO_USER") or None)
        text = unit_text(args.setlist, args.rig, user, run_as=run_as)
        if args.print:
            sys.stdout.write(text)
            return 0
        return _install(text, user)
    if args.action == "uninstall":
        return _uninstall(user)
    return _status(user)


def _install(text: str, user: bool) -> int:
    path = unit_path(user)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    except OSError as exc:
        print(f"Could not write {path}: {exc}. Fix: run as root, or add --user.")
        return 1
    print(f"Wrote {path}")
    for step in (("daemon-reload",), ("enable", UNIT)):
        code, said = _systemctl(user, *step)
        if code:
            print(f"systemctl {' '.join(step)} failed: {said}")
            print(f"The unit is written; when systemd runs: systemctl {'--user ' if user else ''}"
                  f"daemon-reload && systemctl {'--user ' if user else ''}enable --now {UNIT}")
            return 1
    print(f"Enabled. Start it now: systemctl {'--user ' if user else ''}start {UNIT}; logs: "
          f"journalctl {'--user ' if user else ''}-u {UNIT} -f")
    return 0


def _uninstall(user: bool) -> int:
    path = unit_path(user)
    _systemctl(user, "disable", "--now", UNIT)  # not running or no systemd: nothing to stop
    if path.exists():
        try:
            path.unlink()
        except OSError as exc:
            print(f"Could not remove {path}: {exc}. Fix: run as root, or add --user.")
            return 1
        print(f"Removed {path}")
    else:
        print(f"No unit at {path}: nothing to remove.")
    _systemctl(user, "daemon-reload")
    return 0


def _status(user: bool) -> int:
    path = unit_path(user)
    if not path.exists():
        print(f"Not installed (no {path}).")
        return 1
    print(f"Installed: {path}")
    code, said = _systemctl(user, "status", "--no-pager", UNIT)
    print(said)
    return 0 if code == 0 else 1
