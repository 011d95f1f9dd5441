"""Evaluation: run compiled productions over one agency's facts.

The engine is durable_rules: every production is registered once per process as a
durable ruleset, facts are asserted per session, derived facts are asserted by the
derive productions and in turn trigger the scoring productions (forward chaining; a
derived fact only scoring productions read is asserted with the others after the derive
chain, in one call: see DurableBackend._action).
Each session's state is deleted when it ends, so one process can score any number of
fact sets without growing. `PythonBackend` runs the very same productions with a naive
matcher; it exists as the benchmark's baseline and as a cross-check in the tests.
"""
from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any, Callable, NamedTuple, Protocol

from .compiler import CompiledRules, Production, compile_rules, rank_code
from .kinds.base import Pattern, Test
from .loading import FactValue, Facts, Methodology
from .kinds import for_score
from .kinds.compare import compare_holds  # noqa: F401  (re-exported: evaluation.compare_holds)
from .models import BASELINE_SUFFIX, RuleSpec

CENT = Decimal("0.01")
RATIO_PLACES = Decimal("0.0001")


def canonical(value: FactValue | None) -> str | None:
    """The one text form of a value: used in messages, traces and the JSON output."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return "0" if text in ("-0", "0") else text
    return str(value)


def canonical_values(values: dict[str, FactValue]) -> dict[str, str | None]:
    """`canonical` of every value, dispatched on the exact type (the same texts, faster)."""
    out: dict[str, str | None] = {}
    for n, v in values.items():
        t = type(v)
        if t is Decimal:
            text = format(v.normalize(), "f")  # type: ignore[union-attr]
            out[n] = "0" if text in ("-0", "0") else text
        elif t is int:
            out[n] = str(v)
        elif t is bool:
            out[n] = "true" if v else "false"
        else:
            out[n] = canonical(v)
    return out


def parse_canonical(text: str | None, m: Methodology, name: str) -> FactValue | None:
    return None if text is None else _reader(m, name)(text)


def _yes(text: str) -> bool:
    return text == "true"


_READERS: dict[str, Callable[[str], FactValue]] = {"boolean": _yes, "date": date.fromisoformat, "count": int}


def _reader(m: Methodology, name: str) -> Callable[[str], FactValue]:
    """How a fact's canonical text is read back: by its declared type (a number if undeclared)."""
    spec = m.facts.get(name.removesuffix(BASELINE_SUFFIX))
    return _READERS.get(spec.type if spec else "number", Decimal)


def derive_value(m: Methodology, name: str, inputs: dict[str, FactValue | None]) -> Decimal | None:
    """A derived fact's value from its inputs by name (`derive_function`)."""
    return derive_function(m, name)([inputs[p] for p in m.derived[name].inputs])


def derive_function(m: Methodology, name: str) -> Callable[[list[Any]], Decimal | None]:
    """A derived fact's value from its inputs' typed values in order, its choices made once;
    None when it cannot be computed (an input unknown, a zero denominator).

    Ratios are cut to 4 decimals here, the one place they are rounded, and always
    towards the worse side of the fact's `better` direction: 49,999 of 50,000 dossiers
    on time is 99.998%, never a rounded-up 100% that would earn a full score.
    """
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


def award(rule: RuleSpec, leaf_max: Decimal, tier: int | None, value: FactValue | None) -> Decimal:
    """Points for the outcome that fired, cut to 0.01 here and only here.

    The cut is always towards the worse side (down): an item reaches its maximum only
    when its rule's full-point condition holds. 399 of 400 training targets on a
    proportional item is 0.9975 of the maximum, never a rounded-up full score.
    """
    pts = for_score(rule.score).award(rule.score, leaf_max, tier, value)
    return min(leaf_max, max(Decimal(0), pts)).quantize(CENT, rounding=ROUND_FLOOR)


class Step(NamedTuple):
    """One production that fired: the engine's trace (an immutable record; a named tuple
    because the fast engine builds hundreds per card and a tuple is the cheapest to build)."""

    production: str
    kind: str
    source: str
    inputs: dict[str, str | None]
    output: str | None


class Verdict(NamedTuple):
    item: str
    kind: str            # score | not_applicable | undefined
    tier: int | None
    points: Decimal
    step: Step


