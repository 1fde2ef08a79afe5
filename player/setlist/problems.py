"""Problems found in show files, worded for a performer: which file, which line and field, what to do."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


class Severity(StrEnum):
    """An error stops the show from running as written; a warning is worth knowing before it."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Problem:
    """One finding, with enough context to fix it without reading the code."""

    severity: Severity
    message: str
    file: Path | None = None
    line: int | None = None
    field: str | None = None
    fix: str | None = None

    def where(self) -> str:
        """``file:line: field`` as far as it is known, for editors that jump to ``file:line``."""
        parts = []
        if self.file is not None:
            name = _shown(self.file)
            parts.append(f"{name}:{self.line}" if self.line else name)
        if self.field:
            parts.append(self.field)
        return ": ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        text = f"{where}: {self.message}" if where else self.message
        return f"{text} Fix: {self.fix}" if self.fix else text


def _shown(path: Path) -> str:
    """Paths relative to where the performer ran the command, as they typed them."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


class LoadError(Exception):
    """A file could not be turned into a model; ``problems`` says why, each with its place."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def errors(problems: list[Problem]) -> list[Problem]:
    """The problems that stop a show."""
    return [p for p in problems if p.severity is Severity.ERROR]
