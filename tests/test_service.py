"""``player service``: the printed unit passes ``systemd-analyze verify``; install/status/uninstall."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ui.conftest import make_setlist

ROOT = Path(__file__).resolve().parents[1]


def _player(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "player", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, stdin=subprocess.DEVNULL, timeout=60)


def _verify(unit: Path) -> list[str]:
    """What ``systemd-analyze verify`` says about this unit (it exits 0 on a line it ignores, so the
    lines that name the file are the complaints)."""
    exe = shutil.which("systemd-analyze")
    assert exe, "systemd-analyze is missing: ./run test installs Debian's systemd package"
    done = subprocess.run([exe, "verify", str(unit)], capture_output=True, text=True, timeout=60)
    said = [line for line in (done.stdout + done.stderr).splitlines() if unit.name in line]
    return said + ([f"exit {done.returncode}"] if done.returncode else [])


@pytest.fixture
def show(tmp_path: Path) -> Path:
    folder = tmp_path / "my show 100%"  # a space and systemd's specifier character in the path
    folder.mkdir()
    return make_setlist(folder, seconds=1.0, missing=False)


def test_the_printed_unit_is_accepted_by_systemd_analyze(show: Path, tmp_path: Path) -> None:
    done = _player("service", "install", str(show), "--rig", "stereo", "--print")
    assert done.returncode == 0, done.stderr
    text = done.stdout
    for line in ("Restart=on-failure", "LimitRTPRIO=95", "LimitMEMLOCK=infinity", "Nice=-10",
                 "KillSignal=SIGTERM", "ExecReload=/bin/kill -HUP $MAINPID", "Wants=sound.target"):
        assert line in text.splitlines(), line
    assert "RequiresMountsFor" not in text and "BindsTo" not in text  # no mount or device can stop it
    exec_start = next(x for x in text.splitlines() if x.startswith("ExecStart="))
    assert "'" + str(show.resolve()).replace("%", "%%") + "'" in exec_start
    assert exec_start.endswith("serve '" + str(show.resolve()).replace("%", "%%") + "' --rig stereo")
    unit = tmp_path / "stageplayer.service"
    unit.write_text(text)
    assert _verify(unit) == []
    # The check bites: the same unit with a value systemd cannot parse is reported.
    unit.write_text(text.replace("Nice=-10", "Nice=loud"))
    assert any("nice" in line.lower() for line in _verify(unit))


def test_install_status_and_uninstall_for_the_user(show: Path, tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    unit = tmp_path / "xdg" / "systemd" / "user" / "stageplayer.service"
    installed = _player("service", "install", str(show), "--user", env=env)
    # No user systemd in a container: the unit is written and the next step is said.
    assert unit.is_file(), installed.stdout
    assert unit.read_text() == _player("service", "install", str(show), "--user", "--print",
                                       env=env).stdout
    assert installed.returncode == 0 or "systemctl --user daemon-reload" in installed.stdout
    status = _player("service", "status", "--user", env=env)
    assert f"Installed: {unit}" in status.stdout
    removed = _player("service", "uninstall", "--user", env=env)
    assert removed.returncode == 0 and not unit.exists(), removed.stdout
    assert "Not installed" in _player("service", "status", "--user", env=env).stdout


def test_install_without_a_setlist_file_says_so(tmp_path: Path) -> None:
    done = _player("service", "install", str(tmp_path / "nope.toml"), "--print")
    assert done.returncode == 1 and "not found" in done.stdout
