"""The fast engine: the compiled productions turned once into plain Python functions.

`compile_rules` gives every rule a handful of mutually exclusive productions (one per
tier, one for not-applicable, one for a value that cannot be computed) and every
derived fact one derive production. The reference matcher re-scans all of them until
nothing new fires; durable_rules runs them in a Rete network. Here each rule's
productions become one function, generated once per methodology from the productions'
tests, that decides which of its productions fires with a few direct comparisons, and
fires exactly that production: the same production id, the same trace step, the same
points (through `evaluation.award`, Decimal-exact, cut down to 0.01), the same derived
values (`_derive_fn` is `evaluation.derive_value` with its choices made once; the parity
tests catch any drift between the two). Nothing is matched against text at run time: each test is
a Python comparison of the fact's Decimal (or int) with the threshold Decimal, which
is what the reference matcher computes and what durable's exact rank codes encode.

Semantics mirrored from the reference matcher (`evaluation._matches`):
- a fact not reported matches no pattern; a fact reported as unknown (None) matches
  only `undefined`;
- a numeric test on a yes/no or a date fails; a yes/no test compares the canonical text;
- derive productions fire when all their inputs are present, before any rule reads the
  derived value (in production order; a derived fact computed from another derived fact
  is handled by repeating the derive pass, as the reference's re-scan does).

`tests/test_engine_parity.py` checks byte-identical scorecards against both other
engines. `run(session, only=...)` evaluates only some items and `decide` gives one rule's
outcome without a trace (the projection re-scores survey items thousands of times and
nothing else changes between samples).
"""
from __future__ import annotations

from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any, Callable, Iterable

from .compiler import CompiledRules, Production, Test
from .evaluation import RATIO_PLACES, Session, Step, Verdict, award, baseline_values, canonical, parse_canonical
from .loading import FactValue, Facts, Methodology
from .kinds import for_score

_PY_OPS = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<", "eq": "==", "ne": "!="}
ZERO = Decimal(0)


def number(value: Any) -> Decimal | int | None:
    """A typed fact value as the number numeric tests compare, or None (yes/no, date, unknown)."""
    if value is None or isinstance(value, (bool, date)):
        return None
    if isinstance(value, (int, Decimal)):
        return value
    try:  # canonical text (a value set on the session by hand)
        d = Decimal(str(value))
    except ArithmeticError:
        return None
    return d if d.is_finite() else None


_NUMERIC_TYPES = (int, Decimal)


def canonical_values(values: dict[str, FactValue]) -> dict[str, str | None]:
    """`evaluation.canonical` of every value, dispatched on the exact type (the same texts)."""
    out: dict[str, str | None] = {}
    for n, v in values.items():
        t = type(v)
        if t is Decimal:
            text = format(v.normalize(), "f")  # type: ignore[union-attr]
            out[n] = "0" if text in ("-0", "0") else text
        elif t is int:
            out[n] = str(v)
        else:
            out[n] = canonical(v)
    return out


def _derive_fn(m: Methodology, name: str) -> Callable[[list[Any]], Decimal | None]:
    """`evaluation.derive_value` for one derived fact, its choices made once (same arithmetic)."""
    spec = m.derived[name]
    if spec.ratio:
        rounding = {"higher": ROUND_FLOOR, "lower": ROUND_CEILING}.get(spec.better, ROUND_HALF_UP)

        def ratio(vals: list[Any]) -> Decimal | None:
            num, den = vals
            if num is None or den is None:
                return None
            num, den = Decimal(num), Decimal(den)
            if den == 0:
                return None
            return (num / den * 100).quantize(RATIO_PLACES, rounding=rounding)
        return ratio
    if spec.sum:
        def total(vals: list[Any]) -> Decimal | None:
            if any(v is None for v in vals):
                return None
            return sum((Decimal(v) for v in vals), Decimal(0))
        return total

    def difference(vals: list[Any]) -> Decimal | None:
        a, b = vals
        if a is None or b is None:
            return None
        return Decimal(a) - Decimal(b)
    return difference


