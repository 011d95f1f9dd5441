"""A card's items are the same whether built item by item or by the plan's generated function.

`CardPlan.items_of` builds a process's first card item by item (`CardPlan.item`) and every
later card with one function generated for the plan. A user scoring one file and a batch
scoring thousands must get the same items: here, over generated facts with missing data,
claims, evidence, notes, not-arising situations, a projected survey and last year's values,
on every engine, in both languages, for every bundled methodology.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from parscore import load_facts, load_methodology
from parscore.baseline import survey_facts
from parscore.cards import CardPlan, _Card
from parscore.evaluation import engine_for
from parscore.jsontext import dumps
from parscore.models import Evidence
from parscore.resources import known_methodologies

from conftest import ROOT
from test_laws import M, _facts, fact_sets

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def both(m, facts, lang, engine):
    plan = CardPlan(m, lang)
    session = engine_for(m, engine).evaluate(facts)
    card = _Card(plan, facts, session)
    one_by_one = plan._all(card)
    generated = plan._generate()(plan, card, session.values, session.verdicts, facts.claimed, facts.evidence,
                                 facts.notes, facts.projected)
    return one_by_one, generated


def same(m, facts, lang="vi", engine="fast"):
    a, b = both(m, facts, lang, engine)
    assert b == a
    assert dumps(b, floats=False) == dumps(a, floats=False)   # the same keys in the same order


@SETTINGS
@given(fact_sets(), st.sampled_from(["vi", "en"]), st.sampled_from(["fast", "reference"]), st.data())
def test_generated_items_equal_item_by_item(values, lang, engine, data):
    facts = _facts(values)
    codes = sorted(M.leaves)
    claimed = {c: data.draw(st.decimals(0, 3, places=2)) for c in data.draw(st.lists(st.sampled_from(codes), max_size=5))}
    names = sorted(values)
    ev = {n: (Evidence(number="45/BC-SNV", date=date(2025, 11, 20), issuer="Sở Nội vụ"),)
          for n in data.draw(st.lists(st.sampled_from(names), max_size=3))} if names else {}
    notes = {n: "ghi chú" for n in data.draw(st.lists(st.sampled_from(names), max_size=3))} if names else {}
    same(M, replace(facts, claimed=claimed, evidence=ev, notes=notes), lang, engine)


@SETTINGS
@given(fact_sets(missing=False), fact_sets(missing=False))
def test_generated_items_equal_with_a_projected_survey(this_year, last_year):
    sv = survey_facts(M)
    blank = _facts({k: v for k, v in this_year.items() if k not in sv})
    projected = replace(blank, values={**blank.values, **{k: last_year[k] for k in sv}},
                        projected={k: last_year[k] for k in sv}, projection_source="last.yaml")
    same(M, projected)


@pytest.mark.parametrize("ref", known_methodologies())
def test_generated_items_equal_on_every_bundled_fixture(ref):
    m = load_methodology(ref)
    files = [f for f in sorted((ROOT / "fixtures").rglob("*.yaml"))
             if f"methodology: {ref}\n" in (text := f.read_text(encoding="utf-8")) and "\nfacts:" in text]
    if ref == "par-province-892":
        files += [ROOT / "fixtures/ca-mau-2025/weaknesses.yaml", ROOT / "fixtures/incomplete-2025.yaml"]
    assert files, f"no fixture uses {ref}"
    for f in files:
        facts = load_facts(f, m, strict=False)   # the audit's planted contradictions too
        for lang in ("vi", "en"):
            same(m, facts, lang, "durable")


def test_the_first_card_is_built_item_by_item_and_the_next_by_the_generated_function():
    plan = CardPlan(M, "vi")
    facts = load_facts(ROOT / "fixtures/ca-mau-2025/weaknesses.yaml", M)
    session = engine_for(M, "fast").evaluate(facts)
    first = plan.items_of(facts, session)
    assert plan._build is None
    second = plan.items_of(facts, session)
    assert plan._build is not None
    assert first == second
