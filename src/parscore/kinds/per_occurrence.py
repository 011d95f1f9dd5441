"""`per_occurrence`: the maximum less `each` point(s) per occurrence, never below `floor`."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable, Literal

from pydantic import Field

from ..schema import Num
from .base import DEFINED, CheckContext, Kind, Outcome, Pattern, Spec, fmt, plain


class PerOccurrenceScore(Spec):
    kind: Literal["per_occurrence"]
    fact: str
    each: Num = Field(gt=0)
    floor: Num = Decimal(0)


class PerOccurrence(Kind):
    spec = PerOccurrenceScore

    def check(self, score: PerOccurrenceScore, ctx: CheckContext) -> None:
        ctx.require_number(score.kind, score.fact)
        if score.floor > ctx.leaf_max or score.floor < 0:
            ctx.add(("score", "floor"), f"floor {fmt(score.floor)} must lie within [0, {fmt(ctx.leaf_max)}]", "PS056")
        if ctx.better != "lower":
            ctx.add(("score", "fact"), f"per_occurrence counts something to avoid; '{score.fact}' should be better: lower", "PS057")

    def outcomes(self, score: PerOccurrenceScore, m: Any) -> list[Outcome]:
        return [("score", None, (Pattern(score.fact, (DEFINED,)),))]

    def award(self, score: PerOccurrenceScore, leaf_max: Decimal, tier: int | None, value: Any) -> Decimal:
        return max(leaf_max - score.each * Decimal(value), score.floor)

    def award_source(self, score: PerOccurrenceScore, leaf_max: str, const: Callable[[Any], str]) -> str:
        return f"max({leaf_max} - {const(score.each)} * D(n), {const(score.floor)})"

    def thresholds(self, score: PerOccurrenceScore, tier: int | None) -> dict[str, str]:
        return {"each": plain(score.each), "floor": plain(score.floor)}

    def threshold_lines(self, score: PerOccurrenceScore, reached: str | None, lang: str,
                        num: Callable[[Decimal], str], lab: Callable[[str], str]) -> list[str]:
        return [f"{lab('each')}: {num(score.each)}", f"{lab('floor')}: {num(score.floor)}"]

    def reason_context(self, score: PerOccurrenceScore, ctx: dict[str, str], tier: int | None, lang: str) -> None:
        from ..explanation import fmt_number

        ctx.update(each=fmt_number(score.each, lang), floor=fmt_number(score.floor, lang))

    def targets(self, score: PerOccurrenceScore, planner: Any, code: str) -> list[tuple[Any, str]]:
        return [(Decimal(0), "full")]
