"""The fast path: byte-identical scorecards on all three engines, and its plain-data cards.

Hypothesis draws random complete fact sets, sparse drafts (a few facts only) and
extreme values (0, tiny, huge, many decimals, every threshold exactly and a hair either
side); each is scored on durable_rules, the reference matcher and the fast path, and
the JSON must be the same bytes. The plain card's JSON (`card_json`) must be the bytes
of the validated model's JSON.
"""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from parscore import load_facts, load_methodology, score, to_json
from parscore.cards import card_json, card_line
from parscore.compiler import compile_rules
from parscore.evaluation import engine_for
from parscore.loading import Facts
from parscore.models import Agency
from parscore.scorecard import score_data
from test_laws import fact_sets as law_fact_sets

M = load_methodology("par-province-892")
THRESHOLDS = compile_rules(M).thresholds
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ENGINES = ("durable", "reference", "fast")
HAIR = Decimal("1e-9")


def _bounds(name: str) -> tuple[Decimal, Decimal]:
    spec = M.facts[name]
    lo = spec.min if spec.min is not None else Decimal(0)
    hi = Decimal(100) if spec.type == "percent" else spec.max if spec.max is not None else Decimal(10) ** 12
    return lo, hi


def _value(name: str, extreme: bool):
    spec = M.facts[name]
    if spec.type == "boolean":
        return st.booleans()
    if spec.type == "date":
        return st.dates(date(2000, 1, 1), date(2100, 12, 31))
    lo, hi = _bounds(name)
    near = [t + d for t in THRESHOLDS.get(name, ()) for d in (-HAIR, 0, HAIR)]
    if spec.type == "count":
        near = [Decimal(int(t)) + d for t in THRESHOLDS.get(name, ()) for d in (-1, 0, 1)]
        pool = [int(v) for v in near + [lo, hi, Decimal(1)] if lo <= v <= hi]
        normal = st.integers(int(lo), min(int(hi), 500))
        return st.sampled_from(pool) if extreme and pool else normal
    pool = [v for v in near + [lo, hi, Decimal("0.000000001"), Decimal("33.3333333333333333333"), hi - HAIR]
            if lo <= v <= hi]
    normal = st.integers(int(lo * 100), int(min(hi, Decimal(10) ** 7) * 100)).map(lambda n: Decimal(n) / 100)
    return st.sampled_from(pool) if extreme and pool else normal


@st.composite
def fact_sets(draw, kind: str):
    names = sorted(M.facts, key=lambda n: M.facts[n].part_of is not None)   # wholes before parts
    if kind == "sparse":
        chosen = set(draw(st.lists(st.sampled_from(sorted(M.facts)), min_size=1, max_size=12)))
        names = [n for n in names if n in chosen]
    values = {}
    for name in names:
        if kind == "random" and draw(st.integers(0, 9)) == 0:
            continue
        v = draw(_value(name, extreme=kind == "extreme" or (kind == "sparse" and draw(st.booleans()))))
        whole = M.facts[name].part_of
        if whole is not None and whole in values:
            v = min(v, values[whole])
        values[name] = v
    return values


def _facts(values) -> Facts:
    return Facts("generated.yaml", Agency(code="t", name="T"), 2025, M.id, values)


def _same_on_every_engine(values) -> None:
    facts = _facts(values)
    cards = {e: to_json(score(M, facts, "vi", e)) for e in ENGINES}
    assert cards["reference"] == cards["durable"]
    assert cards["fast"] == cards["durable"]
    assert card_json(score_data(M, facts, "vi", "fast")) == cards["fast"]


@SETTINGS
@given(fact_sets("random"))
def test_random_fact_sets_same_bytes_on_every_engine(values):
    _same_on_every_engine(values)


@SETTINGS
@given(fact_sets("sparse"))
def test_sparse_drafts_same_bytes_on_every_engine(values):
    _same_on_every_engine(values)


@SETTINGS
@given(fact_sets("extreme"))
def test_extreme_values_same_bytes_on_every_engine(values):
    _same_on_every_engine(values)


@pytest.mark.parametrize("path", ["fixtures/ca-mau-2025/weaknesses.yaml", "fixtures/ca-mau-2025/targets-met.yaml",
                                  "fixtures/weak-province-2025.yaml", "fixtures/incomplete-2025.yaml"])
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_fixtures_same_bytes_with_evidence_notes_and_claims(path, lang):
    facts = load_facts(path, M)
    ref = to_json(score(M, facts, lang, "durable"))
    assert to_json(score(M, facts, lang, "fast")) == ref
    assert card_json(score_data(M, facts, lang, "fast")) == ref
    one_line = card_json(score_data(M, facts, lang, "fast"), indent=None)
    # the JSON Lines card (batch scoring) is the same card on one line, byte for byte
    assert one_line == json.dumps(json.loads(ref), ensure_ascii=False, separators=(",", ":")) + "\n"
    assert card_line(score_data(M, facts, lang, "fast")) == one_line.encode("utf-8")


