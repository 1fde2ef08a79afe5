"""Read TOML files and turn validation failures into problems that name the line.

``tomllib`` keeps no positions, so a failed field is found again in the text by its path
(``stems[2].role`` is the ``role =`` line under the third ``[[stems]]``). Good enough for hand-written
files; when a field cannot be found the table's header line is given instead.

Validation is strict: ``gain_db = true`` or ``block_size = "128"`` is an error, not +1 dB or 128.
Whatever a file holds (a 5,000-digit number, arrays nested 1,000 deep), loading it raises
``LoadError`` and nothing else.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from player.setlist.problems import LoadError, Problem, Severity

M = TypeVar("M", bound=BaseModel)

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")


def read_toml(path: Path) -> tuple[dict[str, Any], str]:
    """The parsed document and its text; a missing, unreadable or malformed file raises ``LoadError``."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LoadError(
            [Problem(Severity.ERROR, "file not found.", path, fix="check the path and its spelling.")]
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LoadError(
            [Problem(Severity.ERROR, f"cannot read the file ({exc}).", path,
                     fix="check its permissions and that it is UTF-8 text.")]
        ) from None
    try:
        return tomllib.loads(text), text
    except (ValueError, RecursionError) as exc:  # TOMLDecodeError is a ValueError
        if not isinstance(exc, tomllib.TOMLDecodeError):
            raise LoadError([_unparsable(path, exc, text)]) from None
        match = re.search(r"line (\d+)", str(exc))
        raise LoadError(
            [Problem(Severity.ERROR, f"TOML syntax error: {exc}.", path,
                     line=int(match.group(1)) if match else None,
                     fix="correct the syntax at that line (strings need quotes, tables [name], "
                         "lists [1, 2]).")]
        ) from None


def _unparsable(path: Path, exc: BaseException, text: str) -> Problem:
    """Python's TOML reader gives up on numbers of over 4,300 digits and on very deep nesting."""
    if isinstance(exc, ValueError):
        why, line = "a number too long to read", _line_of(text, re.compile(r"\d{100}"))
    else:
        why, line = "tables or lists nested too deep to read", _deep_line(text)
    return Problem(Severity.ERROR, f"TOML cannot be read: {why}.", path, line=line,
                   fix="numbers have at most a few digits here and lists are at most 2 deep: "
                       "look for a pasted or damaged value.")


def _line_of(text: str, pattern: re.Pattern[str]) -> int | None:
    return next((i + 1 for i, line in enumerate(text.splitlines()) if pattern.search(line)), None)


def _deep_line(text: str, limit: int = 32) -> int | None:
    """The line where brackets and braces first open ``limit`` deep (strings ignored, roughly)."""
    depth = 0
    for i, line in enumerate(text.splitlines()):
        for ch in re.sub(r'"[^"]*"|\'[^\']*\'', "", line):
            depth += ch in "[{"
            depth -= ch in "]}"
            if depth >= limit:
                return i + 1
    return None


def parse_model(model: type[M], path: Path, data: dict[str, Any], text: str) -> M:
    """Validate ``data`` as ``model``, strictly; every failure becomes a problem with file, line and field.

    Validated as JSON in strict mode: a quoted number or a ``true`` is never read as a number, while
    names (roles, actions) and ``[low, high]`` pairs still read as TOML writes them.
    """
    try:
        as_json = json.dumps(data, default=_plain)
    except (ValueError, RecursionError) as exc:
        raise LoadError([_unparsable(path, exc, text)]) from None
    try:
        return model.model_validate_json(as_json, strict=True)
    except ValidationError as exc:
        if any(err["type"] == "json_invalid" for err in exc.errors()):  # nested past its limit
            raise LoadError([_unparsable(path, RecursionError(), text)]) from None
        raise LoadError([_problem(err, path, text, model) for err in exc.errors()]) from None


def _plain(value: object) -> str:
    # TOML dates and times: kept as their text, so a date where a number belongs is a type error.
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def load_model(model: type[M], path: Path) -> M:
    """Read and validate one file."""
    data, text = read_toml(path)
    return parse_model(model, path, data, text)


