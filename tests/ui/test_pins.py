"""The snapshots are one Textual release's rendering: the environment must run the pinned one."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import version

import pytest

from tests.conftest import ROOT


def _pins() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    specs = project["project"]["dependencies"] + project["dependency-groups"]["test"]
    found = (re.fullmatch(r"([A-Za-z0-9_.-]+)==([^;\s]+)", s) for s in specs if isinstance(s, str))
    return {m.group(1): m.group(2) for m in found if m}


@pytest.mark.parametrize("package", ["textual", "pytest-textual-snapshot"])
def test_the_snapshot_stack_is_pinned_and_installed_as_pinned(package: str) -> None:
    pins = _pins()
    assert package in pins, f"{package} must be pinned exactly (==) in pyproject.toml"
    assert version(package) == pins[package], (
        f"{package} {version(package)} is installed, the snapshots were made with {pins[package]}: "
        "run ./run test (it reinstalls), or upgrade on purpose and review the snapshots")
