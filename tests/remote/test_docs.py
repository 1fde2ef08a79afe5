"""The docs list every remote command, and the shipped layout only uses addresses the player knows."""

import json
import re

from player.remote.commands import COMMANDS
from tests.conftest import ROOT

STATUS_ADDRESSES = {"state", "song", "title", "next", "next_title", "clock", "position", "barbeat", "section",
                    "pending", "jump_mode", "vamp", "lyric", "status"}


def test_docs_list_every_command() -> None:
    text = (ROOT / "docs" / "remote.md").read_text()
    documented = set(re.findall(r"^\| `/player/([\w/]+)` \|", text, re.M))
    assert documented == set(COMMANDS)


def test_the_open_stage_control_layout_uses_known_addresses() -> None:
    session = json.loads((ROOT / "config" / "open-stage-control" / "player.json").read_text())
    widgets = session["content"]["widgets"]
    addresses = {w["address"].removeprefix("/player/") for w in widgets}
    known = set(COMMANDS) | STATUS_ADDRESSES | {"subscribe"}
    assert addresses <= known, addresses - known
    assert {"play_pause", "stop", "next_song", "jump_to_section", "subscribe"} <= addresses
    assert len({w["id"] for w in widgets}) == len(widgets)