def field_name(loc: tuple[int | str, ...]) -> str:
    """``('stems', 2, 'role')`` -> ``stems[3].role``: 1-based, as a person counts tables in a file."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += ("." if out else "") + str(part)
    return out


# Lists of tables, as a person writes them: the fix for a missing or empty one shows the real form.
_TABLES = {
    "songs": 'add a song as a table: a line `[[songs]]` and under it `path = "folder/of/the-song"` '
             "(relative to this file), once per song; or make the file with `player new-setlist NAME "
             "FOLDER...`.",
    "stems": 'add a stem as a table: a line `[[stems]]` and under it `file = "click.wav"` (and '
             '`role = "click"`), once per audio file; or delete song.toml to have stems guessed.',
}


def _problem(err: Any, path: Path, text: str, model: type[BaseModel]) -> Problem:
    loc = tuple(p for p in err["loc"] if not _is_union_tag(p))
    kind = err["type"]
    message = err["msg"]
    fix = None
    if kind in ("missing", "too_short") and loc and loc[-1] in _TABLES:
        message = f"no [[{loc[-1]}]] at all: at least one is needed."
        fix = _TABLES[str(loc[-1])]
        loc_for_line = loc[:-1] if kind == "missing" else loc
    elif kind == "missing":
        message = "this field is required."
        fix = f"add `{loc[-1]} = ...` here."
        loc_for_line = loc[:-1]
    elif kind == "extra_forbidden":
        message = f"unknown field {str(loc[-1])!r}."
        fix = "remove it, or check its spelling against the format in the README."
        loc_for_line = loc
    else:
        given = err.get("input")
        if not isinstance(given, (dict, list)):
            message = f"{message} (found {_shown_value(given)})."
        else:
            message = f"{message}."
        fix = _fix_for(kind)
        loc_for_line = loc
    return Problem(Severity.ERROR, message, path, line=locate(text, loc_for_line),
                   field=field_name(loc) or None, fix=fix)


def _shown_value(value: object) -> str:
    """The offending value as written in TOML, cut short: a pasted 4,000-digit number stays readable."""
    text = json.dumps(value) if isinstance(value, bool) else repr(value)
    return text if len(text) <= 40 else f"{text[:30]}... ({len(text)} characters)"


def _is_union_tag(part: int | str) -> bool:
    # pydantic adds the member type to the path of union errors ("list[int]", "function-after[...]").
    return isinstance(part, str) and ("[" in part or part in {"int", "str", "float", "bool"})


def _fix_for(kind: str) -> str | None:
    if kind in {"enum", "literal_error"}:
        return "use one of the values listed."
    if kind.startswith(("greater", "less")):
        return "use a value in the allowed range."
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return "use a value of the type named (numbers without quotes, text in quotes)."
    return None


def locate(text: str, loc: tuple[int | str, ...]) -> int | None:
    """The 1-based line that holds the field at ``loc``, or the nearest table header, or None."""
    lines = text.splitlines()
    headers = []  # (index, name, is_array)
    for i, line in enumerate(lines):
        m = _HEADER.match(line)
        if m:
            headers.append((i, m.group(2).replace(" ", ""), m.group(1) == "[["))

    start, end = 0, headers[0][0] if headers else len(lines)
    found: int | None = None
    table = ""
    i = 0
    while i < len(loc):
        part = loc[i]
        name = f"{table}.{part}" if table else str(part)
        nxt = loc[i + 1] if i + 1 < len(loc) else None
        arrays = [h for h in headers if h[1] == name and h[2]]
        tables = [h for h in headers if h[1] == name and not h[2]]
        if isinstance(nxt, int) and arrays:
            if nxt >= len(arrays):
                break
            h = arrays[nxt]
            start, end, found = _region(h, headers, len(lines))
            table = name
            i += 2
            continue
        if tables:
            start, end, found = _region(tables[0], headers, len(lines))
            table = name
            i += 1
            continue
        key = re.compile(rf"^\s*[\"']?{re.escape(str(part))}[\"']?\s*=")
        for j in range(start, end):
            if key.match(lines[j]):
                return j + 1
        if any(h[1].startswith(name + ".") for h in headers):
            table = name  # [[midi.map]] without a [midi] table: descend by name alone
            i += 1
            continue
        break
    return found


def _region(
    header: tuple[int, str, bool], headers: list[tuple[int, str, bool]], n: int
) -> tuple[int, int, int]:
    idx = headers.index(header)
    end = headers[idx + 1][0] if idx + 1 < len(headers) else n
    return header[0] + 1, end, header[0] + 1
