"""Rule compilation: YAML rules → flat production rules (patterns over facts → action).

Each scoring rule becomes one production per outcome (one per tier, one for
not-applicable, one for a value that cannot be computed), and each derived fact one
production that asserts it. The patterns are plain data, so the same compiled rules
run on durable_rules (the engine) and on a naive Python matcher (the benchmark's
baseline and a cross-check in the tests).
"""
from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from .loading import Methodology
from .kinds import for_score
from .kinds.base import NEGATE, Op, Pattern, Test  # noqa: F401  (re-exported: the compiled vocabulary)
from .models import Condition


@dataclass(frozen=True)
class Production:
    id: str                                  # e.g. "inspection-coverage#tier-2"
    kind: Literal["derive", "score", "not_applicable", "undefined"]
    source: str                              # YAML rule id, or the derived fact's name
    item: str | None
    patterns: tuple[Pattern, ...]
    tier: int | None = None                  # tiers: index; boolean: 0 = expected, 1 = not


@dataclass(frozen=True)
class CompiledRules:
    methodology: Methodology
    productions: tuple[Production, ...]
    consumed: frozenset[str]                 # facts (reported or derived) some production reads
    thresholds: dict[str, tuple[Decimal, ...]]  # per fact, the sorted distinct numbers it is compared with
    # tables built once from the productions by the evaluation (e.g. each production's action,
    # evaluation.actions_of); never part of the compiled rules' identity
    cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def rank(self, name: str, value: str) -> int:
        """An order-preserving integer code of a numeric value among its fact's thresholds.

        For thresholds t0 < t1 < ... a value equal to t_j codes as 2j+1, a value between
        t_{j-1} and t_j as 2j. Comparing codes is comparing the Decimals themselves, for any
        number of digits and any magnitude, so an engine that compares machine numbers
        (durable_rules compares doubles) agrees exactly with the Decimal reference matcher.
        """
        return rank_code(self.thresholds.get(name, ()), Decimal(value))


def rank_code(ts: tuple[Decimal, ...], v: Decimal) -> int:
    """`CompiledRules.rank` of a number among a fact's sorted thresholds `ts`."""
    i = bisect_left(ts, v)
    return 2 * i + 1 if i < len(ts) and ts[i] == v else 2 * i


def compile_rules(m: Methodology) -> CompiledRules:
    prods: list[Production] = []
    for name, spec in m.derived.items():
        prods.append(Production(f"derive:{name}", "derive", name, None,
                                tuple(Pattern(p) for p in spec.inputs)))
    for code, rule in m.rules.items():
        score = rule.score
        guard: tuple[Pattern, ...] = ()
        na = rule.not_applicable_when
        if na is not None:
            test = _condition_test(na, m)
            prods.append(Production(f"{rule.id}#not-applicable", "not_applicable", rule.id, code,
                                    (Pattern(na.fact, (test,)),)))
            guard = (Pattern(na.fact, (Test(NEGATE[test.op], test.value),)),)
        prods.append(Production(f"{rule.id}#undefined", "undefined", rule.id, code,
                                guard + (Pattern(score.fact, (Test("undefined"),)),)))
        for suffix, tier, patterns in for_score(score).outcomes(score, m):
            prods.append(Production(f"{rule.id}#{suffix}", "score", rule.id, code, guard + patterns, tier))
    consumed = frozenset(p.fact for prod in prods for p in prod.patterns)
    bounds: dict[str, set[Decimal]] = {}
    for prod in prods:
        for p in prod.patterns:
            for t in p.tests:
                if isinstance(t.value, Decimal):
                    bounds.setdefault(p.fact, set()).add(t.value)
    return CompiledRules(m, tuple(prods), consumed, {n: tuple(sorted(v)) for n, v in sorted(bounds.items())})


def _condition_test(c: Condition, m: Methodology) -> Test:
    if c.at_most is not None:
        return Test("le", c.at_most)
    if c.at_least is not None:
        return Test("ge", c.at_least)
    spec = m.facts.get(c.fact)
    if spec is not None and spec.type == "boolean":
        return Test("eq", "true" if bool(c.equals) else "false")
    return Test("eq", Decimal(str(c.equals)))