def test_the_fast_trace_is_the_reference_trace():
    """Same productions fire, with the same inputs and outputs, in the same order."""
    facts = load_facts("fixtures/ca-mau-2025/weaknesses.yaml", M)
    ref, fast = engine_for(M, "reference").evaluate(facts), engine_for(M, "fast").evaluate(facts)
    assert fast.trace == ref.trace
    assert fast.verdicts == ref.verdicts
    assert fast.values == ref.values


def test_python_is_the_reference_engine_and_unknown_names_are_refused():
    assert engine_for(M, "python") is engine_for(M, "reference")
    with pytest.raises(ValueError, match="unknown engine 'rete'"):
        engine_for(M, "rete")


def test_cli_engine_option_gives_the_same_card(tmp_path):
    from conftest import run_cli
    outs = [run_cli("score", "fixtures/ca-mau-2025/weaknesses.yaml", "-f", "json", "--engine", e).stdout
            for e in ("durable", "reference", "fast", "python")]
    assert outs[0] and all(o == outs[0] for o in outs)


def test_a_derived_fact_computed_from_a_later_derived_fact(tmp_path):
    """A derived fact declared before the derived fact it reads: the fast engine repeats the
    derive pass like the reference's re-scan, and all three engines give the same card."""
    import shutil
    root = Path(__file__).parent / "data" / "mini2"
    shutil.copytree(root, tmp_path / "m")
    rules = tmp_path / "m" / "rules" / "all.yaml"
    text = rules.read_text(encoding="utf-8")
    text = text.replace("derived:\n", "derived:\n  growth_total: {sum: [firms_growth, violations], better: higher, "
                        "unit: {vi: \"doanh nghiệp\", en: \"firms\"}, description: {vi: \"Tổng\", en: \"Total\"}}\n", 1)
    rules.write_text(text.replace("kind: tiers, fact: firms_growth,", "kind: tiers, fact: growth_total,"), encoding="utf-8")
    m = load_methodology(str(tmp_path / "m" / "mini2.yaml"))
    assert engine_for(m, "fast").backend._chained
    for new, points in ((90, 1.5), (82, 0.0)):   # growth 5 + 1 violation = 6 → 1.5; -3 + 1 = -2 → 0
        facts = Facts("x.yaml", Agency(code="t", name="T"), 2025, m.id,
                      {"firms_new": new, "firms_new_prev": 85, "violations": 1})
        cards = {e: to_json(score(m, facts, "vi", e)) for e in ENGINES}
        assert cards["fast"] == cards["durable"] == cards["reference"]
        assert card_json(score_data(m, facts, "vi", "fast")) == cards["durable"]
        assert json.loads(cards["fast"])["items"][4]["points"] == points
        fast, ref = engine_for(m, "fast").evaluate(facts), engine_for(m, "reference").evaluate(facts)
        assert fast.verdicts == ref.verdicts and fast.values == ref.values
        # the same steps fire (the reference interleaves rules with its re-scans; the card orders derive steps alone)
        assert sorted(fast.trace, key=lambda s: s.production) == sorted(ref.trace, key=lambda s: s.production)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(law_fact_sets())
def test_typed_facts_serve_as_numbers_only_when_no_yes_no_or_date_is_read_as_one(values):
    """Every bundled methodology reads numbers only from facts declared as numbers, so the fast
    path copies the typed facts instead of filtering them; both ways give the same session."""
    backend = engine_for(M, "fast").backend
    assert backend._typed_numbers
    facts = Facts("t.yaml", Agency(code="t", name="T"), 2025, M.id, values)
    copied = engine_for(M, "fast").evaluate(facts)
    backend._typed_numbers = False
    try:
        filtered = engine_for(M, "fast").evaluate(facts)
    finally:
        backend._typed_numbers = True
    assert copied.values == filtered.values and copied.verdicts == filtered.verdicts and copied.trace == filtered.trace


def test_a_yes_no_fact_read_as_a_number_keeps_the_filtered_numbers(tmp_path):
    """A rule comparing a yes/no fact with a number (never true for yes/no): the typed facts are
    not used as numbers, so True is never compared as 1."""
    from parscore.fastpath import FastBackend

    compiled = compile_rules(M)
    yes_no = next(n for n, s in M.facts.items() if s.type == "boolean")
    rule = next(r for r in M.rules.values() if r.score.kind == "tiers")
    from dataclasses import replace

    odd = replace(M, rules={**M.rules, rule.item: rule.model_copy(
        update={"score": rule.score.model_copy(update={"fact": yes_no})})})
    backend = FastBackend(compile_rules(odd))
    assert FastBackend(compiled)._typed_numbers and not backend._typed_numbers
