"""JSON renderers: the stable contract (see README), one function per document, each written
by `to_json` (fixed key order, UTF-8, a newline at the end): the same inputs give
byte-identical output."""
from __future__ import annotations

from typing import Any

from ..loading import Methodology
from ..models import Scorecard
from .common import criteria_data, facts_data, plan_document, to_json

DOCUMENTS = ("scorecard", "explain", "criteria", "facts", "simulation", "plan", "plan_status", "audit", "history_list",
             "trend", "appraised", "diff", "projection", "ranking")


def scorecard(sc: Scorecard) -> str:
    return to_json(sc)


def explain(sc: Scorecard, m: Methodology, code: str) -> str:
    return to_json(sc.item(code))


def criteria(m: Methodology, lang: str) -> str:
    return to_json(criteria_data(m, lang))


def facts(m: Methodology, lang: str) -> str:
    return to_json(facts_data(m, lang))


def simulation(sim: Any) -> str:
    return to_json(sim)


def plan(p: Any, m: Methodology, lang: str, unit: str | None = None, limit: int = 40,
         rank: Any = None, rank_after: Any = None, by_unit: Any = None) -> str:
    """Every improvement (`limit` bounds only the text table), narrowed to `unit` when given."""
    return to_json(plan_document(p, m, lang, unit, rank, rank_after))


def plan_status(ps: Any, lang: str) -> str:
    units = ps.plan.units
    return to_json({
        "plan": ps.plan.plan, "citation": ps.plan.citation, "on": ps.on.isoformat(), "agency": ps.card.agency.model_dump(),
        "index": float(ps.card.index), "group": ps.card.group,
        "tasks": [{"id": s.task.id, "section": s.task.section, "title": s.task.title.get(lang), "lead": units[s.task.lead].get(lang),
                   "deadline": s.task.deadline.isoformat() if s.task.deadline else None, "state": s.state, "timing": s.timing,
                   "serves": s.task.serves, "values": s.values, "baseline": s.baseline,
                   "at_stake": float(s.at_stake)} for s in ps.tasks],
        "by_unit": [{"unit": units[u].get(lang), **c, "at_stake": float(x)} for u, c, x in ps.by_unit()],
    })


def audit(report: Any) -> str:
    card = report.card
    return to_json({"agency": card.agency.model_dump(), "year": card.year, "methodology": card.methodology,
                    "computed_total": float(card.total), "claimed_total": float(card.claimed_total) if card.claimed_total is not None else None,
                    "findings": [{"code": f.code, "severity": f.severity, "item": f.item, "line": f.line, "message": f.message}
                                 for f in report.findings]})


def history_list(entries: list[Any], lang: str) -> str:
    from ..history import entries_json

    return entries_json(entries)


def trend(entries: list[Any], lang: str) -> str:
    """`history trend -f json`: the entries the table shows (the latest of each year and
    stage), by year and stage, each as `history list -f json` writes it. (It printed the
    plain table until session 9.)"""
    from ..history import entries_json
    from .common import TREND_STAGES, latest_by_year_and_stage

    latest = latest_by_year_and_stage(entries)
    order = {s: i for i, s in enumerate(TREND_STAGES)}
    return entries_json([latest[k] for k in sorted(latest, key=lambda k: (k[0], order.get(k[1], len(order)), k[1]))])


def appraised(card: Scorecard) -> str:
    return to_json(card)


def diff(d: Any, lang: str) -> str:
    return to_json(d)


def projection(p: Any, lang: str) -> str:
    from ..projection_report import projection_json

    return projection_json(p)


def ranking(r: Any) -> str:
    return to_json(r)
