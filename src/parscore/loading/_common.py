"""Helpers every loader shares: located hints and plain numbers in messages."""
from __future__ import annotations

import difflib
import os
from decimal import Decimal
from pathlib import Path
from typing import Any


def _show(v: Any) -> str:
    """A value as the user wrote it in YAML, not as Python prints it."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "nothing"
    return repr(v) if isinstance(v, str) else str(v)


def _did_you_mean(word: str, choices: Any) -> str:
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


def _hint(word: str, choices: Any) -> str:
    d = _did_you_mean(word, choices)
    return f" ({d})" if d else ""


def texts_by_code(raw: dict[Any, Any], codes: Any, key: str, unknown: str, not_text: str, code: str,
                  add: Any) -> dict[str, str]:
    """A facts file's mapping of tree codes to text (`leads:`, `not_assigned:`): every key a
    code of the tree (`unknown`, e.g. "unknown item", names it otherwise), every value
    non-empty text (else `not_text`); whitespace runs become one space."""
    out: dict[str, str] = {}
    for k, text in raw.items():
        ks = str(k)
        if ks not in codes:
            add((key, k), f"{key}.{ks}", f"{unknown} '{ks}'{_hint(ks, codes)}", code)
        elif not isinstance(text, str) or not text.strip():
            add((key, k), f"{key}.{ks}", not_text, code)
        else:
            out[ks] = " ".join(text.split())
    return out


def _relative(file: str, line: int | None, base: Path) -> str:
    """`file:line` with the file relative to `base` (the methodology's directory), '/'-separated."""
    try:
        rel = Path(os.path.relpath(file, base)).as_posix()
    except ValueError:   # another drive (Windows): no relative path exists
        rel = Path(file).name
    return f"{rel}:{line}" if line is not None else rel


def _fmt(d: Decimal) -> str:
    return format(d.normalize(), "f")
