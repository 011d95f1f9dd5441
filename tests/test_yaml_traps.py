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
    agency = ("agency: {code: ca-mau, name: \"UBND tỉnh Cà Mau\"}", "agency: {code: cà-mau, name: \"UBND tỉnh Cà Mau\"}")
    last = ROOT / "fixtures" / "ca-mau-2024.yaml"   # last year's file, for the same agency (a baseline names its own agency)
    (tmp_path / "2024.yaml").write_text(last.read_text(encoding="utf-8").replace(*agency), encoding="utf-8")
    text = facts_text(FACTS).replace(*agency).replace(str(last.resolve()), str(tmp_path / "2024.yaml"))
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


# ---------------------------------------------------------------- digits a float cannot keep

LONG = "'33.3333333333333333333' has more significant digits than a number keeps here (15); write 33.3333333333333 [PS233]"


def test_a_number_with_more_digits_than_a_float_keeps_is_refused_with_its_rounded_form(tmp_path):
    """YAML (and JSON) read 33.3333333333333333333 as the float 33.333333333333336, which the
    card then scored and showed: a number the person never wrote."""
    assert problem(tmp_path, "a: 33.3333333333333333333\n") == f"1: a: {LONG}"
    # digits a float gives back as written are kept, however many (a spreadsheet's 0.1 + 0.2)
    f = tmp_path / "ok.yaml"
    f.write_text("a: 0.30000000000000004\nb: 12345678901234.5\nc: 100.000000000000000000\n", encoding="utf-8")
    assert load_yaml(f).data == {"a": 0.30000000000000004, "b": 12345678901234.5, "c": 100.0}


def test_a_json_lines_batch_and_the_api_refuse_it_too(tmp_path):
    line = '{"agency": {"code": "x", "name": "X"}, "year": 2025, "facts": {"par_inspection_coverage_rate": 33.3333333333333333333}}'
    (tmp_path / "in.jsonl").write_text(line + "\n", encoding="utf-8")
    r = run_cli("score", "--batch", "in.jsonl", "--jobs", "1", cwd=tmp_path)
    assert (r.returncode, r.stderr.splitlines()[0]) == (2, f"parscore: in.jsonl:1: {LONG}")
    from fastapi.testclient import TestClient

    from parscore.web.app import app

    with TestClient(app, base_url="http://127.0.0.1:8892") as client:
        r = client.post("/api/score", content=line.encode(), headers={"content-type": "application/json", "X-Parscore-CSRF": "1"})
    problem = r.json()["problems"][0]   # (in Vietnamese: the request's `lang` could not be read)
    assert (r.status_code, problem["message"], problem.get("code")) == (
        422, "'33.3333333333333333333' có nhiều chữ số có nghĩa hơn mức một số được giữ ở đây (15); hãy ghi 33.3333333333333",
        "PS233")