@dataclass
class Session:
    """What one evaluation learned: all fact values, the trace, and the verdicts."""

    compiled: CompiledRules
    values: dict[str, str | None]
    trace: list[Step] = field(default_factory=list)
    verdicts: dict[str, Verdict] = field(default_factory=dict)
    typed: dict[str, FactValue] | None = None   # the facts' typed values, when the caller has them

    def fire(self, prod: Production, inputs: dict[str, str | None]) -> tuple[str, str | None] | None:
        """Run a production's action; returns a derived (name, value) to assert, if any."""
        return actions_of(self.compiled)[prod.id](self, inputs)


Action = Callable[[Session, dict[str, str | None]], "tuple[str, str | None] | None"]
_tuple_new = tuple.__new__   # Step and Verdict are named tuples: built without their Python-level __new__


def actions_of(compiled: CompiledRules) -> dict[str, Action]:
    """Each production's action (what `Session.fire` runs), by production id, built once per
    compiled methodology: everything an action looks up (the rule, the item's maximum, the
    kind, how each input's text is read back, points that do not depend on the value and
    their text) is looked up here, not per firing."""
    table: dict[str, Action] | None = compiled.cache.get("actions")
    if table is None:
        table = compiled.cache["actions"] = {p.id: _action_of(compiled.methodology, p) for p in compiled.productions}
    return table


def _parser(m: Methodology, name: str) -> Callable[[str | None], FactValue | None]:
    """`parse_canonical` for one fact, its type looked up once."""
    read = _reader(m, name)

    def parse(text: str | None) -> FactValue | None:
        return None if text is None else read(text)
    return parse


def _action_of(m: Methodology, prod: Production) -> Action:
    """One production's action: a derive asserts its value; an outcome records its step and verdict."""
    pid, kind, source = prod.id, prod.kind, prod.source
    if kind == "derive":
        names = tuple(m.derived[source].inputs)
        parsers = tuple(_parser(m, n) for n in names)
        compute = derive_function(m, source)

        def derive(session: Session, inputs: dict[str, str | None]) -> tuple[str, str | None]:
            out = canonical(compute([parse(inputs[n]) for parse, n in zip(parsers, names)]))
            session.values[source] = out
            session.trace.append(_tuple_new(Step, (pid, "derive", source, inputs, out)))
            return source, out
        return derive
    assert prod.item is not None
    item, tier = prod.item, prod.tier
    rule = m.rules[item]
    leaf_max = m.leaves[item].max
    score_kind = for_score(rule.score)

    def record(session: Session, inputs: dict[str, str | None], tier: int | None, pts: Decimal, text: str | None) -> None:
        step = _tuple_new(Step, (pid, kind, rule.id, inputs, text))
        session.trace.append(step)
        session.verdicts[item] = _tuple_new(Verdict, (item, kind, tier, pts, step))

    if kind == "score" and (score_kind.decides_on_fire or not score_kind.fixed_points):
        fact = rule.score.fact
        by_name = {q.fact: _parser(m, q.fact) for q in prod.patterns}
        parse_fact = by_name[fact]
        if score_kind.decides_on_fire:   # the outcome is decided from the typed inputs as it fires
            def decide(session: Session, inputs: dict[str, str | None]) -> None:
                fired = score_kind.fire_tier(rule.score, tier, {k: by_name[k](v) for k, v in inputs.items()})
                pts = award(rule, leaf_max, fired, parse_fact(inputs[fact]))
                record(session, inputs, fired, pts, canonical(pts))
            return decide

        def valued(session: Session, inputs: dict[str, str | None]) -> None:
            pts = award(rule, leaf_max, tier, parse_fact(inputs[fact]))   # only the scored value is read back
            record(session, inputs, tier, pts, canonical(pts))
        return valued
    if kind == "score":   # the points do not depend on the value
        pts = award(rule, leaf_max, tier, None)
    elif kind == "not_applicable" and m.when_not_arising_of(rule) == "full_points":
        pts = leaf_max   # the situation did not arise: the maximum never shrinks
    else:
        pts = Decimal(0)
    text = canonical(pts)

    def fixed(session: Session, inputs: dict[str, str | None]) -> None:
        record(session, inputs, tier, pts, text)
    return fixed


def fact_message(compiled: CompiledRules, sid: str, name: str, value: str | None) -> dict[str, Any]:
    """A fact as durable_rules sees it: its canonical text, and for a number its rank code.

    The text is the one canonical decimal form (never exponent notation). Numbers are
    compared through `CompiledRules.rank`, an exact integer code, never through a float.
    """
    msg: dict[str, Any] = {"sid": sid, "t": "fact", "name": name, "defined": "no" if value is None else "yes"}
    if value is not None:
        msg["value"] = value
        ts = compiled.thresholds.get(name)
        if ts is not None and value not in ("true", "false"):
            number = _finite(value)
            if number is not None:
                msg["num"] = rank_code(ts, number)
    return msg


