"""`tiers`: points by bands of a number, best first, ending with `{otherwise: P}`."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable, Literal

from pydantic import Field, model_validator

from ..schema import Num, _Input
from .base import DEFINED, CheckContext, Kind, Op, Outcome, Pattern, Spec, Test, fmt, plain


class Tier(_Input):
    at_least: Num | None = None
    at_most: Num | None = None
    otherwise: Num | None = None
    points: Num | None = None

    @model_validator(mode="after")
    def _shape(self) -> "Tier":
        bounds = [k for k in ("at_least", "at_most") if getattr(self, k) is not None]
        if self.otherwise is not None:
            if bounds or self.points is not None:
                raise ValueError("an 'otherwise' tier takes no bound and no 'points'")
        elif len(bounds) != 1 or self.points is None:
            raise ValueError("a tier needs one bound (at_least or at_most) and 'points'")
        return self

    @property
    def bound(self) -> Decimal | None:
        return self.at_least if self.at_least is not None else self.at_most

    @property
    def award(self) -> Decimal:
        return self.otherwise if self.otherwise is not None else self.points  # type: ignore[return-value]


class TiersScore(Spec):
    kind: Literal["tiers"]
    fact: str
    tiers: list[Tier] = Field(min_length=2)


class Tiers(Kind):
    spec = TiersScore
    fixed_points = True

    def check(self, score: TiersScore, ctx: CheckContext) -> None:
        ctx.require_number(score.kind, score.fact)
        add, better, leaf_max = ctx.add, ctx.better, ctx.leaf_max
        tiers = score.tiers
        if tiers[-1].otherwise is None:
            add(("score", "tiers", len(tiers) - 1), "the last tier must be {otherwise: P}", "PS060")
        for i, t in enumerate(tiers[:-1]):
            if t.otherwise is not None:
                add(("score", "tiers", i), "only the last tier may be 'otherwise'", "PS060")
                return
        bounded = tiers[:-1]
        key = "at_least" if better != "lower" else "at_most"
        for i, t in enumerate(bounded):
            if getattr(t, key) is None:
                add(("score", "tiers", i), f"'{score.fact}' is better {better}: tiers use {key}", "PS061")
                return
        awards = [t.award for t in tiers]
        for i, a in enumerate(awards):
            if a > leaf_max:
                add(("score", "tiers", i), f"tier gives {fmt(a)} points, more than the item's max {fmt(leaf_max)}", "PS062")
            if a < 0:
                add(("score", "tiers", i), "tier points cannot be negative", "PS062")
        if awards[0] < leaf_max:
            add(("score", "tiers", 0), f"the best tier gives {fmt(awards[0])}, expected the item's max {fmt(leaf_max)}", "PS063")
        bounds = [t.bound for t in bounded]
        for i in range(1, len(bounded)):
            prev, cur = bounds[i - 1], bounds[i]
            ok = cur < prev if key == "at_least" else cur > prev  # type: ignore[operator]
            if not ok:
                add(("score", "tiers", i), f"tier bounds overlap or are out of order: {key} {fmt(cur)} after {fmt(prev)}", "PS064")  # type: ignore[arg-type]
        for i in range(1, len(awards)):
            if awards[i] >= awards[i - 1]:
                add(("score", "tiers", i), f"tier points must fall from best to worst: {fmt(awards[i])} after {fmt(awards[i - 1])}", "PS065")

    def outcomes(self, score: TiersScore, m: Any) -> list[Outcome]:
        lower_is_better = m.kind_of(score.fact).better == "lower"
        reach: Op
        miss: Op
        reach, miss = ("le", "gt") if lower_is_better else ("ge", "lt")
        out: list[Outcome] = []
        bounds = [t.bound for t in score.tiers[:-1]]
        for i, bound in enumerate(bounds):
            tests = [Test(reach, bound)]
            if i > 0:
                tests.append(Test(miss, bounds[i - 1]))
            out.append((f"tier-{i + 1}", i, (Pattern(score.fact, (DEFINED, *tests)),)))
        last = len(bounds)
        out.append((f"tier-{last + 1}", last, (Pattern(score.fact, (DEFINED, Test(miss, bounds[-1]))),)))
        return out

    def award(self, score: TiersScore, leaf_max: Decimal, tier: int | None, value: Any) -> Decimal:
        return score.tiers[tier].award  # type: ignore[index]

    def thresholds(self, score: TiersScore, tier: int | None) -> dict[str, str]:
        key = "at_least" if score.tiers[0].at_least is not None else "at_most"
        out = {"rule": f"{key} {plain(score.tiers[0].bound)} → {plain(score.tiers[0].award)}"}
        for i, t in enumerate(score.tiers):
            label = f"{key} {plain(t.bound)}" if t.bound is not None else "otherwise"
            out[f"tier_{i + 1}"] = f"{label} → {plain(t.award)}"
        if tier is not None:
            out["reached"] = f"tier_{tier + 1}"
        return out

    def threshold_lines(self, score: TiersScore, reached: str | None, lang: str,
                        num: Callable[[Decimal], str], lab: Callable[[str], str]) -> list[str]:
        out = []
        for i, tier in enumerate(score.tiers):
            key = "at_least" if tier.at_least is not None else "at_most" if tier.at_most is not None else "otherwise"
            bound = lab(key).format(b=num(tier.bound)) if tier.bound is not None else lab("otherwise")
            mark = f" ← {lab('reached')}" if reached == f"tier_{i + 1}" else ""
            out.append(f"{lab('tier').format(n=i + 1)}: {bound} → {lab('points').format(p=num(tier.award))}{mark}")
        return out

    def reason_context(self, score: TiersScore, ctx: dict[str, str], tier: int | None, lang: str) -> None:
        from ..explanation import fmt_number

        ctx["full"] = fmt_number(score.tiers[0].bound, lang)  # type: ignore[arg-type]
        if tier:
            better = score.tiers[tier - 1]
            ctx["next"] = fmt_number(better.bound, lang)  # type: ignore[arg-type]
            ctx["next_points"] = fmt_number(better.award, lang)

    def targets(self, score: TiersScore, planner: Any, code: str) -> list[tuple[Any, str]]:
        tiers = score.tiers
        current = next((i for i, t in enumerate(tiers) if t.award == planner.base_points[code]), len(tiers) - 1)
        return [(tiers[i].bound, "full" if i == 0 else f"tier-{i + 1}") for i in range(current)]

    def tiers(self, score: TiersScore) -> tuple[int | None, ...]:
        return tuple(range(len(score.tiers)))
