"""Excel workbooks (openpyxl): the scorecard a unit fills and signs, and the published ranking."""
from __future__ import annotations

from typing import IO, Any

from ..models import Scorecard

DOCUMENTS = ("scorecard", "ranking")


def scorecard(card: Scorecard, m: Any, out: IO[bytes], facts: Any = None, units: Any = None) -> None:
    from ..excel import write_scorecard

    write_scorecard(card, m, out, facts, units)


def ranking(r: Any, path: Any, decision: str | None = None) -> None:
    from ..ranking_render import write_ranking_xlsx

    write_ranking_xlsx(r, path, decision)