def _finite(text: str) -> Decimal | None:
    """The text's number when it is a finite one (the text is parsed once)."""
    try:
        d = Decimal(text)
    except ArithmeticError:
        return None
    return d if d.is_finite() else None


class Backend(Protocol):
    def run(self, session: Session) -> None: ...


# ---------------------------------------------------------------- durable_rules


_DURABLE_OPS = {"ge": "$gte", "gt": "$gt", "le": "$lte", "lt": "$lt"}


def _durable_condition(compiled: CompiledRules, p: Pattern) -> dict[str, Any]:
    terms: list[dict[str, Any]] = [{"t": "fact"}, {"name": p.fact}]
    for t in p.tests:
        terms.append(_durable_test(compiled, p.fact, t))
    return {"$and": terms}


def _durable_test(compiled: CompiledRules, fact: str, t: Test) -> dict[str, Any]:
    if t.op == "defined":
        return {"defined": "yes"}
    if t.op == "undefined":
        return {"defined": "no"}
    if isinstance(t.value, str):
        return {"value": t.value} if t.op == "eq" else {"$neq": {"value": t.value}}
    code = compiled.rank(fact, str(t.value))  # a threshold's own code: exact, never a float
    if t.op in _DURABLE_OPS:
        return {_DURABLE_OPS[t.op]: {"num": code}}
    return {"num": code} if t.op == "eq" else {"$neq": {"num": code}}


def _synchronous_host() -> Any:
    """A durable_rules Host without its background dispatch threads.

    durable's Host polls every ruleset from timer threads and runs any pending action
    it finds there. Our sessions are synchronous (`assert_facts` runs the whole forward
    chain before returning); a poller that leases one of those actions mid-chain runs
    the rest of the chain on its own thread, and the session returns with verdicts
    missing (seen here after ~100 sessions). We use no timers, so we start none.
    """
    from durable import engine

    class SynchronousHost(engine.Host):  # type: ignore[misc]  # durable_rules has no types
        def _run(self) -> None:
            pass

    return SynchronousHost()


_LEAN_FOR = "2.0.28"   # the durable_rules version whose Ruleset._flush_actions _LeanRuleset is read from
_lean: list[Any] = []


def _lean_ruleset(ruleset: Any) -> bool:
    """Run one of our rulesets' actions without durable's per-action scaffolding, when that is safe.

    durable's `Ruleset._flush_actions` wraps every action in a Promise with a lease timer,
    reads the clock twice, and catches any exception the action raises into the session's
    state, then goes on: an action that failed would leave a verdict silently missing. Our
    actions are plain synchronous functions, so for each queued action `_LeanRuleset` does
    what 2.0.28's does and nothing else: build the Closure, run the function, hand the state
    back (`update_state`), complete the action and start the next (`complete_and_start_action`);
    an exception abandons the action and propagates to `assert_facts`' caller. ~0.4 ms less
    per evaluation (~140 actions). Only for durable_rules 2.0.28 (the version pinned in
    pyproject.toml, whose code this follows) and only when every action is a plain synchronous
    Promise: otherwise the ruleset keeps durable's own class. Returns whether it switched.
    """
    from importlib.metadata import version

    from durable import engine
    if version("durable_rules") != _LEAN_FOR or type(ruleset) is not engine.Ruleset:
        return False
    if not all(type(p) is engine.Promise and p._sync and p._next is None for p in ruleset._actions.values()):
        return False
    if not _lean:
        _lean.append(_lean_class())
    ruleset.__class__ = _lean[0]
    return True


def _lean_class() -> Any:
    import json

    from durable import engine
    native = engine.durable_rules_engine   # durable's C extension, as engine.py itself calls it

    class _LeanRuleset(engine.Ruleset):  # type: ignore[misc]  # durable_rules has no types
        def _flush_actions(self, state: Any, result_container: dict[str, Any], state_offset: Any, complete: Any) -> None:
            while "message" in result_container:
                action_name, message = next(iter(result_container.pop("message").items()))
                c = engine.Closure(self._host, self, state, message, state_offset)
                try:
                    self._actions[action_name]._func(c)
                    native.update_state(self._handle, json.dumps(c.s._d, ensure_ascii=False))
                    new_result = native.complete_and_start_action(self._handle, c._handle)
                except BaseException:
                    native.abandon_action(self._handle, c._handle)
                    raise
                if new_result:
                    result_container["message"] = json.loads(new_result)
                else:
                    complete(None, state)

    return _LeanRuleset


