"""Appraisal rounds as data: self-score, round 1, the unit's explanation (giải trình),
round 2, each with who, when, why and the evidence looked at.

The final score of an item is its last round's score; an item no round touched keeps
its self-score (accepted), or its computed score when it was not self-scored. Survey
items are never appraised: they come from MoHA's survey. Every adjustment (a round's
score differing from the score before it) must carry a reason; one that does not is
an error shown on the scorecard. Bonus and penalty points, used in provinces' internal
indices, are capped by the methodology.
"""
from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .errors import InputError, Problem
from .dates import PersonDate
from .explanation import fmt_number
from .i18n import text
from .loading import Facts, Methodology
from .models import Deduction, HistoryEntry, ItemResult, Num, Scorecard
from .scorecard import assemble, score
from .yamlio import load_model


class RoundItem(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    score: Num = Field(ge=0)
    reason: str | None = None
    evidence: list[str] = Field(default_factory=list)
    note: str | None = None


class Round(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    round: int = Field(ge=1)
    appraiser: str
    date: PersonDate | None = None  # 28/11/2025 or 2025-11-28
    items: dict[str, RoundItem] = Field(default_factory=dict)


class Explanation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    after_round: int = Field(ge=1)
    text: str
    evidence: list[str] = Field(default_factory=list)


class Adjustment(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    points: Num = Field(gt=0)
    reason: str


class AppraisalFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    agency: str
    year: int
    rounds: list[Round] = Field(min_length=1)
    explanations: dict[str, list[Explanation]] = Field(default_factory=dict)
    bonus: list[Adjustment] = Field(default_factory=list)
    penalty: list[Adjustment] = Field(default_factory=list)


def load_appraisal(path: str | os.PathLike[str], m: Methodology, facts: Facts) -> AppraisalFile:
    def one_or_many(data: dict[str, Any]) -> dict[str, Any]:
        """One explanation per item may be written without the list."""
        if isinstance(data.get("explanations"), dict):
            data["explanations"] = {str(k): (v if isinstance(v, list) else [v]) for k, v in data["explanations"].items()}
        return data

    af: AppraisalFile
    af, doc = load_model(os.fspath(path), AppraisalFile, "PS150", "an appraisal: agency, year, rounds", one_or_many)
    problems = []
    if af.agency != facts.agency.code or af.year != facts.year:
        problems.append(Problem(doc.file, doc.line(("agency",)), "agency",
                                f"appraisal of {af.agency} {af.year}, but the facts are {facts.agency.code} {facts.year}", "PS151"))
    numbers = [r.round for r in af.rounds]
    if numbers != sorted(set(numbers)):
        problems.append(Problem(doc.file, doc.line(("rounds",)), "rounds", f"rounds must be numbered in order without repeats, got {numbers}", "PS152"))
    leaves = m.leaves
    for i, r in enumerate(af.rounds):
        for code, it in r.items.items():
            where = doc.line(("rounds", i, "items", code))
            if code not in leaves:
                problems.append(Problem(doc.file, where, f"rounds.{r.round}.{code}", f"'{code}' is not a sub-criterion of {m.id}", "PS153"))
            elif leaves[code].assessed_by == "survey":
                problems.append(Problem(doc.file, where, f"rounds.{r.round}.{code}", "survey-scored items are not appraised", "PS154"))
            elif it.score > leaves[code].max:
                problems.append(Problem(doc.file, where, f"rounds.{r.round}.{code}.score",
                                        f"{it.score} is above the item's maximum {leaves[code].max}", "PS155"))
    for kind in ("bonus", "penalty"):
        if getattr(af, kind) and getattr(m, kind) is None:
            problems.append(Problem(doc.file, doc.line((kind,)), kind, f"{m.id} declares no {kind} points", "PS156"))
    if problems:
        raise InputError(problems)
    return af


def appraise(m: Methodology, facts: Facts, appraisal: AppraisalFile, lang: str = "vi") -> Scorecard:
    """The scorecard after the last round, with every item's history."""
    computed = score(m, facts, lang)
    items: list[ItemResult] = []
    errors: list[str] = []
    for it in computed.items:
        history = []
        current = it.claimed if it.claimed is not None else it.points
        if it.claimed is not None:
            history.append(HistoryEntry(stage="self", points=it.claimed))
        history.append(HistoryEntry(stage="computed", points=it.points))
        reason: str | None = None
        by = None
        for r in appraisal.rounds:
            for ex in appraisal.explanations.get(it.code, []):
                if ex.after_round == r.round - 1:
                    history.append(HistoryEntry(stage="explanation", reason=ex.text, evidence=ex.evidence))
            ri = r.items.get(it.code)
            if ri is None:
                continue
            history.append(HistoryEntry(stage=f"round-{r.round}", points=ri.score, by=r.appraiser,
                                        date=r.date.isoformat() if r.date else None, reason=ri.reason, evidence=ri.evidence))
            if ri.score != current and not (ri.reason or "").strip():
                errors.append(text("appraisal", lang)["no_reason"].format(
                    code=it.code, round=r.round, before=fmt_number(current, lang), after=fmt_number(ri.score, lang)))
            current, reason, by = ri.score, ri.reason, r.appraiser
        final = it.points if it.assessed_by == "survey" else current
        items.append(_restaged(it, final, reason, by, history))
    adjustment, applied = _adjustments(m, appraisal)
    update: dict[str, Any] = {}
    if computed.unit is not None:   # an internal index: bonus/penalty from facts and from the rounds share one cap
        from .conventions import adjustments

        extra = {kind: [(e.id, e.points, e.reason) for e in getattr(appraisal, kind)] for kind in ("bonus", "penalty")}
        adjustment, applied, used = adjustments(m, facts.values, lang, extra)
        update = {"unit": computed.unit.model_copy(update={"bonus": used.get("bonus"), "penalty": used.get("penalty")}),
                  "counting": computed.counting}
    card = assemble(m, computed.agency, computed.year, items, lang, stage="appraised", adjustment=adjustment, facts=facts)
    return card.model_copy(update={"adjustments": applied or None, "appraisal_errors": errors or None,
                                   "overlay": computed.overlay, **update})


def self_assessment(m: Methodology, facts: Facts, lang: str = "vi") -> Scorecard:
    """The card as the agency scored itself: claimed points where given, else computed."""
    computed = score(m, facts, lang)
    items = [_restaged(it, it.claimed if it.claimed is not None and it.assessed_by == "appraisal" else it.points, None, None,
                       [HistoryEntry(stage="self", points=it.claimed)] if it.claimed is not None else None)
             for it in computed.items]
    return assemble(m, computed.agency, computed.year, items, lang, stage="self", facts=facts).model_copy(update={"overlay": computed.overlay})


def _restaged(it: ItemResult, final: Decimal, reason: str | None, by: str | None, history: list[HistoryEntry] | None) -> ItemResult:
    if it.status in ("not_applicable",) or final == it.points:
        deductions = it.deductions
        status = it.status
    else:
        status = "full" if final == it.max else "zero" if final == 0 else "partial"
        if reason:  # the appraiser's own words, and who said them
            text = f"{reason} ({by})" if by else reason
        else:  # no stated reason: the rule's explanation of the computed score stands
            text = it.deductions[0].reason if it.deductions else ""
        deductions = [Deduction(points=it.max - final, reason=text, rule=("appraisal" if by else "self-assessment"),
                                facts=it.facts, thresholds={})] if final < it.max else []
    return it.model_copy(update={"points": final, "status": status, "deductions": deductions,
                                 "computed": it.points, "history": history})


def _adjustments(m: Methodology, a: AppraisalFile) -> tuple[Decimal, list[dict[str, str]]]:
    applied = []
    net = Decimal(0)
    for kind, sign in (("bonus", 1), ("penalty", -1)):
        entries = getattr(a, kind)
        if not entries:
            continue
        cap = getattr(m, kind).cap
        raw = sum((e.points for e in entries), Decimal(0))
        used = min(raw, cap)
        net += sign * used
        for e in entries:
            applied.append({"kind": kind, "id": e.id, "points": str(e.points), "reason": e.reason})
        if used < raw:
            applied.append({"kind": kind, "id": "cap", "points": str(cap), "reason": f"{kind} capped at {cap} (asked {raw})"})
    return net, applied
