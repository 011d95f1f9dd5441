"""durable_rules' forward chain: derived facts that only scoring productions read are asserted
together after the derive chain (one `assert_facts`), a derived fact another derive reads as
soon as it is derived. What a card relies on must not change with that: durable fires the same
productions as the reference matcher, with the same values, verdicts and steps, and the derive
steps in the same order where it matters, and a card the same bytes (it lists an item's derive
steps in the reference's order, `Methodology.derive_order`)."""
from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from parscore import load_methodology
from parscore.evaluation import DurableBackend, Session, engine_for
from parscore.loading import Facts
from parscore.models import Agency

M = load_methodology("par-province-892")


def _value(name: str) -> st.SearchStrategy[object]:
    spec = M.facts[name]
    if spec.type == "boolean":
        return st.booleans()
    if spec.type == "count":
        return st.integers(0, 500)
    if spec.type == "percent":
        return st.integers(0, 10000).map(lambda n: Decimal(n) / 100)
    if spec.type == "number":
        return st.integers(0, 10**7).map(lambda n: Decimal(n) / 100)
    return st.dates()


@st.composite
def fact_sets(draw: st.DrawFn) -> dict[str, object]:
    names = sorted(M.facts, key=lambda n: M.facts[n].part_of is not None)   # wholes before parts
    chosen = draw(st.lists(st.sampled_from(names), unique=True, max_size=len(names)))
    values: dict[str, object] = {}
    for name in names:
        if name in chosen:
            v = draw(_value(name))
            whole = M.facts[name].part_of
            if whole in values and not isinstance(v, bool):
                v = min(v, values[whole])   # type: ignore[type-var]  # a part never exceeds its whole
            values[name] = v
    return values


def _derive_steps(s: Session) -> list[object]:
    return [step for step in s.trace if step.kind == "derive"]


def _same_firings(m: object, facts: Facts, derive_order: bool = True) -> None:
    durable = engine_for(m, "durable").evaluate(facts)   # type: ignore[arg-type]
    ref = engine_for(m, "reference").evaluate(facts)     # type: ignore[arg-type]
    assert durable.values == ref.values
    assert durable.verdicts == ref.verdicts
    assert sorted(durable.trace) == sorted(ref.trace)
    if derive_order:
        assert _derive_steps(durable) == _derive_steps(ref)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fact_sets())
def test_durable_fires_what_the_reference_fires_with_derive_steps_in_the_same_order(values):
    _same_firings(M, Facts("f.yaml", Agency(code="t", name="T"), 2025, M.id, values))


def test_the_derived_facts_scoring_rules_read_are_asserted_in_one_call(monkeypatch):
    """A complete fact set: the reported facts in one call, all derived facts (none of this
    methodology's derived facts is read by another derive) in a second one."""
    values = {n: (True if s.type == "boolean" else 40 if s.type == "count" else Decimal("55.5"))
              for n, s in M.facts.items() if s.type != "date"}
    facts = Facts("f.yaml", Agency(code="t", name="T"), 2025, M.id, values)
    engine = engine_for(M, "durable")
    host = DurableBackend._host
    calls: list[list[dict[str, object]]] = []
    original = host.assert_facts

    def spy(name: str, msgs: list[dict[str, object]], *a: object) -> object:
        calls.append(msgs)
        return original(name, msgs, *a)
    monkeypatch.setattr(host, "assert_facts", spy)
    session = engine.evaluate(facts)
    derived = [s.source for s in _derive_steps(session)]
    assert len(calls) == 2
    assert {m["name"] for m in calls[1]} == {n for n in derived if n in engine.compiled.consumed}
    assert len(derived) == len(M.derived)   # every derive fired, each asserted once at most


GROWTH_TOTAL = ("  growth_total: {sum: [firms_growth, violations], better: higher, "
                "unit: {vi: \"doanh nghiệp\", en: \"firms\"}, description: {vi: \"Tổng\", en: \"Total\"}}\n")
LATE_RATIO = ("  violations_per_unit: {ratio: [violations, units_in_scope], better: lower, "
              "unit: {vi: \"%\", en: \"%\"}, description: {vi: \"Vi phạm\", en: \"Violations\"}}\n")


@pytest.mark.parametrize("where", ["before", "after"])
def test_a_derived_fact_another_derive_reads_is_asserted_as_it_is_derived(tmp_path, where):
    """A derived fact computed from another derived fact, declared before or after it, and a
    derive from reported facts only declared last: the chain fires in order, and declared after
    it, in the reference's order (the chain's second step before the last derive).

    Declared before it, durable (on main too, before derived facts were batched) fires the
    chain's second step right after the first, the reference in its second pass, after the last
    derive: the same steps in another order, which only an item reading both would show."""
    root = Path(__file__).parent / "data" / "mini2"
    shutil.copytree(root, tmp_path / "m")
    rules = tmp_path / "m" / "rules" / "all.yaml"
    text = rules.read_text(encoding="utf-8")
    growth = next(line for line in text.splitlines(keepends=True) if line.startswith("  firms_growth:"))
    if where == "before":
        text = text.replace(growth, GROWTH_TOTAL + growth + LATE_RATIO, 1)
    else:
        text = text.replace(growth, growth + GROWTH_TOTAL + LATE_RATIO, 1)
    rules.write_text(text.replace("kind: tiers, fact: firms_growth,", "kind: tiers, fact: growth_total,"), encoding="utf-8")
    m = load_methodology(str(tmp_path / "m" / "mini2.yaml"))
    for new in (90, 82):
        facts = Facts("x.yaml", Agency(code="t", name="T"), 2025, m.id,
                      {"firms_new": new, "firms_new_prev": 85, "violations": 1, "units_in_scope": 10, "units_inspected": 4})
        _same_firings(m, facts, derive_order=where == "after")
        steps = [s.source for s in _derive_steps(engine_for(m, "durable").evaluate(facts))]
        assert steps.index("firms_growth") < steps.index("growth_total")
        if where == "after":
            assert steps.index("growth_total") < steps.index("violations_per_unit")


