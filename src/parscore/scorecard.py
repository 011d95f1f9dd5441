"""Scorecard: verdicts → points per item, criterion and field, index and group.

All arithmetic is Decimal. Items are rounded once (in `evaluation.award`); every sum
above them is exact, so points lost always add up to max − total.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from .evaluation import CENT, Session, engine_for
from .explanation import (
    baseline_missing_reason, counting_rules, missing_reason, not_arising_reason, projected_reason, reason, thresholds,
)
from .loading import Facts, Methodology
from .models import (
    BASELINE_SUFFIX, PROVENANCES, STATUSES, Agency, SurveyScore, Deduction, ItemResult, NodeResult, Scorecard, Status, Summary, TraceStep,
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
    card = assemble(m, facts.agency, facts.year, items, lang)
    if facts.projection_source is not None:
        card = card.model_copy(update={"projection_source": facts.projection_source})
    return card


def assemble(m: Methodology, agency: Agency, year: int | None, items: list[ItemResult], lang: str,
             stage: str = "computed", adjustment: Decimal = ZERO) -> Scorecard:
    """Items → criteria, fields, total, index and group. `adjustment` is the net of
    capped bonus and penalty points (internal indices only)."""
    by_code = {it.code: it for it in items}
    criteria: list[NodeResult] = []
    fields: list[NodeResult] = []
    for f in m.fields:
        for c in f.criteria:
            criteria.append(_node(c.code, c.name.get(lang), [by_code[s.code] for s in c.sub_criteria])
                            .model_copy(update={"provenance": c.provenance, "citation": c.citation}))
        fields.append(_node(f.code, f.name.get(lang), [by_code[s.code] for c in f.criteria for s in c.sub_criteria])
                      .model_copy(update={"provenance": f.provenance, "citation": f.citation}))
    total = sum((it.points for it in items), ZERO) + adjustment
    full_max = sum((it.max for it in items), ZERO)
    applicable = sum((it.max for it in items if it.status != "not_applicable"), ZERO)
    idx = min(Decimal(100), max(ZERO, index_of(total, applicable) or ZERO))
    claimed = [it.claimed for it in items if it.claimed is not None]
    part = {k: sum((it.points for it in items if it.assessed_by == k), ZERO) for k in ("appraisal", "survey")}
    part_max = {k: sum((it.max for it in items if it.assessed_by == k), ZERO) for k in ("appraisal", "survey")}
    projected = sum((it.points for it in items if it.status == "projected"), ZERO)
    any_projected = any(it.status == "projected" for it in items)
    without = min(Decimal(100), max(ZERO, index_of(total - projected, applicable) or ZERO)) if any_projected else None
    return Scorecard(
        methodology={"id": m.id, "version": m.version, "citation": m.citation, "digest": m.digest},
        overlay=m.overlay, agency=agency, year=year, lang=lang, stage=stage,  # type: ignore[arg-type]
        total=total, max=full_max, applicable_max=applicable, index=idx, group=group_of(m, idx),
        claimed_total=sum(claimed, ZERO) if claimed else None,
        counting=counting_rules(lang), summary=_summary(m, items), fields=fields, criteria=criteria, items=items,
        appraisal_points=part["appraisal"], appraisal_max=part_max["appraisal"], survey_points=part["survey"],
        survey_max=part_max["survey"], projected_points=projected if any_projected else None,
        index_without_projection=without,
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
    why: str | None = None
    base_names = m.baseline_reads(rule)
    base = {n: session.values.get(n + BASELINE_SUFFIX) for n in base_names} if base_names else None
    if verdict is None:
        status, points = "missing_facts", NIL
        missing = [n for n in _reported(m, reads) if n not in facts.values]
        no_base = [n for n in base_names if session.values.get(n + BASELINE_SUFFIX) is None]
        text = missing_reason(m, missing or ([] if no_base else reads), lang) if missing or not no_base else ""
        if no_base:
            text = (text + " " if text else "") + baseline_missing_reason(m, no_base, facts, lang)
        deductions.append(Deduction(points=leaf.max, reason=text,
                                    rule=rule.id, facts=used, thresholds=thresholds(rule, None)))
    elif verdict.kind == "not_applicable" and verdict.points == leaf.max and leaf.max > 0:
        status, points = "full", verdict.points   # the situation did not arise: full points, maximum kept
        why = not_arising_reason(m, rule, session, lang)
    elif verdict.kind == "not_applicable":
        status, points = "not_applicable", NIL
    elif isinstance(rule.score, SurveyScore) and any(n in facts.projected for n in m.inputs_of(rule.score.fact)):
        points, status = verdict.points, "projected"   # last year's survey result stands in for this year's
        why = projected_reason(m, rule, session, facts, lang)
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
        deductions=deductions, trace=_trace(session, reads, code), reason=why, baseline=base,
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
    statuses = list(STATUSES)
    provs = list(PROVENANCES)
    by_prov = {p: sum((it.max for it in items if it.provenance == p), ZERO) for p in provs}
    rules = {p: sum(1 for it in items if it.rule_provenance == p) for p in provs}
    resting = sum((it.max for it in items if it.provenance == "reconstructed" or it.rule_provenance == "reconstructed"), ZERO)
    total = sum((it.max for it in items), ZERO)
    return Summary(items=len(items), by_status={s: sum(1 for it in items if it.status == s) for s in statuses},
                   maxima_by_provenance=by_prov, rules_by_provenance=rules,
                   reconstructed_share=index_of(resting, total) or ZERO,
                   field_maxima_by_provenance={p: sum((f.max for f in m.fields if f.provenance == p), ZERO) for p in provs},
                   constraints=[{"fields": " + ".join(c.fields), "total": format(c.total.normalize(), "f"),
                                 "provenance": c.provenance, "citation": c.citation or ""} for c in m.constraints])