def _new(cls: type) -> Any:
    """An empty instance of a frozen dataclass, filled through its __dict__ by the caller.

    Step and Verdict are frozen dataclasses; their generated __init__ sets each field
    through object.__setattr__, which was a fifth of this engine's time. The instances
    are the same (same fields, equal to ones built by __init__; checked in the tests).
    """
    return object.__new__(cls)


def _derive_step(prod: Production, names: tuple[str, ...],
                 derive: Callable[[list[Any]], Decimal | None]) -> Callable[[dict[str, Any], dict[str, Any]], Step | None]:
    """A derive production: when all its inputs are present, assert the value and return its step."""
    pid, source = prod.id, prod.source

    def fire(values: dict[str, Any], nums: dict[str, Any]) -> Step | None:
        for n in names:
            if n not in values:
                return None
        out = derive([nums.get(n) for n in names])
        if out is None:
            text = None
        else:
            text = format(out.normalize(), "f")
            if text == "-0":
                text = "0"
        values[source] = text
        nums[source] = out
        step = _new(Step)
        step.__dict__.update(production=pid, kind="derive", source=source, inputs={n: values[n] for n in names},
                             output=text)
        return step
    return fire


def _inputs_of(prod: Production) -> tuple[str, ...]:
    """The trace's input names, in the order (and with the deduplication) of the reference's dict."""
    return tuple(dict.fromkeys(p.fact for p in prod.patterns))


