"""The fast engine: the compiled productions turned once into plain Python functions.

`compile_rules` gives every rule a handful of mutually exclusive productions (one per
tier, one for not-applicable, one for a value that cannot be computed) and every
derived fact one derive production. The reference matcher re-scans all of them until
nothing new fires; durable_rules runs them in a Rete network. Here all productions become
plain Python, generated once per methodology from the productions' tests (a few functions
run in turn, no call per rule) after one loop over the derive productions in production
order (a table, not generated code: smaller and as fast), then each rule's decision as nested
if/elif on a few direct comparisons, firing exactly the production the others fire: the
same production id, the same trace step, the same points (`evaluation.award`'s Decimal
operations written out by each kind (`Kind.award_source`) with the thresholds as constants, cut down to 0.01
once), the same derived values (`evaluation.derive_function`'s arithmetic with its choices
made once; the parity tests catch any drift between the two). Trace steps and verdicts
are named tuples built with `tuple.__new__`, without a Python-level call per step.
Nothing is matched against text at run time: each test is
a Python comparison of the fact's Decimal (or int) with the threshold Decimal, which
is what the reference matcher computes and what durable's exact rank codes encode.

Semantics mirrored from the reference matcher (`evaluation._matches`):
- a fact not reported matches no pattern; a fact reported as unknown (None) matches
  only `undefined`;
- a numeric test on a yes/no or a date fails; a yes/no test compares the canonical text;
- derive productions fire when all their inputs are present, before any rule reads the
  derived value (in production order; a derived fact computed from another derived fact
  is handled by repeating the derive pass, as the reference's re-scan does, and then
  each rule's own generated function runs instead of the inline ones).

`tests/test_engine_parity.py` checks byte-identical scorecards against both other
engines. `run(session, only=...)` evaluates only some items and `decide` gives one rule's
outcome without a trace (the projection re-scores survey items thousands of times and
nothing else changes between samples).
"""
from __future__ import annotations

from datetime import date
from functools import partial
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any, Callable, Iterable

from .compiler import CompiledRules, Production
from .kinds.base import Test
from .evaluation import CENT, RATIO_PLACES, Session, Step, Verdict, award, baseline_values, canonical, parse_canonical
from .evaluation import canonical_values, derive_function as _derive_fn  # noqa: F401  (canonical_values: re-exported)
from .loading import Facts, Methodology
from .kinds import for_score

_PY_OPS = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<", "eq": "==", "ne": "!="}
_NEGATED = {"ge": "lt", "lt": "ge", "gt": "le", "le": "gt", "eq": "ne", "ne": "eq"}   # for numbers that are not NaN
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


_RULES_PER_PART = 12   # rules per generated function (see FastBackend.__init__)
_tuple_new = tuple.__new__   # Step and Verdict are named tuples: built without their Python-level __new__


_HUNDRED = Decimal(100)


def _derive_entry(m: Methodology, prod: Production, names: tuple[str, ...]) -> tuple[Any, ...]:
    """A derive production as a row of `_derive_all`'s table: (production id, derived fact,
    input names, and either a ratio's two inputs and rounding or the derive function)."""
    spec = m.derived[prod.source]
    if spec.ratio and names == tuple(spec.inputs):
        rounding = {"higher": ROUND_FLOOR, "lower": ROUND_CEILING}.get(spec.better, ROUND_HALF_UP)
        return (prod.id, prod.source, names, names[0], names[1], rounding, None)
    return (prod.id, prod.source, names, None, None, None, _derive_fn(m, prod.source))


