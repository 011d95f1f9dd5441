"""Excel workbooks (openpyxl): the scorecard a unit fills and signs, and the published ranking."""
from __future__ import annotations

from typing import IO, Any

from ..models import Scorecard

DOCUMENTS = ("scorecard", "ranking")


def scorecard(card: Scorecard, m: Any, out: IO[bytes], facts: Any = None, units: Any = None) -> None:
    from ..excel import write_scorecard

    write_scorecard(card, m, out, facts, units)


def ranking(r: Any, decision: str | None = None) -> bytes:
    from ..ranking_render import ranking_xlsx

    return ranking_xlsx(r, decision)
