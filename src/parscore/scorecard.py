"""Scorecard: verdicts → points per item, criterion and field, index and group.

All arithmetic is Decimal. Items are rounded once (in `evaluation.award`); every sum
above them is exact, so points lost always add up to max − total.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from .evaluation import CENT, Session, engine_for
from .explanation import counting_rules, missing_reason, reason, thresholds
from .loading import Facts, Methodology
from .models import (
    Agency, Deduction, ItemResult, NodeResult, Scorecard, Status, Summary, TraceStep,
)

ZERO = Decimal(0)
NIL = Decimal("0.00")  # an item's points always carry 2 places, like rounded awards


def index_of(points: Decimal, applicable_max: Decimal) -> Decimal | None:
    if applicable_max == 0:
        return None
    return (points / applicable_max * 100).quantize(CENT, rounding=ROUND_HALF_UP)


def group_of(m: Methodology, index: Decimal) -> str:
    for g in m.groups:
        if index >= g.min:
            return g.code
    return m.groups[-1].code


def score(m: Methodology, facts: Facts, lang: str = "vi", backend: str = "durable") -> Scorecard:
    """Score one agency's facts under a methodology."""
    session = engine_for(m, backend).evaluate(facts)
    return build_scorecard(m, facts, session, lang)


def build_scorecard(m: Methodology, facts: Facts, session: Session, lang: str) -> Scorecard:
    items = [_item(m, facts, session, code, lang) for code in m.leaves]
    from .conventions import apply_conventions, conventions_text

    items, adjustment, applied, unit = apply_conventions(m, facts, items, lang)
    card = assemble(m, facts.agency, facts.year, items, lang, adjustment=adjustment)
    if unit is None:
        return card
    band = next((g.name.get(lang) for g in m.groups if g.code == card.group and g.name), None)
    return card.model_copy(update={"adjustments": applied, "unit": unit.model_copy(update={"band": band}),
                                   "counting": {**card.counting, **conventions_text(m, lang)}})


def assemble(m: Methodology, agency: Agency, year: int | None, items: list[ItemResult], lang: str,
             stage: str = "computed", adjustment: Decimal = ZERO) -> Scorecard:
    """Items → criteria, fields, total, index and group. `adjustment` is the net of
    capped bonus and penalty points (internal indices only)."""
    by_code = {it.code: it for it in items}
    criteria: list[NodeResult] = []
    fields: list[NodeResult] = []
    for f in m.fields:
        for c in f.criteria:
            criteria.append(_node(c.code, c.name.get(lang), [by_code[s.code] for s in c.sub_criteria]))
        fields.append(_node(f.code, f.name.get(lang), [by_code[s.code] for c in f.criteria for s in c.sub_criteria]))
    total = sum((it.points for it in items), ZERO) + adjustment
    full_max = sum((it.max for it in items), ZERO)
    applicable = sum((it.max for it in items if it.status != "not_applicable"), ZERO)
    idx = min(Decimal(100), max(ZERO, index_of(total, applicable) or ZERO))
    claimed = [it.claimed for it in items if it.claimed is not None]
    return Scorecard(
        methodology={"id": m.id, "version": m.version, "citation": m.citation, "digest": m.digest},
        overlay=m.overlay, agency=agency, year=year, lang=lang, stage=stage,  # type: ignore[arg-type]
        total=total, max=full_max, applicable_max=applicable, index=idx, group=group_of(m, idx),
        claimed_total=sum(claimed, ZERO) if claimed else None,
        counting=counting_rules(lang), summary=_summary(m, items), fields=fields, criteria=criteria, items=items,
    )


def _node(code: str, name: str, leaves: list[ItemResult]) -> NodeResult:
    pts = sum((x.points for x in leaves), ZERO)
    applicable = sum((x.max for x in leaves if x.status != "not_applicable"), ZERO)
    return NodeResult(code=code, name=name, points=pts, max=sum((x.max for x in leaves), ZERO),
                      applicable_max=applicable, index=index_of(pts, applicable))


def _item(m: Methodology, facts: Facts, session: Session, code: str, lang: str) -> ItemResult:
    leaf = m.leaves[code]
    rule = m.rules[code]
    reads = m.reads(rule)
    verdict = session.verdicts.get(code)
    used = {n: session.values.get(n) for n in reads}
    deductions: list[Deduction] = []
    status: Status
    if verdict is None:
        status, points = "missing_facts", NIL
        missing = [n for n in _reported(m, reads) if n not in facts.values]
        deductions.append(Deduction(points=leaf.max, reason=missing_reason(m, missing or reads, lang),
                                    rule=rule.id, facts=used, thresholds=thresholds(rule, None)))
    elif verdict.kind == "not_applicable":
        status, points = "not_applicable", NIL
    else:
        points = verdict.points
        status = "full" if points == leaf.max else "zero" if points == 0 else "partial"
        if points < leaf.max:
            deductions.append(Deduction(points=leaf.max - points, reason=reason(m, session, verdict, lang),
                                        rule=rule.id, facts=used, thresholds=thresholds(rule, verdict.tier)))
    return ItemResult(
        code=code, name=leaf.name.get(lang), points=points, max=leaf.max, status=status,
        assessed_by=leaf.assessed_by, provenance=leaf.provenance, rule=rule.id, rule_provenance=rule.provenance,
        claimed=facts.claimed.get(code), facts=used,
        evidence={n: list(facts.evidence[n]) for n in _reported(m, reads) if n in facts.evidence},
        notes={n: facts.notes[n] for n in _reported(m, reads) if n in facts.notes},
        deductions=deductions, trace=_trace(session, reads, code),
    )


def _reported(m: Methodology, reads: list[str]) -> list[str]:
    out: list[str] = []
    for n in reads:
        for f in m.inputs_of(n):
            if f not in out:
                out.append(f)
    return out


def _trace(session: Session, reads: list[str], code: str) -> list[TraceStep]:
    steps = [s for s in session.trace if s.kind == "derive" and s.source in reads]
    verdict = session.verdicts.get(code)
    if verdict is not None:
        steps.append(verdict.step)
    return [TraceStep(rule=s.production, kind="derive" if s.kind == "derive" else
                      "not_applicable" if s.kind == "not_applicable" else "score",
                      inputs=s.inputs, output=s.output or "") for s in steps]


def _summary(m: Methodology, items: list[ItemResult]) -> Summary:
    statuses = ["full", "partial", "zero", "missing_facts", "not_applicable"]
    provs = ["official", "plan-126", "reconstructed"]
    by_prov = {p: sum((it.max for it in items if it.provenance == p), ZERO) for p in provs}
    rules = {p: sum(1 for it in items if it.rule_provenance == p) for p in provs}
    resting = sum((it.max for it in items if it.provenance == "reconstructed" or it.rule_provenance == "reconstructed"), ZERO)
    total = sum((it.max for it in items), ZERO)
    return Summary(items=len(items), by_status={s: sum(1 for it in items if it.status == s) for s in statuses},
                   maxima_by_provenance=by_prov, rules_by_provenance=rules,
                   reconstructed_share=index_of(resting, total) or ZERO)