class FastBackend:
    """One closure per rule, built once per methodology; `run` fires what the reference would."""

    def __init__(self, compiled: CompiledRules):
        self.compiled = compiled
        m = compiled.methodology
        self._derives = [(p, _inputs_of(p), _derive_step(p, _inputs_of(p), _derive_fn(m, p.source)))
                         for p in compiled.productions if p.kind == "derive"]
        by_item: dict[str, list[Production]] = {}
        for p in compiled.productions:
            if p.item is not None:
                by_item.setdefault(p.item, []).append(p)
        self._items: list[tuple[str, Callable[..., Any]]] = [
            (code, self._item_closure(code, by_item.get(code, []))) for code in m.rules]
        self._by_code = dict(self._items)
        self._codes = tuple(self._by_code)
        self._chained = any(i in m.derived for _, ins, _ in self._derives for i in ins)

    # ------------------------------------------------------------ building

    def _item_closure(self, code: str, prods: list[Production]) -> Callable[..., Any]:
        """The rule's decision as one generated Python function (no call per test).

        The source is built from the productions' own tests, in their order: the
        not-applicable test and its negation (the guard every other production carries),
        then `undefined`, then each outcome's tests; the first that holds fires, as the
        outcomes are mutually exclusive by construction (each kind's `outcomes`)."""
        m = self.compiled.methodology
        rule = m.rules[code]
        leaf_max = m.leaves[code].max
        score_fact = rule.score.fact
        na = next((p for p in prods if p.kind == "not_applicable"), None)
        undef = next(p for p in prods if p.kind == "undefined")
        outcomes = [p for p in prods if p.kind == "score"]
        kind = for_score(rule.score)
        fixed_points = kind.fixed_points   # points do not depend on the value
        on_fire = kind.decides_on_fire     # the outcome is decided from several values as it fires
        # a situation that did not arise keeps the maximum (full points) unless the rule says otherwise
        na_points = leaf_max if m.when_not_arising_of(rule) == "full_points" else ZERO
        ns: dict[str, Any] = {"award": award, "RULE": rule, "MAX": leaf_max, "KIND": kind, "typed": parse_canonical,
                              "M": m, "ZERO": ZERO}

        def const(value: Any) -> str:
            name = f"k{len(ns)}"
            ns[name] = value
            return name

        def expr(tests: tuple[Test, ...]) -> str:
            parts = []
            for t in tests:
                if t.op == "defined":
                    parts.append("t is not None")
                elif t.op == "undefined":
                    parts.append("t is None")
                elif isinstance(t.value, str):
                    parts.append(f"t == {t.value!r}" if t.op == "eq" else f"(t is not None and t != {t.value!r})")
                else:
                    parts.append(f"(n is not None and n {_PY_OPS[t.op]} {const(t.value)})")
            return " and ".join(parts) or "True"

        lines = ["def decide(values, nums):"]
        if na is not None:
            guard_fact = na.patterns[0].fact
            lines += [f"    if {guard_fact!r} not in values: return None",
                      f"    t = values[{guard_fact!r}]; n = nums.get({guard_fact!r})",
                      f"    if {expr(na.patterns[0].tests)}: return {const((na, _inputs_of(na), na_points, canonical(na_points), na.tier))}",
                      f"    if not ({expr(undef.patterns[0].tests)}): return None"]
        lines += [f"    if {score_fact!r} not in values: return None",
                  f"    t = values[{score_fact!r}]",
                  f"    if t is None: return {const((undef, _inputs_of(undef), ZERO, '0', undef.tier))}",
                  f"    n = nums.get({score_fact!r})"]
        for p in outcomes:
            if on_fire:
                # every joined value must be known (e.g. last year's amount); the kind decides the
                # outcome from the typed values, exactly as evaluation.Session.fire does
                joined = list(dict.fromkeys(q.fact for q in p.patterns if q.fact != score_fact))
                lines += [f"    if values.get({n!r}) is None: return None" for n in joined]
                lines += [f"    v = {{n: typed(values[n], M, n) for n in {const(_inputs_of(p))}}}",
                          f"    tier = KIND.fire_tier(RULE.score, {p.tier!r}, v)",
                          f"    return ({const(p)}, {const(_inputs_of(p))}, award(RULE, MAX, tier, v[{score_fact!r}]), None, tier)"]
                continue
            if fixed_points:
                pts = award(rule, leaf_max, p.tier, None)
                result = const((p, _inputs_of(p), pts, canonical(pts), p.tier))
            else:
                result = f"({const(p)}, {const(_inputs_of(p))}, award(RULE, MAX, {p.tier!r}, n), None, {p.tier!r})"
            lines.append(f"    if {expr(p.patterns[-1].tests)}: return {result}")
        lines.append("    return None")
        exec(compile("\n".join(lines), f"<parscore rule {rule.id}>", "exec"), ns)  # our own source, from data
        return ns["decide"]  # type: ignore[no-any-return]

    # ------------------------------------------------------------ running

    def run(self, session: Session, only: Iterable[str] | None = None) -> None:
        """Fire, for each rule (or each of `only`), the one production the reference would fire."""
        values = session.values
        typed = session.typed
        if typed is None:
            nums: dict[str, Any] = {n: number(v) for n, v in values.items()}
        else:
            nums = {n: v for n, v in typed.items() if type(v) in _NUMERIC_TYPES}
        pending = self._derives
        while pending:
            later = []
            for entry in pending:
                step = entry[2](values, nums)
                if step is not None:
                    session.trace.append(step)
                else:
                    later.append(entry)
            if not self._chained or len(later) == len(pending):
                break
            pending = later
        trace, verdicts = session.trace, session.verdicts
        for code in (self._codes if only is None else only):
            fired = self._by_code[code](values, nums)
            if fired is None:
                continue
            prod, names, pts, out, tier = fired
            if out is None:
                out = canonical(pts)
            step = _new(Step)
            step.__dict__.update(production=prod.id, kind=prod.kind, source=prod.source,
                                 inputs={n: values[n] for n in names}, output=out)
            trace.append(step)
            verdict = _new(Verdict)
            verdict.__dict__.update(item=code, kind=prod.kind, tier=tier, points=pts, step=step)
            verdicts[code] = verdict

    def decide(self, code: str, values: dict[str, Any], nums: dict[str, Any]) -> tuple[Any, ...] | None:
        """One rule's outcome without a trace: (production, trace input names, points, points text or None, tier)."""
        return self._by_code[code](values, nums)


def evaluate(engine: Any, facts: Facts, only: Iterable[str] | None = None) -> Session:
    """A session on the fast backend, its canonical values computed by type dispatch."""
    values = canonical_values(facts.values)
    if facts.baseline is not None:   # last year's values, as `fact@baseline`
        values.update(baseline_values(engine.methodology, facts.baseline, engine.compiled.consumed))
    session = Session(engine.compiled, values, typed=facts.values)
    engine.backend.run(session, only)
    return session
