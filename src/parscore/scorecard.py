"""Scorecard: verdicts → points per item, criterion and field, index and group.

All arithmetic is Decimal. Items are rounded once (in `evaluation.award`); every sum
above them is exact, so points lost always add up to max − total. Cards are built as
plain data (`cards.py`) and validated into the pydantic `Scorecard` once, here, where a
model is returned; `score_data` returns the plain card for callers that only write JSON.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from .cards import ZERO, CardPlan, card_line, card_model, fact_locations, group_of, index_of, plan_for
from .evaluation import Session, engine_for
from .loading import Facts, Methodology
from .models import Agency, ItemResult, Scorecard

__all__ = ["ZERO", "assemble", "build_scorecard", "fact_locations", "group_of", "index_of", "score", "score_data"]


def score(m: Methodology, facts: Facts, lang: str = "vi", backend: str = "durable") -> Scorecard:
    """Score one agency's facts under a methodology (backend: durable, reference or fast).

        >>> card = score(load_methodology("par-province-892"), facts, "vi")
        >>> card.index, card.group, card.item("1.3.1").deductions
    """
    if lang not in ("vi", "en"):
        raise ValueError(f"lang must be 'vi' or 'en', not {lang!r}")
    return build_scorecard(m, facts, engine_for(m, backend).evaluate(facts), lang)


def score_data(m: Methodology, facts: Facts, lang: str = "vi", backend: str = "durable") -> dict[str, Any]:
    """The same scorecard as plain data (`cards.card_json` writes it as the JSON contract)."""
    return _card_data(m, facts, lang, backend)[0]


def score_line(m: Methodology, facts: Facts, lang: str = "vi", backend: str = "durable") -> tuple[dict[str, Any], bytes]:
    """The plain card (`score_data`) and its JSON Lines line (what `score --batch` writes):
    unchecked numbers only for a card the plan built and whose numbers it knows are plain."""
    data, plan = _card_data(m, facts, lang, backend)
    return data, card_line(data, plan is not None and plan.plain_numbers(facts))


def _card_data(m: Methodology, facts: Facts, lang: str, backend: str) -> tuple[dict[str, Any], CardPlan | None]:
    """The plain card, and the plan that built it (None for a province's internal index,
    whose conventions build it through the model)."""
    session = engine_for(m, backend).evaluate(facts)
    if has_conventions(m, facts):
        return build_scorecard(m, facts, session, lang).model_dump(), None
    plan = plan_for(m, lang)
    return plan.card(facts, session), plan


def build_scorecard(m: Methodology, facts: Facts, session: Session, lang: str) -> Scorecard:
    plan = plan_for(m, lang)
    if not has_conventions(m, facts):
        return card_model(plan.card(facts, session))
    # a province's internal index: tasks not assigned, the optional survey, bonus and penalty
    from .conventions import apply_conventions, conventions_text

    items = [ItemResult.model_validate(d) for d in plan.items_of(facts, session)]
    items, adjustment, applied, unit = apply_conventions(m, facts, items, lang)
    card = assemble(m, facts.agency, facts.year, items, lang, adjustment=adjustment, facts=facts)
    if unit is None:
        return card
    band = next((g.name.get(lang) for g in m.groups if g.code == card.group and g.name), None)
    return card.model_copy(update={"adjustments": applied, "unit": unit.model_copy(update={"band": band}),
                                   "counting": {**card.counting, **conventions_text(m, lang)}})


def has_conventions(m: Methodology, facts: Facts) -> bool:
    """Whether a card needs the internal-index conventions (the national table needs none)."""
    from .conventions import is_unit_methodology

    return bool(is_unit_methodology(m) or facts.not_assigned)


def assemble(m: Methodology, agency: Agency, year: int | None, items: list[ItemResult], lang: str,
             stage: str = "computed", adjustment: Decimal = ZERO, facts: Facts | None = None) -> Scorecard:
    """Items → criteria, fields, total, index and group. `adjustment` is the net of
    capped bonus and penalty points (internal indices only)."""
    plan = plan_for(m, lang)
    by_code = {it.code: it.model_dump() for it in items}
    return card_model(plan.assemble(agency, year, [by_code[p.code] for p in plan.items], stage, adjustment, facts))