# ------------------------------------------------------------ durable's actions without its scaffolding


def _session(compiled: object, values: dict[str, object]) -> Session:
    from parscore.evaluation import canonical_values
    return Session(compiled, canonical_values(values), typed=values)   # type: ignore[arg-type]


def test_the_pinned_durable_runs_our_actions_lean():
    from durable import engine
    backend = engine_for(M, "durable").backend
    assert backend.lean
    assert type(DurableBackend._host.get_ruleset(backend.name)) is not engine.Ruleset


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fact_sets())
def test_lean_actions_fire_exactly_what_durables_own_dispatch_fires(values):
    """The same ruleset run by durable's own `Ruleset` class: the same trace, in the same order."""
    from durable import engine
    lean = engine_for(M, "durable").backend
    compiled = lean.compiled
    stock = _stock_backend(compiled)
    a, b = _session(compiled, values), _session(compiled, values)
    lean.run(a)
    stock.run(b)
    assert a.trace == b.trace and a.verdicts == b.verdicts and a.values == b.values
    assert type(DurableBackend._host.get_ruleset(stock.name)) is engine.Ruleset


_STOCK: list[DurableBackend] = []


def _stock_backend(compiled: object) -> DurableBackend:
    from durable import engine
    if not _STOCK:
        backend = DurableBackend(compiled)   # type: ignore[arg-type]
        DurableBackend._host.get_ruleset(backend.name).__class__ = engine.Ruleset
        _STOCK.append(backend)
    return _STOCK[0]


def test_an_action_that_fails_is_an_error_not_a_missing_verdict():
    """durable's own dispatch catches an action's exception into the session's state and goes
    on (the verdict would be silently missing); ours abandons the action and raises, and the
    next session runs normally."""
    from parscore.compiler import compile_rules
    from parscore.evaluation import actions_of
    compiled = compile_rules(M)
    table = actions_of(compiled)
    prod = next(p for p in compiled.productions if p.kind == "derive")

    def broken(session: Session, inputs: dict[str, str | None]) -> None:
        raise RuntimeError("broken action")
    table[prod.id] = broken
    backend = DurableBackend(compiled)
    assert backend.lean
    inputs = {n: 10 for n in M.derived[prod.source].inputs}
    with pytest.raises(RuntimeError, match="broken action"):
        backend.run(_session(compiled, inputs))
    session = _session(compiled, {"par_annual_plan_days_late": 0})   # item 1.1.1's one fact: full points
    backend.run(session)
    assert [s.kind for s in session.trace] == ["score"] and session.verdicts["1.1.1"].points == M.leaves["1.1.1"].max


COMBO = ("  combo: {sum: [growth_total, violations_per_unit], better: higher, "
         "unit: {vi: \"x\", en: \"x\"}, description: {vi: \"Gộp\", en: \"Combo\"}}\n")


def test_an_item_reading_a_chain_and_another_derived_fact_has_one_trace_on_every_engine(tmp_path):
    """An item reading a chain's second step and an unrelated derived fact: durable fires them
    in one valid order, the reference and the fast path in another, and the card listed the
    item's derive steps in firing order, so the engines wrote different bytes for the same
    facts. The card lists them in the reference's order (`Methodology.derive_order`)."""
    from parscore.cards import card_json
    from parscore.scorecard import score_data

    root = Path(__file__).parent / "data" / "mini2"
    shutil.copytree(root, tmp_path / "m")
    rules = tmp_path / "m" / "rules" / "all.yaml"
    text = rules.read_text(encoding="utf-8")
    growth = next(line for line in text.splitlines(keepends=True) if line.startswith("  firms_growth:"))
    text = text.replace(growth, GROWTH_TOTAL + growth + LATE_RATIO + COMBO, 1)
    rules.write_text(text.replace("kind: tiers, fact: firms_growth,", "kind: tiers, fact: combo,"), encoding="utf-8")
    m = load_methodology(str(tmp_path / "m" / "mini2.yaml"))
    assert m.derive_order == {"coverage": 0, "firms_growth": 1, "violations_per_unit": 2, "growth_total": 3, "combo": 4}
    facts = Facts("x.yaml", Agency(code="t", name="T"), 2025, m.id,
                  {"firms_new": 90, "firms_new_prev": 85, "violations": 1, "units_in_scope": 10, "units_inspected": 4})
    fired = [s.source for s in _derive_steps(engine_for(m, "durable").evaluate(facts))]
    assert fired.index("growth_total") < fired.index("violations_per_unit")   # durable's own order: the case at hand
    for card in ("first", "generated"):   # a plan's first card is built item by item, later ones by generated code
        out = {e: card_json(score_data(m, facts, "en", e)) for e in ("durable", "reference", "fast")}
        assert out["durable"] == out["reference"] == out["fast"], card
    item = next(i for i in score_data(m, facts, "en", "durable")["items"] if i["code"] == "2.1.1")
    assert [t["rule"] for t in item["trace"]] == ["derive:firms_growth", "derive:violations_per_unit", "derive:growth_total",
                                                  "derive:combo", "firms-growth#tier-1"]
