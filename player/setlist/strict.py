"""What every file model shares: unknown fields are errors, loaded values are frozen, and a port-name
pattern is checked as a regular expression when the file is read (not later, when a port appears)."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict


class Strict(BaseModel):
    """The base of every model read from a file."""

    # Unknown fields are errors: a typo ("gain_bd") must not silently fall back to a default on stage.
    model_config = ConfigDict(extra="forbid", frozen=True)


def _port_pattern(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a valid port-name pattern: {exc}") from None
    return value


# A regular expression over MIDI port names ("" matches every port); rigs and presets use it.
PortPattern = Annotated[str, AfterValidator(_port_pattern)]
