"""A reason is one sentence whichever way it is filled (`explanation.ReasonWriter`).

Cards fill each rule's template with one generated f-string (`fill`); the general path
fills it through a mapping (`general`, kept for templates with format specs and for kinds
that show session values). What an official reads must not depend on which ran: for every
rule of every bundled methodology, both languages, every outcome, and any values.
"""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st

from parscore import load_methodology
from parscore.explanation import ReasonWriter, reason_context
from parscore.kinds import for_score
from parscore.resources import known_methodologies

CASES = []
for ref in known_methodologies():
    m = load_methodology(ref)
    for rule in m.rules.values():
        for lang in ("vi", "en"):
            CASES.append((ref, rule.id, lang))

value_texts = st.one_of(st.none(), st.sampled_from(["true", "false", "2025-12-31"]),
                        st.decimals(min_value=-10**6, max_value=10**9, places=3, allow_nan=False).map(lambda d: format(d, "f")),
                        st.integers(min_value=0, max_value=10**12).map(str))


@pytest.mark.parametrize("ref,rule_id,lang", CASES, ids=[f"{r}:{i}:{lang}" for r, i, lang in CASES])
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_fill_is_the_general_reason(ref, rule_id, lang, data):
    m = load_methodology(ref)
    rule = next(r for r in m.rules.values() if r.id == rule_id)
    writer = ReasonWriter(m, rule, lang)
    if writer.compile() is None:
        return   # only the general path exists for this rule
    tier = data.draw(st.sampled_from([None, *for_score(rule.score).tiers(rule.score)]))
    static = reason_context(m, rule, tier, lang)
    values = {n: data.draw(value_texts) for n in m.reads(rule)}
    points = data.draw(st.decimals(min_value=0, max_value=m.leaves[rule.item].max, places=2))
    try:
        want = writer.general(static, values, points)
    except (KeyError, ArithmeticError, ValueError) as exc:
        with pytest.raises(type(exc)):
            writer.fill(static, values, points)
        return
    assert writer.fill(static, values, points) == want


def test_most_rules_are_filled_by_the_generated_path():
    m = load_methodology("par-province-892")
    writers = [ReasonWriter(m, r, "vi") for r in m.rules.values()]
    assert all(w.fill is None for w in writers)   # made on a second card only: a one-card command never waits for them
    assert sum(w.compile() is not None for w in writers) >= len(writers) - 5


def test_a_template_with_a_format_spec_takes_the_general_path():
    m = load_methodology("par-province-892")
    rule = next(iter(m.rules.values()))
    odd = rule.model_copy(update={"explain": rule.explain.model_copy(update={"vi": "{value:>8} / {max!r} {{giữ}}"})})
    w = ReasonWriter(m, odd, "vi")
    assert w.compile() is None
    assert w(reason_context(m, odd, None, "vi"), {rule.score.fact: "12.5"}, Decimal("1")).endswith("{giữ}")


def test_literal_braces_quotes_and_backslashes_are_kept():
    m = load_methodology("par-province-892")
    rule = next(iter(m.rules.values()))
    text = "a '{value}' \"b\" \\n {{x}} ''' đ {points}/{max}"
    odd = rule.model_copy(update={"explain": rule.explain.model_copy(update={"vi": text})})
    w = ReasonWriter(m, odd, "vi")
    assert w.compile() is not None
    static = reason_context(m, odd, None, "vi")
    values = {rule.score.fact: "12.5"}
    assert w.fill(static, values, Decimal("1.5")) == w.general(static, values, Decimal("1.5"))
    assert w.fill(static, values, Decimal("1.5")).startswith("a '12,5' \"b\" \\n {x} ''' đ 1,5/")


@settings(max_examples=2000, deadline=None)
@given(st.decimals(min_value=-2000, max_value=2000, places=6, allow_nan=False), st.sampled_from(["vi", "en"]))
def test_cutting_a_share_s_text_is_rounding_it_down(value, lang):
    from decimal import ROUND_FLOOR

    from parscore.explanation import fmt_number, floor_text

    for text in (format(value.normalize(), "f"), format(value, "f"), str(abs(value))):
        if text in ("-0", "0E-6"):
            continue
        got = floor_text(text, lang)
        if got is not None:
            assert got == fmt_number(Decimal(text).quantize(Decimal("0.01"), rounding=ROUND_FLOOR), lang), text
    assert floor_text("99.998", "vi") == "99,99" and floor_text("100", "en") == "100" and floor_text("0.5000", "vi") == "0,5"
    assert floor_text("1234.5", "vi") is None and floor_text("-1.5", "en") is None