def test_a_json_lines_file_saved_with_a_byte_order_mark_is_read(tmp_path):
    """Windows Notepad saves UTF-8 with a BOM: the first line was refused as not JSON."""
    line = json.dumps({"agency": {"code": "x", "name": "X"}, "year": 2025, "facts": {}})
    (tmp_path / "in.jsonl").write_text("\ufeff" + line + "\n" + line + "\n", encoding="utf-8")
    r = run_cli("score", "--batch", "in.jsonl", "--jobs", "1", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    first, second = r.stdout.splitlines()
    assert first == second


@settings(max_examples=300, deadline=None)
@given(st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(lambda d: d != 0 and abs(d.adjusted()) < 20),
       st.integers(1, 25))
def test_a_number_is_refused_exactly_when_a_float_would_change_its_digits(d, digits):
    from decimal import Context, Decimal

    from parscore.yamlio import digits_lost

    text = format(Context(prec=digits).plus(d), "f")
    if "." not in text:
        text += ".0"
    why = digits_lost(text)
    changed = Decimal(repr(float(text))) != Decimal(text)
    assert (why is not None) == changed
    if why is not None:   # the suggested form is itself kept as written
        suggestion = why.rsplit("write ", 1)[1]
        assert digits_lost(suggestion) is None and Decimal(repr(float(suggestion))) == Decimal(suggestion)


def test_a_key_written_twice_in_a_json_document_is_refused_as_in_yaml(tmp_path):
    """json.loads keeps the last of two equal keys in silence: a fact given twice was scored on
    its second value, the first dropped. YAML documents already refuse it (PS007)."""
    lines = ['{"agency": {"code": "x", "name": "X"}, "year": 2025, "facts": {"par_annual_plan_days_late": 0, '
             '"par_annual_plan_days_late": 9}}',
             '{"agency": {"code": "x", "name": "X"}, "agency": {"code": "y", "name": "Y"}, "year": 2025, "facts": {}}']
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = run_cli("score", "--batch", "in.jsonl", "--jobs", "1", cwd=tmp_path)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.splitlines()[:2] == [
        "parscore: in.jsonl:1: duplicate key 'par_annual_plan_days_late'; each key may appear once [PS007]",
        "parscore: in.jsonl:2: duplicate key 'agency'; each key may appear once [PS007]"]
    from fastapi.testclient import TestClient

    from parscore.web.app import app

    with TestClient(app, base_url="http://127.0.0.1:8892") as client:
        r = client.post("/api/score", content=lines[0].encode(), headers={"content-type": "application/json",
                                                                            "X-Parscore-CSRF": "1"})
    assert (r.status_code, r.json()["problems"][0]["code"]) == (422, "PS007")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-8-sig"])
def test_a_facts_file_saved_by_notepad_as_unicode_scores_as_its_utf8_copy(tmp_path, encoding):
    """Notepad's "Unicode" is UTF-16 with a byte-order mark; it was refused as not UTF-8."""
    text = facts_text(FACTS)
    raw = text.encode(encoding)
    if encoding == "utf-16-be":
        raw = b"\xfe\xff" + raw
    (tmp_path / "u.yaml").write_bytes(raw)
    (tmp_path / "a.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "lead-units.yaml").write_bytes((FACTS.parent / "lead-units.yaml").read_bytes())
    got = run_cli("score", "u.yaml", "-f", "json", cwd=tmp_path)
    want = run_cli("score", "a.yaml", "-f", "json", cwd=tmp_path)
    assert got.returncode == 0, got.stderr
    assert got.stdout == want.stdout


def test_broken_utf16_says_so(tmp_path):
    (tmp_path / "u.yaml").write_bytes(b"\xff\xfe" + "agency: x\n".encode("utf-16-le") + b"\x00\xd8")
    r = run_cli("score", "u.yaml", cwd=tmp_path)
    assert (r.returncode, r.stderr.strip()) == (2, "parscore: u.yaml: not valid UTF-16 text (it begins with UTF-16's mark); "
                                                   "save the file as UTF-8 [PS003]")


@pytest.mark.parametrize("value, error", [
    ("017", "'017' starts with 0, so YAML reads it as an octal number (15); write 17 without the leading zero, "
            "or '017' in quotes if it is a code [PS233]"),
    ("0x1F", "'0x1F' is a hexadecimal number; write it in decimal digits: 31 [PS233]"),
    ("1:30", "'1:30' is read by YAML as a base-60 number (90); write 90 if that is meant, or put '1:30' in quotes "
             "if it is a time or a text [PS233]"),
])
def test_a_value_typed_on_the_command_line_or_the_web_page_has_the_files_traps(value, error):
    """`--set FACT=017` simulated 15 inspected units in silence (and the web page's what-if the
    same): the value was read by PyYAML without the checks a facts file gets."""
    r = run_cli("simulate", str(FACTS), "--set", f"par_inspection_units_inspected={value}")
    assert (r.returncode, r.stderr.strip()) == (2, f"parscore: --set: par_inspection_units_inspected: {error}")
    from parscore import load_methodology
    from parscore.web.core import parse_change

    with pytest.raises(InputError) as e:
        parse_change("par_inspection_units_inspected", value, load_methodology("par-province-892"))
    assert str(e.value) == f"request: par_inspection_units_inspected: {error}"
    ok = run_cli("simulate", str(FACTS), "--set", "par_inspection_units_inspected=17", "-f", "json")
    assert ok.returncode == 0 and json.loads(ok.stdout)["changes"][0]["after"] == "17"


@pytest.mark.parametrize("value", ["", "null", "~"])
def test_set_with_nothing_makes_the_fact_missing_as_the_web_pages_what_if_does(value):
    """`--set FACT=` was refused ("expected a number, got NoneType") where the web page's what-if
    with an empty value makes the fact missing: one reader serves both now."""
    r = run_cli("simulate", str(FACTS), "--set", f"par_inspection_units_inspected={value}", "-f", "json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["changes"] == [{"fact": "par_inspection_units_inspected", "before": "22", "after": None}]
    item = next(i for i in out["items"] if i["code"] == "1.3.1")
    assert (item["status_before"], item["status_after"]) == ("partial", "missing_facts")
    bad = run_cli("simulate", str(FACTS), "--set", f"not_a_fact={value}", "--lang", "en")
    assert (bad.returncode, bad.stderr.strip()) == (2, "parscore: --set: not_a_fact: 'not_a_fact' is not in the catalogue [PS075]")
