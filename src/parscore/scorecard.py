"""Scorecard: verdicts → points per item, criterion and field, index and group.

All arithmetic is Decimal. Items are rounded once (in `evaluation.award`); every sum
above them is exact, so points lost always add up to max − total. Cards are built as
plain data (`cards.py`) and validated into the pydantic `Scorecard` once, here, where a
model is returned; `score_data` returns the plain card for callers that only write JSON.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from .cards import ZERO, card_model, fact_locations, group_of, index_of, plan_for
from .evaluation import Session, engine_for
from .loading import Facts, Methodology
from .models import Agency, ItemResult, Scorecard

__all__ = ["ZERO", "assemble", "build_scorecard", "fact_locations", "group_of", "index_of", "score", "score_data"]


def score(m: Methodology, facts: Facts, lang: str = "vi", backend: str = "durable") -> Scorecard:
    """Score one agency's facts under a methodology (backend: durable, reference or fast)."""
    return card_model(score_data(m, facts, lang, backend))


def score_data(m: Methodology, facts: Facts, lang: str = "vi", backend: str = "durable") -> dict[str, Any]:
    """The same scorecard as plain data (`cards.card_json` writes it as the JSON contract)."""
    session = engine_for(m, backend).evaluate(facts)
    return plan_for(m, lang).card(facts, session)


def build_scorecard(m: Methodology, facts: Facts, session: Session, lang: str) -> Scorecard:
    return card_model(plan_for(m, lang).card(facts, session))


def assemble(m: Methodology, agency: Agency, year: int | None, items: list[ItemResult], lang: str,
             stage: str = "computed", adjustment: Decimal = ZERO, facts: Facts | None = None) -> Scorecard:
    """Items → criteria, fields, total, index and group. `adjustment` is the net of
    capped bonus and penalty points (internal indices only)."""
    plan = plan_for(m, lang)
    by_code = {it.code: it.model_dump() for it in items}
    return card_model(plan.assemble(agency, year, [by_code[p.code] for p in plan.items], stage, adjustment, facts))
