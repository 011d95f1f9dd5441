"""The text documents by their old names: `render_scorecard(card, "markdown")` and the other
`render_*(..., fmt)` functions, each one call to the renderer registry (parscore.render: one
module per format). The words, numbers and data every renderer shares live in
render/common.py and are re-exported here, so `from parscore.reporting import pct` keeps working.
"""
from __future__ import annotations

from typing import Any

from .loading import Methodology
from .models import Scorecard
from .render import render
from .render.common import (  # noqa: F401  (re-exported)
    TREND_STAGES, _date, _md, _rank_text, _raw_rank, _signed, _stage, ab, action_text, caveat, criteria_data, facts_data,
    md_escape, missing_lines, num, parts_rows, pct, plan_data, plan_document, pv, reaches_text, st, supply_text, t,
    tabulate, threshold_lines, to_json, total_text,
)

SCORECARD_TEXT_FORMATS = ("table", "markdown", "json")


def render_scorecard(sc: Scorecard, fmt: str) -> str:
    """The card as text: `table`, `markdown` or `json` (documents: html_report.render_html,
    render.docx.render_docx, render.pdf.html_to_pdf, excel.write_scorecard; or
    parscore.render.render("scorecard", fmt, ...))."""
    if fmt not in SCORECARD_TEXT_FORMATS:
        raise ValueError(f"render_scorecard writes {', '.join(SCORECARD_TEXT_FORMATS)}, not {fmt!r}; for html, pdf, "
                         "docx and xlsx use render_html, render_docx, html_to_pdf or write_scorecard")
    return str(render("scorecard", fmt, sc))


def render_explain(sc: Scorecard, m: Methodology, code: str, fmt: str) -> str:
    return str(render("explain", fmt, sc, m, code))


def render_criteria(m: Methodology, lang: str, fmt: str) -> str:
    return str(render("criteria", fmt, m, lang))


def render_facts(m: Methodology, lang: str, fmt: str) -> str:
    return str(render("facts", fmt, m, lang))


def render_units(rows: list[Any], lang: str, tf: str) -> str:
    from .render.table import units

    return units(rows, lang, tf)


def render_extras(sc: Scorecard, fmt: str) -> str:
    """Rank and lead-unit sections, when peers or units were given (table, markdown)."""
    return str(render("extras", fmt, sc))


def render_simulation(sim: Any, fmt: str) -> str:
    return str(render("simulation", fmt, sim))


def render_plan(p: Any, m: Methodology, lang: str, fmt: str, unit: str | None = None, limit: int = 40,
                rank: Any = None, rank_after: Any = None, by_unit: Any = None) -> str:
    return str(render("plan", fmt, p, m, lang, unit, limit, rank, rank_after, by_unit))


def render_plan_status(ps: Any, lang: str, fmt: str) -> str:
    return str(render("plan_status", fmt, ps, lang))


def render_audit(report: Any, fmt: str) -> str:
    return str(render("audit", fmt, report))


def render_history_list(entries: list[Any], lang: str, fmt: str) -> str:
    """`history list`: one row per stored entry, headers and stages in `lang`."""
    return str(render("history_list", fmt, entries, lang))


def render_trend(entries: list[Any], lang: str, fmt: str) -> str:
    """`history trend`: the latest index of each year and stage."""
    return str(render("trend", fmt, entries, lang))


def render_appraised(card: Scorecard, fmt: str) -> str:
    return str(render("appraised", fmt, card))


def render_diff(d: Any, lang: str, fmt: str) -> str:
    return str(render("diff", fmt, d, lang))
