"""The improvement planner: which fact changes gain points, and the smallest set of
changes that reaches a target index.

Candidate changes come from the rules themselves: each tier bound (or full_at, or a
zero count, or the expected yes/no) of an appraisal item that is not yet full is
turned back into the value a reported fact must take. Every candidate is then scored
on the engine, so the gain it promises is exactly what `simulate` shows.

The target search minimises the number of facts changed. Items are independent given
their facts, so the total after a set S of changes is the base total plus, for every
item, its gain under the changes it reads (S ∩ reads). An exact branch and bound over
facts, bounded by the points each fact could still unlock, finds the smallest S (and,
among the smallest, the one gaining most).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from itertools import combinations
from typing import Any

from .evaluation import engine_for
from .loading import FactValue, Facts, Methodology
from .kinds import for_score
from .models import Scorecard
from .scorecard import build_scorecard, index_of, score


@dataclass(frozen=True)
class Improvement:
    item: str
    fact: str
    before: FactValue
    after: FactValue
    gain: Decimal                        # total points gained, all items included
    gains: dict[str, Decimal]            # per item
    reaches: str                         # "full" or the tier reached, e.g. "tier-2"
    lead_unit: str | None
    reason: str                          # why the item loses points now


@dataclass(frozen=True)
class SurveySensitivity:
    item: str
    fact: str
    value: FactValue | None
    points: Decimal
    max: Decimal
    per_percent: Decimal                 # points per 1 percentage point of satisfaction
    lead_unit: str | None


@dataclass(frozen=True)
class Plan:
    before: Scorecard
    improvements: list[Improvement]
    survey: list[SurveySensitivity]
    missing: list[tuple[str, list[str], Decimal]]   # item, facts to supply, points at stake
    target: Decimal | None = None
    chosen: dict[str, FactValue] | None = None      # the smallest set of changes reaching the target
    reachable: bool | None = None
    after: Scorecard | None = None
    best_possible: Decimal | None = None            # the index with every candidate applied
    nodes: int = 0
    proven_optimal: bool = True                     # False only if the search hit its node limit


class Planner:
    """Plans over one agency's facts; all scoring goes through the same engine."""

    def __init__(self, m: Methodology, facts: Facts, lang: str = "vi", units: Any = None):
        self.m, self.facts, self.lang, self.units = m, facts, lang, units
        self.engine = engine_for(m)
        self.base = score(m, facts, lang)
        self.base_points = {it.code: it.points for it in self.base.items}
        self.status = {it.code: it.status for it in self.base.items}
        self.arising = {it.code: _arising(it) for it in self.base.items}
        self._cache: dict[frozenset[tuple[str, Any]], dict[str, tuple[Decimal, bool]]] = {}

    # ------------------------------------------------------------ scoring with changes

    def outcome(self, changes: dict[str, FactValue]) -> dict[str, tuple[Decimal, bool]]:
        key = frozenset(changes.items())
        if key not in self._cache:
            session = self.engine.evaluate(self.facts.with_values(changes))
            card = build_scorecard(self.m, self.facts, session, self.lang)
            self._cache[key] = {it.code: (it.points, _arising(it)) for it in card.items}
        return self._cache[key]

    def _admissible(self, changes: dict[str, FactValue]) -> bool:
        """A real improvement: parts within wholes, no item's applicability flips."""
        values = {**self.facts.values, **changes}
        for name in changes:
            whole = self.m.facts[name].part_of
            if whole and whole in values and values[name] > values[whole]:  # type: ignore[operator]
                return False
            for part, spec in self.m.facts.items():
                if spec.part_of == name and part in values and values[part] > values[name]:  # type: ignore[operator]
                    return False
        # an item whose situation stops arising (no issue found any more) would earn full
        # points: never a change to propose, so is one that makes an item's situation arise
        out = self.outcome(changes)
        return all(out[c][1] == a for c, a in self.arising.items())

    # ------------------------------------------------------------ candidates from the rules

    def candidates(self) -> list[tuple[str, str, FactValue, str]]:
        """(item, fact, new value, tier reached) for every appraisal item not yet full."""
        out: list[tuple[str, str, FactValue, str]] = []
        for code, rule in self.m.rules.items():
            leaf = self.m.leaves[code]
            if leaf.assessed_by == "survey" or self.status[code] not in ("partial", "zero"):
                continue
            s = rule.score
            targets = for_score(s).targets(s, self, code)
            for bound, reaches in targets:
                for fact, value in self._invert(s.fact, bound):
                    out.append((code, fact, value, reaches))
        return out

    def _invert(self, name: str, bound: Any) -> list[tuple[str, FactValue]]:
        """The reported fact value(s) that bring `name` to `bound`."""
        m = self.m
        better = m.kind_of(name).better
        if name in m.facts:
            return [(name, _fit(m, name, bound, better))] if bound is not None else []
        spec = m.derived[name]
        values = self.facts.values
        if any(p not in values for p in spec.inputs):
            return []
        if spec.ratio:
            num, den = spec.ratio
            if num not in m.facts or m.facts[num].better != better or better == "none":
                return []
            need = Decimal(bound) * Decimal(values[den]) / 100  # type: ignore[arg-type]
            return [(num, _fit(m, num, need, better))]
        if spec.difference:
            a, b = spec.difference
            if a in m.facts and m.facts[a].better == better and better != "none":
                return [(a, _fit(m, a, Decimal(values[b]) + Decimal(bound), better))]  # type: ignore[arg-type]
        return []

    # ------------------------------------------------------------ the ranked list

    def improvements(self) -> list[Improvement]:
        seen: dict[tuple[str, str, str], Improvement] = {}
        for code, fact, value, reaches in self.candidates():
            current = self.facts.values.get(fact)
            if current is None or value == current or not _improves(self.m, fact, current, value):
                continue
            if not self._admissible({fact: value}):
                continue
            gains = self._gains({fact: value})
            if gains.get(code, Decimal(0)) <= 0:
                continue
            imp = Improvement(code, fact, current, value, sum(gains.values(), Decimal(0)), gains, reaches,
                              self._lead(code), self._reason(code))
            seen[(code, fact, reaches)] = imp  # each tier step of each item is its own line
        return sorted(seen.values(), key=lambda i: (-i.gain, i.item, i.fact, str(i.after)))

    def _gains(self, changes: dict[str, FactValue]) -> dict[str, Decimal]:
        out = self.outcome(changes)
        return {c: out[c][0] - self.base_points[c] for c in out if out[c][0] != self.base_points[c]}

    def _lead(self, code: str) -> str | None:
        if self.units is None:
            return None
        a = self.units.for_item(code)
        name: str = self.units.name(a.lead if a else None, self.lang)
        return name

    def _reason(self, code: str) -> str:
        it = self.base.item(code)
        return it.deductions[0].reason if it.deductions else ""

    # ------------------------------------------------------------ survey and missing

    def survey(self) -> list[SurveySensitivity]:
        out = []
        for code, rule in self.m.rules.items():
            if not for_score(rule.score).survey:
                continue
            leaf = self.m.leaves[code]
            out.append(SurveySensitivity(code, rule.score.fact, self.facts.values.get(rule.score.fact),
                                         self.base_points[code], leaf.max, leaf.max / 100, self._lead(code)))
        return out

    def missing(self) -> list[tuple[str, list[str], Decimal]]:
        out = []
        for it in self.base.items:
            if it.status == "missing_facts":
                names = [n for n in self.m.reads(self.m.rules[it.code]) if n in self.m.facts and n not in self.facts.values]
                out.append((it.code, names, it.max))
        return out

    # ------------------------------------------------------------ the target search

    def plan(self, target: Decimal | None = None, node_limit: int = 2_000_000) -> Plan:
        imps = self.improvements()
        plan = Plan(self.base, imps, self.survey(), self.missing())
        if target is None:
            return plan
        best_value = self.best_values(imps)
        facts = [f for f in best_value if self._admissible({f: best_value[f]})]
        chosen, nodes, proven = self._search(facts, best_value, target, node_limit)
        best = index_of(self.base.total + self._set_gain(set(facts), best_value), self.base.applicable_max) or Decimal(0)
        if chosen is None:
            return Plan(self.base, imps, plan.survey, plan.missing, target, None, False if proven else None, None, best, nodes, proven)
        changes = {f: best_value[f] for f in sorted(chosen)}
        after = score(self.m, self.facts.with_values(changes), self.lang)
        return Plan(self.base, imps, plan.survey, plan.missing, target, changes, True, after, best, nodes, proven)

    def best_values(self, imps: list[Improvement]) -> dict[str, FactValue]:
        """The most improving value of each fact over all its candidate changes."""
        best: dict[str, FactValue] = {}
        for imp in imps:
            cur = best.get(imp.fact)
            if cur is None or _improves(self.m, imp.fact, cur, imp.after):
                best[imp.fact] = imp.after
        return best

    def _item_facts(self, facts: list[str]) -> dict[str, frozenset[str]]:
        fset = set(facts)
        out = {}
        for code, rule in self.m.rules.items():
            touched = frozenset(n for r in self.m.reads(rule) for n in self.m.inputs_of(r) if n in fset)
            if touched:
                out[code] = touched
        return out

    def _set_gain(self, chosen: set[str], best_value: dict[str, FactValue]) -> Decimal:
        total = Decimal(0)
        for code, touched in self._items.items():
            sub = touched & chosen
            if sub:
                out = self.outcome({f: best_value[f] for f in sorted(sub)})
                total += out[code][0] - self.base_points[code]
        return total

    def _search(self, facts: list[str], best_value: dict[str, FactValue], target: Decimal,
                node_limit: int) -> tuple[set[str] | None, int, bool]:
        self._items = self._item_facts(facts)
        appl = self.base.applicable_max

        def reached(gain: Decimal) -> bool:
            return (index_of(self.base.total + gain, appl) or Decimal(0)) >= target

        if reached(Decimal(0)):
            return set(), 0, True
        lost = {c: self.m.leaves[c].max - self.base_points[c] for c in self._items}
        potential = {f: sum((lost[c] for c, t in self._items.items() if f in t), Decimal(0)) for f in facts}
        order = sorted(facts, key=lambda f: (-potential[f], f))
        pots = [potential[f] for f in order]
        nodes = 0
        for k in range(1, len(order) + 1):
            best: tuple[Decimal, tuple[str, ...]] | None = None

            def dfs(start: int, chosen: list[str], k_left: int) -> None:
                nonlocal best, nodes
                nodes += 1
                if nodes > node_limit:
                    raise _Exhausted
                if k_left == 0:
                    gain = self._set_gain(set(chosen), best_value)
                    if reached(gain) and (best is None or gain > best[0] or
                                          (gain == best[0] and tuple(sorted(chosen)) < best[1])):
                        best = (gain, tuple(sorted(chosen)))
                    return
                secured = self._set_gain(set(chosen), best_value) if chosen else Decimal(0)
                for i in range(start, len(order) - k_left + 1):
                    bound_gain = secured + sum(pots[i:i + k_left], Decimal(0))
                    if not reached(bound_gain) or (best is not None and bound_gain < best[0]):
                        break  # pots are sorted: later starts can only bound lower
                    dfs(i + 1, chosen + [order[i]], k_left - 1)

            try:
                dfs(0, [], k)
            except _Exhausted:
                return (set(best[1]) if best else None), nodes, False
            if best is not None:
                return set(best[1]), nodes, True
            if not reached(self._set_gain(set(order), best_value)):
                return None, nodes, True  # even every change together falls short
        return None, nodes, True