def _session_opened(c: Any) -> None:
    """The action of the production every session fires (see DurableBackend)."""


class DurableBackend:
    """Registers a methodology's productions once as a durable_rules ruleset."""

    _host: Any = None
    _lock = threading.Lock()
    _names = itertools.count(1)

    def __init__(self, compiled: CompiledRules):
        with DurableBackend._lock:
            if DurableBackend._host is None:
                DurableBackend._host = _synchronous_host()
            self.name = f"parscore_{compiled.methodology.digest}_{next(DurableBackend._names)}"
        self.compiled = compiled
        self._open: dict[str, tuple[Session, list[dict[str, Any]]]] = {}
        # facts some derive production reads: a derived one is asserted as it is derived (see _action)
        self._derive_inputs = frozenset(p.fact for prod in compiled.productions if prod.kind == "derive" for p in prod.patterns)
        self._sids = itertools.count(1)
        definition: dict[str, Any] = {
            f"p{i}": {"all": [{f"f{j}": _durable_condition(compiled, p)} for j, p in enumerate(prod.patterns)],
                      "run": self._action(prod)}
            for i, prod in enumerate(compiled.productions)}
        # Every session asserts one `session` fact and this production always consumes it.
        # durable 2.0.28 frees a session's state wrongly in `delete_state` when no action
        # ever ran in it (free(): invalid pointer, SIGABRT/SIGSEGV): a sparse draft whose
        # facts complete no production did exactly that. With an action in every session,
        # that path is never taken.
        definition["session"] = {"all": [{"s": {"t": "session"}}], "run": _session_opened}
        DurableBackend._host.register_rulesets({self.name: definition})
        self.lean = _lean_ruleset(DurableBackend._host.get_ruleset(self.name))

    def _action(self, prod: Production) -> Any:
        """durable's action for a production: the matched facts' texts (the session's own, which
        durable was given) as the production's inputs, in the patterns' order.

        A derived fact is asserted from its derive action when another derive production reads
        it (so the derive chain fires in the order it always has); one only scoring productions
        read waits in the session's pending list and is asserted with the others in one
        `assert_facts` after the chain (see `run`): one call instead of one per derived fact,
        each of which cost a JSON text and durable's Python layers around the same Rete work.
        A derived fact no production reads is not asserted at all: durable refuses a fact
        nothing matches (MessageNotHandledException, caught and logged in its state)."""
        names = tuple(dict.fromkeys(p.fact for p in prod.patterns))
        act = actions_of(self.compiled)[prod.id]
        is_open, compiled = self._open, self.compiled
        now = prod.kind == "derive" and prod.source in self._derive_inputs
        later = prod.kind == "derive" and not now and prod.source in compiled.consumed

        def run(c: Any) -> None:
            sid = c.f0["sid"]
            session, pending = is_open[sid]
            values = session.values
            derived = act(session, {n: values[n] for n in names})
            if derived is None:
                return
            if later:
                pending.append(fact_message(compiled, sid, *derived))
            elif now:
                c.assert_fact(fact_message(compiled, sid, *derived))
        return run

    def run(self, session: Session) -> None:
        sid = str(next(self._sids))
        msgs = [{"sid": sid, "t": "session"}]
        msgs += [fact_message(self.compiled, sid, name, value) for name, value in sorted(session.values.items())
                 if name in self.compiled.consumed]
        pending: list[dict[str, Any]] = []   # derived facts only scoring productions read (see _action)
        self._open[sid] = (session, pending)
        try:
            DurableBackend._host.assert_facts(self.name, msgs)
            if pending:   # every derive has fired: the derived facts' scoring productions, in one call
                DurableBackend._host.assert_facts(self.name, pending)
        finally:
            del self._open[sid]
            DurableBackend._host.delete_state(self.name, sid)


# ---------------------------------------------------------------- naive baseline


class PythonBackend:
    """The same productions, matched by re-scanning until nothing new fires."""

    def __init__(self, compiled: CompiledRules):
        self.compiled = compiled

    def run(self, session: Session) -> None:
        facts = {n: v for n, v in session.values.items() if n in self.compiled.consumed}
        fired: set[str] = set()
        actions = actions_of(self.compiled)
        progress = True
        while progress:
            progress = False
            for prod in self.compiled.productions:
                if prod.id in fired or not all(_matches(p, facts) for p in prod.patterns):
                    continue
                fired.add(prod.id)
                progress = True
                derived = actions[prod.id](session, {p.fact: facts[p.fact] for p in prod.patterns})
                if derived is not None:
                    facts[derived[0]] = derived[1]


