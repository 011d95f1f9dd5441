"""`survey`: a survey item scores its maximum × the satisfaction percentage / 100."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable, Literal

from .base import DEFINED, CheckContext, Kind, Outcome, Pattern, Spec


class SurveyScore(Spec):
    kind: Literal["survey"]
    fact: str


class Survey(Kind):
    spec = SurveyScore
    survey = True

    def check(self, score: SurveyScore, ctx: CheckContext) -> None:
        ctx.require_number(score.kind, score.fact)
        if ctx.fact_type not in ("percent", "percent_or_number"):
            ctx.add(("score", "fact"), f"kind 'survey' needs a percent fact; '{score.fact}' is {ctx.fact_type}", "PS055")

    def outcomes(self, score: SurveyScore, m: Any) -> list[Outcome]:
        return [("score", None, (Pattern(score.fact, (DEFINED,)),))]

    def award(self, score: SurveyScore, leaf_max: Decimal, tier: int | None, value: Any) -> Decimal:
        return leaf_max * Decimal(value) / 100

    def award_source(self, score: SurveyScore, leaf_max: str, const: Callable[[Any], str]) -> str:
        return f"{leaf_max} * D(n) / 100"

    def thresholds(self, score: SurveyScore, tier: int | None) -> dict[str, str]:
        return {"scale": "max × value / 100"}

    def threshold_lines(self, score: SurveyScore, reached: str | None, lang: str,
                        num: Callable[[Decimal], str], lab: Callable[[str], str]) -> list[str]:
        return [f"{lab('scale')}: {lab('scale_value')}"]

    def reason_context(self, score: SurveyScore, ctx: dict[str, str], tier: int | None, lang: str) -> None:
        pass   # a survey reason reads only the value, the points and the maximum

    def targets(self, score: SurveyScore, planner: Any, code: str) -> list[tuple[Any, str]]:
        return []   # the survey is what people answer: nothing a province reports can move it
