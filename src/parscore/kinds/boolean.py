"""`boolean`: full points when a yes/no fact is as expected, else 0."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable, Literal

from .base import DEFINED, CheckContext, Kind, Outcome, Pattern, Spec, Test


class BooleanScore(Spec):
    kind: Literal["boolean"]
    fact: str
    expect: bool = True


class Boolean(Kind):
    spec = BooleanScore
    fixed_points = True

    def check(self, score: BooleanScore, ctx: CheckContext) -> None:
        if ctx.fact_type != "boolean":
            ctx.add(("score", "fact"), f"kind 'boolean' needs a boolean fact; '{score.fact}' is {ctx.fact_type}", "PS055")

    def outcomes(self, score: BooleanScore, m: Any) -> list[Outcome]:
        want = "true" if score.expect else "false"
        return [("expected", 0, (Pattern(score.fact, (DEFINED, Test("eq", want))),)),
                ("not-expected", 1, (Pattern(score.fact, (DEFINED, Test("ne", want))),))]

    def award(self, score: BooleanScore, leaf_max: Decimal, tier: int | None, value: Any) -> Decimal:
        return leaf_max if tier == 0 else Decimal(0)

    def thresholds(self, score: BooleanScore, tier: int | None) -> dict[str, str]:
        return {"expect": "true" if score.expect else "false"}

    def threshold_lines(self, score: BooleanScore, reached: str | None, lang: str,
                        num: Callable[[Decimal], str], lab: Callable[[str], str]) -> list[str]:
        from ..explanation import fmt_value

        return [f"{lab('expect')}: {fmt_value('true' if score.expect else 'false', lang)}"]

    def reason_context(self, score: BooleanScore, ctx: dict[str, str], tier: int | None, lang: str) -> None:
        from ..i18n import text

        ctx["full"] = str(text("explanation", lang)["yes" if score.expect else "no"])

    def targets(self, score: BooleanScore, planner: Any, code: str) -> list[tuple[Any, str]]:
        return [(score.expect, "full")]