def _matches(p: Pattern, facts: dict[str, str | None]) -> bool:
    if p.fact not in facts:
        return False
    value = facts[p.fact]
    for t in p.tests:
        if t.op == "defined" and value is None or t.op == "undefined" and value is not None:
            return False
        if t.op in ("defined", "undefined"):
            continue
        if value is None:
            return False
        if isinstance(t.value, str):
            ok = (value == t.value) == (t.op == "eq")
        else:
            if value in ("true", "false"):
                return False
            x = Decimal(value)
            ok = {"ge": x >= t.value, "gt": x > t.value, "le": x <= t.value, "lt": x < t.value,  # type: ignore[operator]
                  "eq": x == t.value, "ne": x != t.value}[t.op]
        if not ok:
            return False
    return True


# ---------------------------------------------------------------- entry point


BACKENDS = ("durable", "reference", "fast")
ALIASES = {"python": "reference"}   # the reference matcher's name before the fast engine existed


def backend_name(backend: str) -> str:
    """The canonical engine name: durable, reference or fast ("python" is the reference)."""
    name = ALIASES.get(backend, backend)
    if name not in BACKENDS:
        raise ValueError(f"unknown engine {backend!r}: expected one of {', '.join(BACKENDS)}")
    return name


def exact_value(m: Methodology, values: dict[str, FactValue], name: str) -> Decimal | None:
    """A fact's amount, derived ones computed without the 4-decimal cut: what "more than
    last year" compares, so a rise too small for a rounded rate still counts."""
    if name in values:
        v = values[name]
        return None if isinstance(v, bool) or not isinstance(v, (int, Decimal)) else Decimal(v)
    if name not in m.derived:
        return None
    spec = m.derived[name]
    maybe = [exact_value(m, values, p) for p in spec.inputs]
    parts = [p for p in maybe if p is not None]
    if len(parts) != len(maybe):
        return None
    if spec.ratio:
        return None if parts[1] == 0 else parts[0] / parts[1] * 100
    if spec.sum:
        return sum(parts, Decimal(0))
    return parts[0] - parts[1]


def known_value(m: Methodology, values: dict[str, FactValue], name: str) -> FactValue | None:
    """A reported value, or a derived one computed from its inputs (None if unknown)."""
    if name in values:
        return values[name]
    if name not in m.derived:
        return None
    return derive_value(m, name, {p: known_value(m, values, p) for p in m.derived[name].inputs})


def baseline_values(m: Methodology, baseline: Facts, consumed: frozenset[str]) -> dict[str, str | None]:
    """Last year's values under their session names (`fact@baseline`); unknown ones are
    left out, so an item comparing with them shows missing data, never a pass."""
    out: dict[str, str | None] = {}
    for name in consumed:
        if name.endswith(BASELINE_SUFFIX):
            v = known_value(m, baseline.values, name.removesuffix(BASELINE_SUFFIX))
            if v is not None:
                out[name] = canonical(v)
    return out


class Engine:
    """A methodology compiled once and bound to a backend; `evaluate` per fact set."""

    def __init__(self, m: Methodology, backend: str = "durable"):
        self.methodology = m
        self.compiled = compile_rules(m)
        self.name = backend_name(backend)
        if self.name == "durable":
            self.backend: Backend = DurableBackend(self.compiled)
        elif self.name == "fast":
            from .fastpath import FastBackend
            self.backend = FastBackend(self.compiled)
        else:
            self.backend = PythonBackend(self.compiled)

    def session_values(self, facts: Facts) -> dict[str, str | None]:
        """The facts as the engine sees them: canonical text, plus last year's values under
        `fact@baseline` when the facts name a baseline."""
        values = canonical_values(facts.values)
        if facts.baseline is not None:
            values.update(baseline_values(self.methodology, facts.baseline, self.compiled.consumed))
        return values

    def evaluate(self, facts: Facts) -> Session:
        if self.name == "fast":
            from .fastpath import evaluate
            return evaluate(self, facts)
        session = Session(self.compiled, self.session_values(facts), typed=facts.values)
        self.backend.run(session)
        return session


_ENGINES: dict[tuple[str, str, str], Engine] = {}


def engine_for(m: Methodology, backend: str = "durable") -> Engine:
    """One engine per methodology version and backend per process: rulesets register once."""
    name = backend_name(backend)
    key = (m.id, m.digest, name)
    if key not in _ENGINES:
        _ENGINES[key] = Engine(m, name)
    return _ENGINES[key]