class _Exhausted(Exception):
    pass


def _improves(m: Methodology, fact: str, old: FactValue, new: FactValue) -> bool:
    better = m.facts[fact].better
    if isinstance(old, bool) or isinstance(new, bool):
        return old != new and (new is True) == (better == "higher")
    return new > old if better == "higher" else new < old if better == "lower" else False  # type: ignore[operator]


def _arising(it: Any) -> bool:
    """False when the item's situation did not arise (its rule's not-arising outcome fired)."""
    return not (it.trace and it.trace[-1].kind == "not_applicable")


def _fit(m: Methodology, name: str, bound: Any, better: str) -> FactValue:
    """A bound made into a valid value of the fact's type, on the side that meets it."""
    spec = m.facts[name]
    if spec.type == "boolean":
        return bool(bound)
    d = Decimal(bound)
    if spec.type == "count":
        return int(math.ceil(d)) if better == "higher" else max(0, int(math.floor(d)))
    if spec.type == "percent":
        d = min(Decimal(100), max(Decimal(0), d))
    return d
def brute_force_minimum(planner: Planner, target: Decimal) -> int | None:
    """The smallest number of fact changes reaching `target`, by trying every subset.

    Exponential: for tests on small methodologies only.
    """
    best_value = planner.best_values(planner.improvements())
    facts = sorted(best_value)
    for k in range(0, len(facts) + 1):
        for subset in combinations(facts, k):
            changes = {f: best_value[f] for f in subset}
            card = score(planner.m, planner.facts.with_values(changes), planner.lang)
            if card.index >= target:
                return k
    return None


