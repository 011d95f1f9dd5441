"""JSON text, written by orjson with the stdlib's exact bytes.

Every JSON document parscore writes (`score -f json`, the web API, `history`, JSON
Lines) goes through here. Documents are `json.dumps(data, ensure_ascii=False,
indent=2)` (one line: `separators=(",", ":")`, as JSON Lines are written). orjson
writes the same bytes 10–20× faster: a scorecard took 3.4 ms in the stdlib's pure-Python
indenting encoder and takes 0.15 ms here, and a JSON Lines card 1.0 → 0.16 ms.

Where orjson's output could differ from the stdlib's, the stdlib writes the document:
- a float below 0.0001 (orjson writes 1e-7 and 0.000025 where `json` writes 1e-07 and
  2.5e-05; every other float is written alike, checked over 900,000 random floats): seen
  as a digit before `e-`, or `0.0000`, in the output (a text containing them also takes
  this path, only slower);
- what orjson refuses: keys that are not text, integers beyond 64 bits, lone surrogates;
- a non-finite number (orjson writes null where `json` writes NaN): `plain` sends a
  non-finite or tiny Decimal to the stdlib; a native float NaN is not looked for (the
  documents' floats come from finite Decimals).
`tests/test_jsontext.py` checks the equality over documents and hostile values.
"""
from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from typing import Any

import orjson

from .errors import InputError

__all__ = ["dumps", "dumps_bytes", "loads", "lone_surrogate", "plain"]

_INDENT = orjson.OPT_INDENT_2


def plain(o: Any) -> Any:
    """What a value that JSON has no type for is written as (the stdlib's `default`): a
    Decimal as a float (as `models.Points` serializes), a date as ISO text, a pydantic
    model as its JSON data."""
    if isinstance(o, Decimal):
        return float(o)
    if isinstance(o, date):
        return o.isoformat()
    if hasattr(o, "model_dump"):
        return o.model_dump(mode="json")
    raise TypeError(f"not JSON: {type(o).__name__}")


class _Stdlib(TypeError):
    """A value only the stdlib writes as the stdlib does."""


def _orjson_default(o: Any) -> Any:
    """`plain` for orjson: a Decimal orjson would write otherwise than the stdlib (tiny or
    non-finite) sends the whole document to the stdlib."""
    if type(o) is Decimal:
        f = float(o)
        if (-0.0001 < f < 0.0001 and f) or f - f != 0:   # 1e-07 / 2.5e-05 written otherwise; NaN written null
            raise _Stdlib(str(o))
        return f
    return plain(o)


def dumps_bytes(data: Any, indent: bool = True, floats: bool = True, plain: bool = False) -> bytes:
    """UTF-8 JSON with a newline at the end: indented by 2, or on one line (`,` and `:`).
    `floats=False`: the data's numbers are Decimals and integers only (a card), so the output
    is not scanned for floats orjson writes otherwise (such Decimals are caught as written).
    `plain=True` (with `floats=False`): the caller knows every Decimal is zero or lies within
    0.0001–10^14 in magnitude (`cards.CardPlan.plain_numbers`), where orjson writes float()'s
    value as the stdlib does (`tests/test_jsontext.py`), so no Decimal is checked as it is
    written: a card's line takes ~30% less time."""
    if plain and not floats:
        try:
            return orjson.dumps(data, default=float, option=_INDENT if indent else 0) + b"\n"
        except TypeError:   # a value only `plain` writes (a date, a model): the checked way below
            pass
    out = _orjson(data, indent, floats)
    return _stdlib(data, indent).encode("utf-8") if out is None else out + b"\n"


def dumps(data: Any, indent: bool = True, floats: bool = True) -> str:
    """`dumps_bytes` as text."""
    out = _orjson(data, indent, floats)
    return _stdlib(data, indent) if out is None else out.decode("utf-8") + "\n"


def _orjson(data: Any, indent: bool, floats: bool) -> bytes | None:
    """orjson's text (no newline), or None where only the stdlib writes the stdlib's bytes."""
    try:
        out = orjson.dumps(data, default=_orjson_default, option=_INDENT if indent else 0)
    except TypeError:   # orjson.JSONEncodeError: what it does not write (see the module's docstring)
        return None
    return None if floats and _risky(out) else out


_EXPONENT = re.compile(rb"e-(?<=[0-9]e-)")   # the literal first, then the digit before it: a fast scan


def _risky(out: bytes) -> bool:
    """Whether orjson may have written a float otherwise than the stdlib (a float below 0.0001)."""
    if _EXPONENT.search(out):   # 1e-07 is a float; province-892 is not
        return True
    return b"0.0000" in out


def _stdlib(data: Any, indent: bool) -> str:
    if indent:
        return json.dumps(data, ensure_ascii=False, indent=2, default=plain) + "\n"
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=plain) + "\n"


_SURROGATE = re.compile("[\ud800-\udfff]")


class _Refused(ValueError):
    """What `loads` refuses in a document `json.loads` would read: a message and its code."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    d = dict(pairs)
    if len(d) != len(pairs):   # which key came twice
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Refused(f"duplicate key '{key}'; each key may appear once", "PS007")
            seen.add(key)
    return d


def _float(text: str) -> float:
    if len(text) > 16:   # (`digits_lost`'s own first test, here to spare the call for every number)
        from .yamlio import digits_lost

        why = digits_lost(text)
        if why is not None:
            raise _Refused(why, "PS233")
    return float(text)


def loads(text: str | bytes, where: str) -> Any:
    """A JSON document a person gave (a batch line, an API request): `json.loads`, except that
    a number with more digits than a float keeps (PS233), instead of being scored as another
    number, and a key written twice in one object (PS007), instead of the first value being
    dropped, are InputErrors at `where`, as in YAML documents. Text that is not JSON raises
    `json.JSONDecodeError` (a ValueError) as `json.loads` does."""
    try:
        return json.loads(text, parse_float=_float, object_pairs_hook=_object)
    except _Refused as exc:
        raise InputError.one(where, None, "", str(exc), exc.code) from None


def lone_surrogate(data: Any, text: str | bytes | None = None) -> str | None:
    """The first half surrogate pair in a loaded JSON document's keys or texts, as its escape
    (`\\ud800`), or None. JSON may escape one (`"\\ud800"`), but it is not a character: no
    UTF-8 file or page can hold it, so a document carrying one is refused where it is read.
    With the document's `text` (read as UTF-8, which holds none), only a text with a
    `\\uD800`–`\\uDFFF` escape is looked through."""
    if text is not None:
        esc = ("\\ud", "\\uD") if isinstance(text, str) else (b"\\ud", b"\\uD")
        if esc[0] not in text and esc[1] not in text:   # type: ignore[operator]
            return None
    stack = [data]
    while stack:
        x = stack.pop()
        if isinstance(x, str):
            if not x.isascii():
                found = _SURROGATE.search(x)
                if found:
                    return f"\\u{ord(found.group()):04x}"
        elif isinstance(x, dict):
            stack.extend(x.keys())
            stack.extend(x.values())
        elif isinstance(x, list):
            stack.extend(x)
    return None
