"""`proportional`: points grow linearly from 0 at `zero_at` to the maximum at `full_at`."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable, Literal

from ..schema import Num
from .base import DEFINED, CheckContext, Kind, Outcome, Pattern, Spec, plain


class ProportionalScore(Spec):
    kind: Literal["proportional"]
    fact: str
    zero_at: Num
    full_at: Num


class Proportional(Kind):
    spec = ProportionalScore

    def check(self, score: ProportionalScore, ctx: CheckContext) -> None:
        ctx.require_number(score.kind, score.fact)
        if score.zero_at == score.full_at:
            ctx.add(("score",), "zero_at and full_at must differ", "PS056")
        elif (score.full_at > score.zero_at) != (ctx.better != "lower"):
            ctx.add(("score",), f"full_at/zero_at run against '{score.fact}' being better: {ctx.better}", "PS057")

    def outcomes(self, score: ProportionalScore, m: Any) -> list[Outcome]:
        return [("score", None, (Pattern(score.fact, (DEFINED,)),))]

    def award(self, score: ProportionalScore, leaf_max: Decimal, tier: int | None, value: Any) -> Decimal:
        share = (Decimal(value) - score.zero_at) / (score.full_at - score.zero_at)
        return leaf_max * min(Decimal(1), max(Decimal(0), share))

    def award_source(self, score: ProportionalScore, leaf_max: str, const: Callable[[Any], str]) -> str:
        share = f"(D(n) - {const(score.zero_at)}) / ({const(score.full_at)} - {const(score.zero_at)})"
        return f"{leaf_max} * min(ONE, max(ZERO, {share}))"

    def thresholds(self, score: ProportionalScore, tier: int | None) -> dict[str, str]:
        return {"zero_at": plain(score.zero_at), "full_at": plain(score.full_at)}

    def threshold_lines(self, score: ProportionalScore, reached: str | None, lang: str,
                        num: Callable[[Decimal], str], lab: Callable[[str], str]) -> list[str]:
        return [f"{lab('zero_at')}: {num(score.zero_at)}", f"{lab('full_at')}: {num(score.full_at)}"]

    def reason_context(self, score: ProportionalScore, ctx: dict[str, str], tier: int | None, lang: str) -> None:
        from ..explanation import fmt_number

        ctx["full"] = fmt_number(score.full_at, lang)

    def targets(self, score: ProportionalScore, planner: Any, code: str) -> list[tuple[Any, str]]:
        return [(score.full_at, "full")]
