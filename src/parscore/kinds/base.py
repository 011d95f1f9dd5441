"""What a scoring kind is made of, and the vocabulary of compiled outcomes.

A kind is one module of `parscore.kinds` holding a `Kind` subclass: its spec (the
pydantic model of `score:` in a rule, with `kind: Literal[...]`), its load-time checks,
its compiled outcomes, its award, its explanation values and its planner inverse.
Every abstract method below is a required part: `kinds.register` refuses a kind that
lacks one, when the module registering it is imported.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Literal

from ..schema import _Input

if TYPE_CHECKING:   # only for annotations: models imports the kinds
    from ..models import FactValue, Methodology

Op = Literal["ge", "gt", "le", "lt", "eq", "ne", "defined", "undefined"]
NEGATE: dict[str, Op] = {"ge": "lt", "gt": "le", "le": "gt", "lt": "ge", "eq": "ne", "ne": "eq"}


@dataclass(frozen=True)
class Test:
    op: Op
    value: Decimal | str | None = None


@dataclass(frozen=True)
class Pattern:
    fact: str
    tests: tuple[Test, ...] = ()


DEFINED = Test("defined")

# One compiled outcome: the production id's suffix (`rule-id#suffix`), its tier (or
# None), and the patterns it needs besides the not-applicable guard.
Outcome = tuple[str, "int | None", tuple[Pattern, ...]]


class Spec(_Input):
    """The base of a kind's spec model: `kind: Literal[...]` and `fact: str` at least."""

    kind: str
    fact: str


@dataclass
class CheckContext:
    """What a kind's load-time checks see of the rule being loaded.

    `add(path, message, code)` records a located problem; `path` is relative to the
    rule (e.g. `("score", "tiers", 2)`), so the message names the YAML line."""

    m: Methodology
    leaf_max: Decimal
    fact_type: str            # the scored fact's type; "percent_or_number" for a derived fact
    better: str               # the scored fact's `better`
    known: set[str]           # every declared fact and derived fact
    add: Callable[[tuple[str | int, ...], str, str], None]
    hint: Callable[[str, Any], str]   # " (did you mean 'x'?)" or ""

    def type_of(self, name: str) -> str:
        """A fact's type; "number" for a derived one."""
        return self.m.facts[name].type if name in self.m.facts else "number"

    def require_number(self, kind: str, fact: str) -> None:
        """PS055 unless the scored fact is a number (count, number, percent or derived)."""
        if self.fact_type in ("boolean", "date"):
            self.add(("score", "fact"), f"kind '{kind}' needs a number; '{fact}' is {self.fact_type}", "PS055")


def fmt(d: Decimal) -> str:
    """A number as YAML would write it, for load-time messages: 0.50 → 0.5."""
    return format(d.normalize(), "f")


def plain(d: Decimal | None) -> str:
    """A number in the JSON contract's threshold strings (empty for None)."""
    return "" if d is None else format(d.normalize(), "f")


class Kind(ABC):
    """One scoring kind. Subclasses set `spec` and implement every abstract method.

    `score` arguments are instances of `spec`. The optional hooks below the abstract
    methods have defaults that fit a kind scoring one fact's value."""

    spec: ClassVar[type[Spec]]
    # True when the outcome's points do not depend on the value (one fixed award per tier):
    # the fast path then computes them once per methodology.
    fixed_points: ClassVar[bool] = False
    # True when the outcome is decided as the production fires, from several values
    # (`fire_tier`), not by the production's own tests.
    decides_on_fire: ClassVar[bool] = False
    # True for the kind that scores survey items (assessed_by: survey).
    survey: ClassVar[bool] = False
    # Placeholders the rule's explain template may use beyond the common ones (loading.TEMPLATE_KEYS).
    template_keys: ClassVar[frozenset[str]] = frozenset()

    @property
    def names(self) -> tuple[str, ...]:
        """The YAML `kind:` values this kind answers to (from the spec's Literal)."""
        return tuple(self.spec.model_fields["kind"].annotation.__args__)  # type: ignore[union-attr]

    # ------------------------------------------------------------ required parts

    @abstractmethod
    def check(self, score: Any, ctx: CheckContext) -> None:
        """Load-time checks of one rule's `score:` against its fact and item (`ctx.add` problems)."""

    @abstractmethod
    def outcomes(self, score: Any, m: Methodology) -> list[Outcome]:
        """The compiled outcomes: mutually exclusive, together covering every defined value."""

    @abstractmethod
    def award(self, score: Any, leaf_max: Decimal, tier: int | None, value: FactValue | None) -> Decimal:
        """Points for an outcome, before evaluation clamps them to [0, max] and cuts to 0.01."""

    @abstractmethod
    def thresholds(self, score: Any, tier: int | None) -> dict[str, str]:
        """The JSON contract's `thresholds` of a deduction (plain strings)."""

    @abstractmethod
    def threshold_lines(self, score: Any, reached: str | None, lang: str,
                        num: Callable[[Decimal], str], lab: Callable[[str], str]) -> list[str]:
        """The thresholds as `parscore explain` shows them in Vietnamese (English shows `thresholds`).
        `num` formats a number, `lab(key)` is the catalogue's `threshold` label."""

    @abstractmethod
    def reason_context(self, score: Any, ctx: dict[str, str], tier: int | None, lang: str) -> None:
        """Fill the static placeholders of the explain template (`full`, `next`, `each`...) in `ctx`."""

    @abstractmethod
    def targets(self, score: Any, planner: Any, code: str) -> list[tuple[Any, str]]:
        """The planner's inverse: (value of the scored fact, what it reaches: "full" or "tier-N")
        for every better outcome than the current one. `planner` gives `m`, `facts` and
        `base_points` (the item's current points by code)."""

    # ------------------------------------------------------------ optional hooks

    def fire_tier(self, score: Any, tier: int | None, values: dict[str, Any]) -> int | None:
        """The outcome when the production fires; `values` are the typed inputs (decides_on_fire kinds)."""
        return tier

    def extra_reads(self, score: Any) -> list[str]:
        """Facts the rule reads besides the scored one (shown in the card, joined by the outcome)."""
        return []

    def baseline_reads(self, score: Any) -> list[str]:
        """Facts whose baseline (last year's) value the outcome compares with."""
        return []

    def reason_values(self, score: Any, m: Methodology, values: dict[str, str | None], lang: str) -> dict[str, str]:
        """Placeholders of the explain template that depend on the session's values."""
        return {}

    def award_source(self, score: Any, leaf_max: str, const: Callable[[Any], str]) -> str | None:
        """`award` as one Python expression on `n` (the scored fact's number), for the fast
        path's generated code, or None to call `award` itself. The same operations in the same
        order as `award`: the caller clamps to [0, max] and cuts to 0.01 as evaluation does.
        `leaf_max` is the maximum's name in the generated code, `const(x)` names a constant;
        `D` (Decimal), `ZERO` and `ONE` are in scope."""
        return None

    def tiers(self, score: Any) -> tuple[int | None, ...]:
        """Every tier an outcome may carry (the card precomputes their thresholds)."""
        return (0, 1)


REQUIRED_PARTS: tuple[str, ...] = ("spec",) + tuple(sorted(Kind.__abstractmethods__))
