"""YAML 1.1 number notations are refused with the plain form to write, and text read is NFC."""
from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from conftest import ROOT, facts_text, run_cli
from parscore import InputError
from parscore.yamlio import load_yaml

FACTS = ROOT / "fixtures" / "ca-mau-2025" / "weaknesses.yaml"



@pytest.fixture(autouse=True)
def _english(monkeypatch):
    """English message ids are compared here (tests/test_i18n.py checks their Vietnamese)."""
    monkeypatch.setenv("PARSCORE_LANG", "en")

def problem(tmp_path: Path, text: str) -> str:
    f = tmp_path / "t.yaml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_yaml(f)
    return str(e.value).removeprefix(f"{f}:")


@pytest.mark.parametrize("value, expect", [
    ("017", "1: a: '017' starts with 0, so YAML reads it as an octal number (15); write 17 without the leading zero, "
            "or '017' in quotes if it is a code [PS233]"),
    ("-017", "1: a: '-017' starts with 0, so YAML reads it as an octal number (-15); write -17 without the leading zero, "
             "or '-017' in quotes if it is a code [PS233]"),
    ("1:30", "1: a: '1:30' is read by YAML as a base-60 number (90); write 90 if that is meant, or put '1:30' in quotes "
             "if it is a time or a text [PS233]"),
    ("1:30.5", "1: a: '1:30.5' is read by YAML as a base-60 number (90.5); write 90.5 if that is meant, or put '1:30.5' "
               "in quotes if it is a time or a text [PS233]"),
    ("0x1F", "1: a: '0x1F' is a hexadecimal number; write it in decimal digits: 31 [PS233]"),
    ("0b101", "1: a: '0b101' is a binary number; write it in decimal digits: 5 [PS233]"),
    ("0o17", "1: a: '0o17' is not read as a number by YAML 1.1; write it in decimal digits: 15 [PS233]"),
    ("1_000", "1: a: '1_000' has '_' between digits; write 1000 (digits only) [PS233]"),
    ("1_000.5", "1: a: '1_000.5' has '_' between digits; write 1000.5 (digits only) [PS233]"),
    ("١٧", "1: a: '١٧' is written with non-ASCII digits; write 17 (digits 0-9) [PS233]"),
    ("１７", "1: a: '１７' is written with non-ASCII digits; write 17 (digits 0-9) [PS233]"),
    ("'٨٦.٤٢'", "1: a: '٨٦.٤٢' is written with non-ASCII digits; write 86.42 (digits 0-9) [PS233]"),
])
def test_yaml_11_number_traps_are_refused_with_the_plain_form(tmp_path, value, expect):
    assert problem(tmp_path, f"a: {value}\n") == expect


@pytest.mark.parametrize("text, data", [
    ("a: '017'\n", {"a": "017"}), ("a: 17\n", {"a": 17}), ("a: 0\n", {"a": 0}), ("a: 0.5\n", {"a": 0.5}),
    ("a: '1:30'\n", {"a": "1:30"}), ("a: 2025-01-07\n", {"a": __import__("datetime").date(2025, 1, 7)}),
    ("a: UBND tỉnh 1\n", {"a": "UBND tỉnh 1"}), ("a: Quyết định 892/QĐ-BNV\n", {"a": "Quyết định 892/QĐ-BNV"}),
])
def test_plain_values_still_read(tmp_path, text, data):
    f = tmp_path / "ok.yaml"
    f.write_text(text, encoding="utf-8")
    assert load_yaml(f).data == data


def test_a_trap_in_a_key_is_located_too(tmp_path):
    assert problem(tmp_path, "x:\n  017: a\n") == ("2: x: '017' starts with 0, so YAML reads it as an octal number (15); "
                                                   "write 17 without the leading zero, or '017' in quotes if it is a code [PS233]")


def test_a_5000_digit_number_gets_one_short_line(tmp_path):
    msg = problem(tmp_path, "a: " + "9" * 5000 + "\n")
    assert msg == ("1: a: '999999999999999999999999999999999999999…' is a number of 5000 digits, too long to be a real "
                   "value; check the value (at most 15 digits before the point) [PS233]")


def test_a_long_quoted_value_is_echoed_short_in_the_cli(tmp_path):
    text = facts_text(FACTS).replace("year: 2025", "year: '" + "9" * 5000 + "'")
    (tmp_path / "f.yaml").write_text(text, encoding="utf-8")
    r = run_cli("score", str(tmp_path / "f.yaml"))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert all(len(line) < 400 for line in r.stderr.splitlines()), r.stderr[:500]


def test_the_cli_refuses_an_octal_fact(tmp_path):
    text = facts_text(FACTS)
    assert "  par_inspection_units_inspected: 22\n" in text
    bad = text.replace("  par_inspection_units_inspected: 22\n", "  par_inspection_units_inspected: 022\n")
    (tmp_path / "f.yaml").write_text(bad, encoding="utf-8")
    r = run_cli("score", str(tmp_path / "f.yaml"))
    lineno = bad.splitlines().index("  par_inspection_units_inspected: 022") + 1
    assert r.returncode == 2
    assert r.stderr.strip() == (f"parscore: {tmp_path / 'f.yaml'}:{lineno}: facts.par_inspection_units_inspected: '022' "
                                "starts with 0, so YAML reads it as an octal number (18); write 22 without the leading "
                                "zero, or '022' in quotes if it is a code [PS233]")


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=10 ** 12))
def test_plain_decimal_integers_read_as_themselves(tmp_path_factory, n):
    """Law: a decimal integer written without a leading zero is never refused and never changed."""
    f = tmp_path_factory.mktemp("n") / "n.yaml"
    f.write_text(f"a: {n}\n", encoding="utf-8")
    assert load_yaml(f).data == {"a": n}


# --- NFC ---------------------------------------------------------------------------------------

def test_text_read_is_nfc(tmp_path):
    f = tmp_path / "nfd.yaml"
    name = unicodedata.normalize("NFD", "UBND tỉnh Cà Mau")
    f.write_text(f"agency: {{code: cà-mau, name: {name}}}\n".replace("cà", unicodedata.normalize("NFD", "cà")), encoding="utf-8")
    data = load_yaml(f).data
    assert data == {"agency": {"code": "cà-mau", "name": "UBND tỉnh Cà Mau"}}
    assert unicodedata.is_normalized("NFC", json.dumps(data, ensure_ascii=False))


def test_an_nfd_agency_is_the_same_agency_in_the_history_store(tmp_path):
    text = facts_text(FACTS).replace("agency: {code: ca-mau, name: \"UBND tỉnh Cà Mau\"}",
                                                     "agency: {code: cà-mau, name: \"UBND tỉnh Cà Mau\"}")
    (tmp_path / "nfc.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "nfd.yaml").write_text(unicodedata.normalize("NFD", text), encoding="utf-8")
    store = str(tmp_path / "h.sqlite")
    assert run_cli("history", "add", str(tmp_path / "nfc.yaml"), "--store", store).returncode == 0
    r = run_cli("history", "add", str(tmp_path / "nfd.yaml"), "--store", store)
    assert r.returncode == 0, r.stderr
    listed = json.loads(run_cli("history", "list", "--store", store, "-f", "json").stdout)
    assert [e["agency"] for e in listed] == ["cà-mau"] * 4  # one agency, not a second one spelled in NFD
    nfd_code = unicodedata.normalize("NFD", "cà-mau")  # typed in NFD on the command line: the same agency
    assert len(json.loads(run_cli("history", "list", nfd_code, "--store", store, "-f", "json").stdout)) == 4
