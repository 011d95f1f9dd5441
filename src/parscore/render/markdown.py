"""Markdown renderers: the text documents of render/table.py with GitHub tables, headings, and
every user text escaped (`md_escape`): one function per document, each the table's with
`fmt="markdown"`."""
from __future__ import annotations

from typing import Any

from ..loading import Methodology
from ..models import Scorecard
from . import table

DOCUMENTS = ("scorecard", "explain", "criteria", "facts", "extras", "simulation", "plan", "plan_status", "audit",
             "history_list", "trend", "appraised", "diff", "projection", "ranking", "unit_info")
MD = "markdown"


def scorecard(sc: Scorecard) -> str:
    return table.scorecard(sc, MD)


def explain(sc: Scorecard, m: Methodology, code: str) -> str:
    return table.explain(sc, m, code, MD)


def criteria(m: Methodology, lang: str) -> str:
    return table.criteria(m, lang, MD)


def facts(m: Methodology, lang: str) -> str:
    return table.facts(m, lang, MD)


def extras(sc: Scorecard) -> str:
    return table.extras(sc, MD)


def simulation(sim: Any) -> str:
    return table.simulation(sim, MD)


def plan(p: Any, m: Methodology, lang: str, unit: str | None = None, limit: int = 40,
         rank: Any = None, rank_after: Any = None, by_unit: Any = None) -> str:
    return table.plan(p, m, lang, unit, limit, rank, rank_after, by_unit, fmt=MD)


def plan_status(ps: Any, lang: str) -> str:
    return table.plan_status(ps, lang, MD)


def audit(report: Any) -> str:
    return table.audit(report, MD)


def history_list(entries: list[Any], lang: str) -> str:
    return table.history_list(entries, lang, MD)


def trend(entries: list[Any], lang: str) -> str:
    return table.trend(entries, lang, MD)


def appraised(card: Scorecard) -> str:
    return table.appraised(card, MD)


def diff(d: Any, lang: str) -> str:
    return table.diff(d, lang, MD)


def projection(p: Any, lang: str) -> str:
    return table.projection(p, lang, MD)


def ranking(r: Any) -> str:
    return table.ranking(r, MD)


def unit_info(card: Scorecard) -> str:
    return table.unit_info(card, MD)
