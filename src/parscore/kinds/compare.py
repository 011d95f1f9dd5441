"""`increase`, `decrease`, `at_least_baseline`: full points when an amount compares as
required with a reference amount (another fact, or the same fact last year), else 0."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable, Literal

from pydantic import model_validator

from .base import DEFINED, CheckContext, Kind, Outcome, Pattern, Spec

BASELINE = "baseline"
BASELINE_SUFFIX = "@baseline"   # the session name of a fact's value in the baseline (last year's) file

_OP = {"increase": ">", "decrease": "<", "at_least_baseline": ">="}


class CompareScore(Spec):
    """Full points when a value compares as required with a reference amount, else 0.

    The reference is another fact of the same year (`than`), or the same fact in the
    baseline facts file (`than` left out). Amounts are compared exactly (Decimal), never
    through a rounded ratio: 1,000,000 against 1,000,001 is a decrease.
    `increase`: value > reference; `decrease`: value < reference;
    `at_least_baseline`: value >= its baseline value.
    """

    kind: Literal["increase", "decrease", "at_least_baseline"]
    fact: str
    than: str | None = None

    @model_validator(mode="after")
    def _reference(self) -> "CompareScore":
        if self.kind == "at_least_baseline" and self.than is not None:
            raise ValueError("'at_least_baseline' compares with last year's value of the same fact; leave out 'than'")
        return self

    @property
    def reference(self) -> str:
        """The session name of the value compared with."""
        return self.than if self.than is not None else self.fact + BASELINE_SUFFIX


def compare_holds(score: CompareScore, value: Any, reference: Any) -> bool:
    """The comparison of two amounts, exact (Decimal): no ratio, no rounding."""
    v, r = Decimal(value), Decimal(reference)
    return v > r if score.kind == "increase" else v < r if score.kind == "decrease" else v >= r


class Compare(Kind):
    spec = CompareScore
    fixed_points = False
    decides_on_fire = True
    template_keys = frozenset({"baseline", "change"})

    def check(self, score: CompareScore, ctx: CheckContext) -> None:
        add = ctx.add
        kind = ctx.type_of(score.fact)
        if kind in ("boolean", "date"):
            add(("score", "fact"), f"kind '{score.kind}' compares amounts; '{score.fact}' is {kind}", "PS303")
            return
        if score.than is not None:
            if score.than not in ctx.known:
                add(("score", "than"), f"compares with undeclared fact '{score.than}'{ctx.hint(score.than, ctx.known)}", "PS052")
                return
            tkind = ctx.type_of(score.than)
            if tkind in ("boolean", "date"):
                add(("score", "than"), f"kind '{score.kind}' compares amounts; '{score.than}' is {tkind}", "PS303")
        better = ctx.better
        wrong = "lower" if score.kind in ("increase", "at_least_baseline") else "higher"
        if better == wrong:
            add(("score", "kind"), f"'{score.fact}' is better {better}, so kind '{score.kind}' would reward the worse "
                f"direction; use {'decrease' if wrong == 'lower' else 'increase'}", "PS303")

    def outcomes(self, score: CompareScore, m: Any) -> list[Outcome]:
        # Two amounts compared exactly: the production joins the value and its reference
        # (another fact, or last year's value); `fire_tier` compares them in Decimal. A
        # reference that is not known leaves the item missing data.
        return [("compare", None, (Pattern(score.fact, (DEFINED,)), Pattern(score.reference, (DEFINED,))))]

    def fire_tier(self, score: CompareScore, tier: int | None, values: dict[str, Any]) -> int | None:
        return 0 if compare_holds(score, values[score.fact], values[score.reference]) else 1

    def award(self, score: CompareScore, leaf_max: Decimal, tier: int | None, value: Any) -> Decimal:
        return leaf_max if tier == 0 else Decimal(0)

    def thresholds(self, score: CompareScore, tier: int | None) -> dict[str, str]:
        ref = score.than if score.than is not None else f"{score.fact} (baseline)"
        return {"compare": f"{score.fact} {_OP[score.kind]} {ref}"}

    def threshold_lines(self, score: CompareScore, reached: str | None, lang: str,
                        num: Callable[[Decimal], str], lab: Callable[[str], str]) -> list[str]:
        from ..i18n import text

        words = text("explanation", lang)
        ref = score.than if score.than is not None else f"{score.fact} ({words['baseline']})"
        return [f"{words['compare']}: {score.fact} {_OP[score.kind]} {ref}"]

    def reason_context(self, score: CompareScore, ctx: dict[str, str], tier: int | None, lang: str) -> None:
        pass   # its values (last year's amount, the change) depend on the session: reason_values

    def reason_values(self, score: CompareScore, m: Any, values: dict[str, str | None], lang: str) -> dict[str, str]:
        from ..explanation import change_text, display

        ref = values.get(score.reference)
        return {"baseline": display(m, score.reference.removesuffix(BASELINE_SUFFIX), ref, lang),
                "change": change_text(values.get(score.fact), ref, lang)}

    def targets(self, score: CompareScore, planner: Any, code: str) -> list[tuple[Any, str]]:
        """The smallest amount that compares as required with the reference."""
        from ..evaluation import known_value

        m, facts = planner.m, planner.facts
        if score.than is not None:
            ref = known_value(m, facts.values, score.than)
        else:
            ref = known_value(m, facts.baseline.values, score.fact) if facts.baseline else None
        if not isinstance(ref, (int, Decimal)) or isinstance(ref, bool):   # an amount: yes/no and dates have no step
            return []
        step = Decimal(1) if score.fact in m.facts and m.facts[score.fact].type == "count" else Decimal("0.01")
        bound = Decimal(ref) + step if score.kind == "increase" else Decimal(ref) - step if score.kind == "decrease" else Decimal(ref)
        return [(bound, "full")]

    def extra_reads(self, score: CompareScore) -> list[str]:
        return [score.than] if score.than is not None else []

    def baseline_reads(self, score: CompareScore) -> list[str]:
        return [score.fact] if score.than is None else []