def _derive_all(table: tuple[tuple[Any, ...], ...], values: dict[str, Any], nums: dict[str, Any],
                append: Callable[[Step], None]) -> None:
    """A derive pass, in production order: each production whose inputs are all present computes
    its value, sets it on the session and records its step (a ratio's
    arithmetic written out (`derive_function`'s). One loop over a table rather than generated
    code per derive: the same work in a fraction of the code, which stays in the CPU's caches
    (measured faster between other work, as in a batch, and alone)."""
    for pid, source, names, a, b, rounding, compute in table:
        if rounding is not None:   # a ratio of two inputs
            if a not in values or b not in values:
                continue
            x = nums.get(a)
            y = nums.get(b)
            if x is None or y is None:
                out = None
            else:   # Decimal / int is the same Decimal division as Decimal / Decimal
                out = None if y == 0 else (Decimal(x) / y * _HUNDRED).quantize(RATIO_PLACES, rounding)
            inputs = {a: values[a], b: values[b]}
        else:
            ready = True
            for n in names:
                if n not in values:
                    ready = False
                    break
            if not ready:
                continue
            out = compute([nums.get(n) for n in names])
            inputs = {n: values[n] for n in names}
        if out is None:
            text = None
        else:
            text = format(out.normalize(), "f")
            if text == "-0":
                text = "0"
        values[source] = text
        nums[source] = out
        append(_tuple_new(Step, (pid, "derive", source, inputs, text)))


def _inputs_of(prod: Production) -> tuple[str, ...]:
    """The trace's input names, in the order (and with the deduplication) of the reference's dict."""
    return tuple(dict.fromkeys(p.fact for p in prod.patterns))


class _Source:
    """Generated Python source and the constants it names (our own source, from data)."""

    def __init__(self) -> None:
        self.ns: dict[str, Any] = {"award": award, "D": Decimal, "typed": parse_canonical, "ZERO": ZERO, "ONE": Decimal(1),
                                   "CENT": CENT, "FLOOR": ROUND_FLOOR, "HUNDRED": Decimal(100), "RATIO": RATIO_PLACES, "Step": Step,
                                   "Verdict": Verdict, "tn": _tuple_new, "canonical": canonical}
        self._ids: dict[int, str] = {}

    def const(self, value: Any) -> str:
        key = id(value)
        name = self._ids.get(key)
        if name is None or self.ns[name] is not value:
            name = self._ids[key] = f"k{len(self.ns)}"
            self.ns[name] = value
        return name

    def function(self, name: str, lines: list[str], filename: str) -> Callable[..., Any]:
        exec(compile("\n".join(lines), filename, "exec"), self.ns)  # our own source, from data
        return self.ns[name]  # type: ignore[no-any-return]


