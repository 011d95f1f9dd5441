"""JSON text is written by orjson, and must be the stdlib's exact bytes (`jsontext`).

What a user relies on: `score -f json`, the web API and `history` write exactly
`json.dumps(..., ensure_ascii=False, indent=2)`, and JSON Lines exactly
`json.dumps(..., ensure_ascii=False, separators=(",", ":"))`, whatever the values; a JSON
input holding half a surrogate pair is refused where it is read, never a traceback.
"""
from __future__ import annotations

import json
import math
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st

from conftest import ROOT, run_cli
from parscore import load_facts, load_methodology
from parscore.cards import card_json, card_line
from parscore.jsontext import dumps, dumps_bytes, lone_surrogate, plain
from parscore.scorecard import score_data

M = load_methodology("par-province-892")


def stdlib(data, indent=True):
    if indent:
        return json.dumps(data, ensure_ascii=False, indent=2, default=plain) + "\n"
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=plain) + "\n"


def same(data):
    for indent in (True, False):
        want = stdlib(data, indent)
        assert dumps(data, indent) == want
        assert dumps_bytes(data, indent) == want.encode("utf-8")


@pytest.mark.parametrize("value", [
    1e-7, -2.5e-05, 0.0001, 1e16, 1e22, 5e-324, -0.0, 0.1, 89.33, 100.0,    # floats: orjson writes 1e-7 for 1e-07
    Decimal("1E-7"), Decimal("0.00001"), Decimal("89.33"), Decimal("-0"),   # Decimals as floats
    2 ** 64, -(2 ** 63) - 1, 10 ** 40,                                      # beyond orjson's 64 bits
    {1: "a", 2: "b"}, {True: 1, None: 2},                                   # keys that are not text
    "e-government", "Thị xã \u0000\u001f\u2028", "😀 chữ Việt", "",          # text (e- in text only costs speed)
    {"a": [], "b": {}, "c": [[], [{}]]}, [], {},                            # empties, indented like the stdlib
    date(2025, 12, 31), (1, 2),
], ids=repr)
def test_the_stdlib_bytes_for_hostile_values(value):
    same({"v": value, "list": [value, {"k": value}]})


def test_non_finite_decimal_is_written_as_the_stdlib_writes_it():
    # orjson would write null; the stdlib's NaN / Infinity is kept
    assert dumps({"x": Decimal("NaN"), "y": Decimal("-Infinity")}, indent=False) == '{"x":NaN,"y":-Infinity}\n'


def test_what_json_cannot_write_is_the_same_error():
    with pytest.raises(TypeError):
        dumps({"x": object()})


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text()
    | st.floats(allow_nan=False, allow_infinity=False) | st.decimals(allow_nan=False, allow_infinity=False),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4),
    max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_any_document_is_the_stdlib_bytes(data):
    text = stdlib(data)
    if any(0xD800 <= ord(c) <= 0xDFFF for c in text):   # half a surrogate pair: no UTF-8 text holds it
        assert dumps(data) == text
        with pytest.raises(UnicodeEncodeError):
            dumps_bytes(data)
        return
    same(data)


@pytest.mark.parametrize("fixture", ["fixtures/ca-mau-2025/weaknesses.yaml", "fixtures/incomplete-2025.yaml",
                                     "fixtures/weak-province-2025.yaml"])
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_cards_are_the_stdlib_bytes(fixture, lang):
    data = score_data(M, load_facts(ROOT / fixture, M), lang, "fast")
    assert card_json(data) == stdlib(data)
    assert card_line(data) == stdlib(data, indent=False).encode("utf-8")
    assert json.loads(card_line(data)) == json.loads(card_json(data))


def test_lone_surrogate_found_anywhere_and_pairs_are_characters():
    assert lone_surrogate({"agency": {"name": "Cà Mau 😀"}, "facts": [1, 2.5, None, True]}) is None
    assert lone_surrogate(json.loads('{"a": "\\ud83d\\ude00"}')) is None          # a whole pair is one character
    assert lone_surrogate(json.loads('{"a": {"b": ["x\\ud800y"]}}')) == "\\ud800"
    assert lone_surrogate(json.loads('{"\\udfff": 1}')) == "\\udfff"               # in a key


def test_batch_refuses_a_line_with_half_a_surrogate_pair(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"agency": {"code": "t", "name": "X\\ud800Y"}, "year": 2025, "facts": {}}\n', encoding="utf-8")
    r = run_cli("score", "--batch", str(src), "--lang", "en")
    assert r.returncode == 2 and r.stdout == ""
    assert (f"parscore: {src}:1: not a JSON document for a person to read (\\ud800 is half of a surrogate pair, "
            "not a character); write the character itself [PS382]") in r.stderr
    vi = run_cli("score", "--batch", str(src))
    assert ("không phải tài liệu JSON đọc được (\\ud800 chỉ là một nửa của cặp thay thế (surrogate), "
            "không phải một ký tự); hãy ghi chính ký tự đó [PS382]") in vi.stderr


