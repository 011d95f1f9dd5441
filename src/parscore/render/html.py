"""HTML renderers: the signed self-assessment report (html_report.py, also what the PDF is
printed from), the projection's page and the published ranking."""
from __future__ import annotations

import datetime as dt
from typing import Any

from ..models import Scorecard

DOCUMENTS = ("scorecard", "projection", "ranking")


def scorecard(card: Scorecard, plan: Any = None, m: Any = None, on: dt.date | None = None) -> str:
    from ..html_report import render_html

    return render_html(card, plan, m, on)


def projection(p: Any, lang: str) -> str:
    from ..projection_report import render_projection_html

    return render_projection_html(p, lang)


def ranking(r: Any, decision: str | None = None) -> str:
    from ..ranking_render import render_ranking_html

    return render_ranking_html(r, decision)