class FastBackend:
    """All rules' decisions as generated functions run in turn, built once per methodology; `run`
    fires what the reference would. Each rule also gets its own `decide` function (the
    projection re-scores single items)."""

    def __init__(self, compiled: CompiledRules):
        self.compiled = compiled
        m = compiled.methodology
        derives = [(p, _inputs_of(p)) for p in compiled.productions if p.kind == "derive"]
        by_item: dict[str, list[Production]] = {}
        for p in compiled.productions:
            if p.item is not None:
                by_item.setdefault(p.item, []).append(p)
        self._chained = any(i in m.derived for _, ins in derives for i in ins)
        src = _Source()
        self._by_code: dict[str, Callable[..., Any]] = {}
        self._derive_table = tuple(_derive_entry(m, p, names) for p, names in derives)
        bodies: list[list[str]] = []
        for i, code in enumerate(m.rules):
            tree = self._decision(src, code, by_item.get(code, []))
            decide = ["def decide(values, nums):"] + _render(tree, "    ", lambda r: [f"return {r[0]}"]) + ["    return None"]
            self._by_code[code] = src.function("decide", decide, f"<parscore rule {m.rules[code].id}>")
            if i % _RULES_PER_PART == 0:
                bodies.append([])
            bodies[-1] += _render(tree, "    ", partial(_record, src, code))
        self._codes = tuple(self._by_code)
        # Every fact a number is read for (a numeric test, a value-dependent award, a derive's
        # input) is declared a number or derived: then the typed facts serve as the numbers
        # as they are (a yes/no or a date is never read as one), copied instead of filtered.
        numeric = {n for n, spec in m.facts.items() if spec.type in ("count", "percent", "number")} | set(m.derived)
        read_as_number = {q.fact for prod in compiled.productions for q in prod.patterns
                          for t in q.tests if t.op not in ("defined", "undefined") and not isinstance(t.value, str)}
        read_as_number |= {r.score.fact for r in m.rules.values() if not for_score(r.score).fixed_points}
        read_as_number |= {n for _, names in derives for n in names}
        self._typed_numbers = read_as_number <= numeric
        # a few functions run in turn rather than one huge one: compiling one function of
        # thousands of lines held ~10 MB of the process's memory for good (the compiler's peak)
        self._parts = tuple(
            src.function("part", ["def part(values, nums, trace, verdicts):", "    append = trace.append"] + body
                         + ["    return None"], f"<parscore rules {m.id} part {n}>")
            for n, body in enumerate(bodies))

    # ------------------------------------------------------------ building

    def _decision(self, src: _Source, code: str, prods: list[Production]) -> list[Any]:
        """The rule's decision as a tree of (condition, subtree) branches with results at the leaves.

        Built from the productions' own tests, in their order: the not-applicable test and
        its negation (the guard every other production carries), then `undefined`, then each
        outcome's tests; the first that holds fires, as the outcomes are mutually exclusive
        by construction (`Kind.outcomes`). A result is (tuple source for `decide`,
        production, points expression, points text expression, tier, and which local holds
        each input's text)."""
        m = self.compiled.methodology
        rule = m.rules[code]
        leaf_max = m.leaves[code].max
        score_fact = rule.score.fact
        na = next((p for p in prods if p.kind == "not_applicable"), None)
        undef = next(p for p in prods if p.kind == "undefined")
        outcomes = [p for p in prods if p.kind == "score"]
        kind = for_score(rule.score)
        fixed_points = kind.fixed_points   # the points do not depend on the value
        # a situation that did not arise keeps the maximum (full points) unless the rule says otherwise
        na_points = leaf_max if m.when_not_arising_of(rule) == "full_points" else ZERO
        const = src.const
        MAX, RULE = const(leaf_max), const(rule)

        def expr(tests: tuple[Test, ...], t: str = "t", n: str = "n", defined: bool = False) -> str:
            """The tests as one condition on the text `t` and the number `n`; `defined`: `t` is
            known not to be None here (an outcome's branch), so that test is left out."""
            parts = []
            for x in tests:
                if x.op == "defined":
                    if not defined:
                        parts.append(f"{t} is not None")
                elif x.op == "undefined":
                    parts.append(f"{t} is None")
                elif isinstance(x.value, str):
                    parts.append(f"{t} == {x.value!r}" if x.op == "eq" else f"({t} is not None and {t} != {x.value!r})")
                else:
                    parts.append(f"({n} is not None and {n} {_PY_OPS[x.op]} {const(x.value)})")
            return " and ".join(parts) or "True"

        # the facts' texts a leaf shows as trace inputs, held in locals by the branches above it
        # (`g` the not-applicable guard's, `t` the scored fact's)
        guard = na.patterns[0].fact if na is not None else None
        bound = {score_fact: "t"} if guard is None else {guard: "g", score_fact: "t"}

        def fixed(p: Production, pts: Decimal, bound: dict[str, str] = bound) -> tuple[Any, ...]:
            c = const((p, _inputs_of(p), pts, canonical(pts), p.tier))
            return (c, p, const(pts), const(canonical(pts)), repr(p.tier), bound)

        def valued(p: Production) -> tuple[Any, ...]:
            pts = self._award_expr(src, rule, leaf_max, p.tier)
            return (f"({const(p)}, {const(_inputs_of(p))}, {pts}, None, {p.tier!r})", p, pts, None, repr(p.tier), bound)

        tree: list[Any] = []
        if kind.decides_on_fire:
            # the kind decides the outcome from the typed values as the production fires, as
            # evaluation.Session.fire does; every joined value must be known (last year's amount)
            p = outcomes[0]   # the one firing production decides every outcome
            joined = list(dict.fromkeys(q.fact for q in p.patterns if q.fact != score_fact))
            names = const(_inputs_of(p))
            pts = f"award({RULE}, {MAX}, tier, v[{score_fact!r}])"
            res = (f"({const(p)}, {names}, {pts}, None, tier)", p, pts, None, "tier", bound)
            ready = " and ".join(f"values.get({n!r}) is not None" for n in joined) or "True"
            setup = (f"v = {{x: typed(values[x], {const(m)}, x) for x in {names}}}; "
                     f"tier = {const(kind)}.fire_tier({RULE}.score, {p.tier!r}, v)")
            tree.append((ready, [(setup, None), ("True", res)]))
        elif all(x.op in _PY_OPS and not isinstance(x.value, str) for p in outcomes for x in p.patterns[-1].tests
                 if x.op != "defined"):   # (`t` is known here: "defined" holds)
            # numeric outcomes: the number's presence tested once, and a comparison the failed
            # branches above already decide left out (`n > 5` after `if n <= 5`; none can be NaN)
            decided: set[tuple[str, Any]] = set()
            branches: list[Any] = []
            for p in outcomes:
                atoms = [x for x in p.patterns[-1].tests if x.op != "defined" and (x.op, x.value) not in decided]
                cond = " and ".join(f"n {_PY_OPS[x.op]} {const(x.value)}" for x in atoms)
                branches.append((cond or "else", fixed(p, award(rule, leaf_max, p.tier, None)) if fixed_points else valued(p)))
                if not atoms:
                    break   # nothing below it can fire
                if len(atoms) == 1:
                    decided.add((_NEGATED[atoms[0].op], atoms[0].value))
            branches = [("True" if c == "else" else c, r) if i == 0 else (c if c == "else" else "elif " + c, r)
                        for i, (c, r) in enumerate(branches)]
            tree.append(("n is not None", branches))
        else:
            for p in outcomes:
                tree.append((expr(p.patterns[-1].tests, defined=True), fixed(p, award(rule, leaf_max, p.tier, None))
                             if fixed_points else valued(p)))
        scored = [(f"{score_fact!r} in values", [
            (f"t = values[{score_fact!r}]", None),
            ("t is None", fixed(undef, ZERO)),
            ("else", [(f"n = nums.get({score_fact!r})", None)] + tree)])]
        if na is None or guard is None:
            return scored
        return [(f"{guard!r} in values", [
            (f"g = values[{guard!r}]; gn = nums.get({guard!r})", None),
            (expr(na.patterns[0].tests, "g", "gn"), fixed(na, na_points, {guard: "g"})),
            ("elif " + expr(undef.patterns[0].tests, "g", "gn"), scored)])]

    @staticmethod
    def _award_expr(src: _Source, rule: Any, leaf_max: Decimal, tier: int | None) -> str:
        """`evaluation.award` for a value-dependent score as one expression on `n` (same arithmetic:
        the same operations in the same order, the same min/max, one cut to 0.01)."""
        MAX = src.const(leaf_max)
        raw = for_score(rule.score).award_source(rule.score, MAX, src.const)   # the kind's own arithmetic, inline
        if raw is None:
            return f"award({src.const(rule)}, {MAX}, {tier!r}, n)"
        return f"min({MAX}, max(ZERO, {raw})).quantize(CENT, rounding=FLOOR)"

    # ------------------------------------------------------------ running

    def run(self, session: Session, only: Iterable[str] | None = None) -> None:
        """Fire, for each rule (or each of `only`), the one production the reference would fire."""
        values = session.values
        typed = session.typed
        if typed is None:
            nums: dict[str, Any] = {n: number(v) for n, v in values.items()}
        else:
            nums = dict(typed) if self._typed_numbers else {n: v for n, v in typed.items() if type(v) in _NUMERIC_TYPES}
        trace, verdicts = session.trace, session.verdicts
        if only is None and not self._chained:
            _derive_all(self._derive_table, values, nums, trace.append)
            for part in self._parts:   # the rules in order
                part(values, nums, trace, verdicts)
            return
        self._derive_pass(values, nums, trace)
        for code in (self._codes if only is None else only):
            fired = self._by_code[code](values, nums)
            if fired is None:
                continue
            prod, names, pts, out, tier = fired
            if out is None:
                out = canonical(pts)
            step = _tuple_new(Step, (prod.id, prod.kind, prod.source, {n: values[n] for n in names}, out))
            trace.append(step)
            verdicts[code] = _tuple_new(Verdict, (code, prod.kind, tier, pts, step))

    def _derive_pass(self, values: dict[str, Any], nums: dict[str, Any], trace: list[Step]) -> None:
        """The derive productions, repeated while a derived fact computed from another fires more."""
        pending = self._derive_table
        while pending:
            later = []
            for row in pending:
                before = len(trace)
                _derive_all((row,), values, nums, trace.append)
                if len(trace) == before:   # an input is not there (yet)
                    later.append(row)
            if not self._chained or len(later) == len(pending):
                break
            pending = tuple(later)

    def decide(self, code: str, values: dict[str, Any], nums: dict[str, Any]) -> tuple[Any, ...] | None:
        """One rule's outcome without a trace: (production, trace input names, points, points text or None, tier)."""
        fired: tuple[Any, ...] | None = self._by_code[code](values, nums)
        return fired