def test_json_lines_are_compact_utf8_one_card_per_line(tmp_path):
    src = tmp_path / "in.jsonl"
    doc = {"agency": {"code": "cm", "name": "Cà Mau"}, "year": 2025, "facts": {"tthc_dossiers_resolved": 10}}
    src.write_text(json.dumps(doc) + "\n" + json.dumps(doc) + "\n", encoding="utf-8")
    r = run_cli("score", "--batch", str(src), "--jobs", "1")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.split("\n")
    assert len(lines) == 3 and lines[2] == "" and lines[0] == lines[1]
    assert lines[0].startswith('{"methodology":{"id":"par-province-892",') and '"name":"Cà Mau"' in lines[0]
    assert not math.isnan(json.loads(lines[0])["total"])


def test_batch_output_never_replaces_its_input_and_is_announced(tmp_path):
    src = tmp_path / "in.jsonl"
    text = '{"agency": {"code": "cm", "name": "Cà Mau"}, "year": 2025, "facts": {}}\n'
    src.write_text(text, encoding="utf-8")
    r = run_cli("score", "--batch", str(src), "--jobs", "1", "-o", str(src), "--lang", "en")
    assert r.returncode == 2 and "is the input file; writing would destroy it, give another -o name [PS231]" in r.stderr
    assert src.read_text(encoding="utf-8") == text
    out = tmp_path / "cards.jsonl"
    r = run_cli("score", "--batch", str(src), "--jobs", "1", "-o", str(out), "--lang", "en")
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""
    assert f"parscore: wrote {out} ({out.stat().st_size} bytes)" in r.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["agency"]["name"] == "Cà Mau"


@pytest.mark.parametrize("value", [Decimal("0.00001"), Decimal("-2.5E-7"), Decimal("NaN"), Decimal("Infinity"), Decimal("0.0001")])
def test_a_card_with_decimals_only_needs_no_scan_and_is_still_the_stdlib_bytes(value):
    card = {"methodology": {"id": "par-province-892"}, "points": value, "items": [{"max": Decimal("2.00")}]}
    assert card_line(card) == stdlib(card, indent=False).encode("utf-8")
    assert card_json(card) == stdlib(card)


def test_lone_surrogate_looks_only_at_texts_with_such_an_escape():
    raw = '{"a": "x\\ud800y", "b": "\\\\ud800 is written as text"}'
    assert lone_surrogate(json.loads(raw), raw) == "\\ud800"
    assert lone_surrogate(json.loads(raw), raw.encode()) == "\\ud800"
    plain_text = '{"b": "\\\\ud800 is written as text"}'   # an escaped backslash: no surrogate at all
    assert lone_surrogate(json.loads(plain_text), plain_text) is None
    assert lone_surrogate({"a": "Cà Mau"}, '{"a": "Cà Mau"}') is None


@given(st.lists(st.integers(-10 ** 18, 10 ** 18), min_size=1, max_size=40))
@settings(max_examples=300, deadline=None)
def test_plain_decimals_are_written_unchecked_with_the_stdlib_bytes(tenths_of_thousandths):
    """Zero or 0.0001–10^14 in magnitude, multiples of 0.0001: float() as orjson writes it is
    the stdlib's text (the bound `cards.plain_number` keeps a card's sums within)."""
    values = [Decimal(k) * Decimal("0.0001") for k in tenths_of_thousandths if abs(k) <= 10 ** 18]
    data = {"points": values, "total": sum(values, Decimal(0))}
    assert dumps_bytes(data, indent=False, floats=False, plain=True) == stdlib(data, indent=False).encode("utf-8")


CLAIMS = st.one_of(st.decimals(min_value=0, max_value=10 ** 9, places=2), st.decimals(min_value=0, max_value=10, places=4),
                   st.sampled_from([Decimal("0.00001"), Decimal("2.5E-7"), Decimal(10) ** 20, Decimal("1E+400"),
                                    Decimal("0.12345"), Decimal("0.0001"), Decimal(10) ** 9 + 1]))


@given(st.data())
@settings(max_examples=60, deadline=None)
def test_a_batch_line_is_the_stdlib_bytes_whatever_the_claimed_points(data):
    """`score_line` writes a card unchecked only when its numbers are plain; claimed points
    a person wrote (tiny, huge, five decimals) make it write the checked way."""
    from dataclasses import replace

    from parscore.cards import plain_number, plan_for
    from parscore.scorecard import score_line

    facts = load_facts(ROOT / data.draw(st.sampled_from(["fixtures/ca-mau-2025/weaknesses.yaml",
                                                          "fixtures/weak-province-2025.yaml"])), M)
    codes = data.draw(st.lists(st.sampled_from(sorted(M.leaves)), max_size=6, unique=True))
    facts = replace(facts, claimed={c: data.draw(CLAIMS) for c in codes})
    card, line = score_line(M, facts, "vi", "fast")
    assert line == stdlib(card, indent=False).encode("utf-8")
    assert plan_for(M, "vi").plain_numbers(facts) == all(plain_number(v) for v in facts.claimed.values())


def test_claimed_points_that_are_not_plain_are_seen():
    from parscore.cards import plain_number

    assert [plain_number(Decimal(x)) for x in ("0", "0.25", "1E+9", "0.0001", "-3.5")] == [True] * 5
    assert [plain_number(Decimal(x)) for x in ("0.00001", "0.12345", "1000000001", "NaN", "1E+400")] == [False] * 5