def _render(tree: list[Any], indent: str, leaf: Callable[[tuple[Any, ...]], list[str]]) -> list[str]:
    """A decision tree as nested if/elif statements; `leaf` writes what a result does."""
    out: list[str] = []
    first = True
    for cond, sub in tree:
        if sub is None:   # a statement
            out.append(indent + cond)
            first = True
            continue
        if cond == "else":
            head = "else:"
        elif cond.startswith("elif "):
            head = cond + ":"
        else:
            head = ("if " if first else "elif ") + cond + ":"
        first = False
        out.append(indent + head)
        inner = indent + "    "
        out += _render(sub, inner, leaf) if isinstance(sub, list) else [inner + x for x in leaf(sub)]
    return out


def _record(src: _Source, code: str, result: tuple[Any, ...]) -> list[str]:
    """What `run` does with a rule's result, inline: the trace step and the verdict."""
    _, prod, pts, text, tier, bound = result
    ins = ", ".join(f"{n!r}: {bound.get(n) or f'values[{n!r}]'}" for n in _inputs_of(prod))
    lines = [f"p = {pts}"]
    if text is None:   # `canonical` of a points value (never negative: cut at 0 by max)
        lines.append("c = format(p.normalize(), 'f')")
        text = "('0' if c == '-0' else c)"
    lines += [f"s = tn(Step, ({src.const(prod.id)}, {prod.kind!r}, {prod.source!r}, {{{ins}}}, {text}))",
              "append(s)",
              f"verdicts[{code!r}] = tn(Verdict, ({code!r}, {prod.kind!r}, {tier}, p, s))"]
    return lines


def evaluate(engine: Any, facts: Facts, only: Iterable[str] | None = None) -> Session:
    """A session on the fast backend, its canonical values computed by type dispatch."""
    values = canonical_values(facts.values)
    if facts.baseline is not None:   # last year's values, as `fact@baseline`
        values.update(baseline_values(engine.methodology, facts.baseline, engine.compiled.consumed))
    session = Session(engine.compiled, values, typed=facts.values)
    engine.backend.run(session, only)
    return session
