"""Bad input: exit code 2, a located message naming the field and the fix, no traceback."""
from __future__ import annotations

import re

import pytest

from conftest import ROOT, run_cli as _run_cli


def run_cli(*args: str, **kw):
    """Messages are compared in English, their message id (tests/test_i18n.py checks the Vietnamese)."""
    return _run_cli(*args, "--lang", "en", **kw)

BAD = "tests/data/bad"

CASES = [
    ("malformed.yaml", "tests/data/bad/malformed.yaml:6: malformed YAML: did not find expected ',' or ']' (the flow sequence began on line 5) [PS005]"),
    ("empty.yaml", "tests/data/bad/empty.yaml: file is empty; expected a YAML mapping [PS004]"),
    ("unknown-fact.yaml", "tests/data/bad/unknown-fact.yaml:6: facts.unit_inspected: unknown fact 'unit_inspected' (did you mean 'units_inspected'?); `parscore facts` lists the catalogue [PS075]"),
    ("wrong-type.yaml", "tests/data/bad/wrong-type.yaml:6: facts.plan_issued: expected true or false, got the text 'có'; write true or false, without quotes [PS078]"),
    ("negative-count.yaml", "tests/data/bad/negative-count.yaml:5: facts.violations: a count cannot be negative, got -2 [PS078]"),
    ("percent-over-100.yaml", "tests/data/bad/percent-over-100.yaml:5: facts.disbursement_rate: a percentage must lie within 0–100, got 104.5 (write 95 for 95%) [PS078]"),
    ("decimal-comma.yaml", "tests/data/bad/decimal-comma.yaml:5: facts.satisfaction: '89,33' uses a decimal comma; write 89.33 (a dot, without quotes) [PS078]"),
    ("thousands.yaml", "tests/data/bad/thousands.yaml:5: facts.units_in_scope: '1.234' has thousands separators; write 1234 (digits only, without quotes) [PS078]"),
    ("duplicate-key.yaml", "tests/data/bad/duplicate-key.yaml:6: facts.violations: duplicate key 'violations' (first on line 5); each key may appear once [PS007]"),
    ("part-over-whole.yaml", "tests/data/bad/part-over-whole.yaml:6: facts.units_inspected: units_inspected = 12 is larger than its whole units_in_scope = 10; a part cannot exceed its whole [PS079]"),
    ("unknown-methodology.yaml", "tests/data/bad/unknown-methodology.yaml:3: methodology: unknown methodology 'par-province-829'; did you mean 'par-province-892'? [PS020]"),
    ("derived-given.yaml", "tests/data/bad/derived-given.yaml:7: facts.inspection_coverage: 'inspection_coverage' is computed from units_inspected, units_in_scope, which are given too; give either the value or its inputs, not both [PS074]"),
    ("fractional-count.yaml", "tests/data/bad/fractional-count.yaml:5: facts.violations: a count must be a whole number, got 1.5 (write 1234 for one thousand two hundred thirty-four: no separators) [PS078]"),
    ("not-a-mapping.yaml", "tests/data/bad/not-a-mapping.yaml:1: expected a facts mapping with agency, year and facts [PS070]"),
    ("bad-year.yaml", "tests/data/bad/bad-year.yaml:2: year: expected a year such as 2025, got 'năm 2025' [PS072]"),
]


@pytest.mark.parametrize("name,message", CASES, ids=[c[0] for c in CASES])
def test_bad_facts_file(name, message):
    result = run_cli("score", f"{BAD}/{name}")
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [f"parscore: {message}"]
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_missing_file():
    result = run_cli("score", "nowhere.yaml")
    assert (result.returncode, result.stderr.strip()) == (2, "parscore: nowhere.yaml: file not found [PS001]")


def test_all_problems_reported_at_once(tmp_path):
    f = tmp_path / "many.yaml"
    f.write_text("agency: T\nyear: 2025\nmethodology: %s\nfacts:\n  violations: -1\n  satisfaction: 101\n  plan_issued: 2\n"
                 % (ROOT / "tests/data/mini/mini.yaml"), encoding="utf-8")
    result = run_cli("score", str(f))
    assert result.returncode == 2
    located = [re.match(r"parscore: (.+?):(\d+): ([\w.]+):", ln).groups() for ln in result.stderr.strip().splitlines()]
    assert located == [(str(f), "5", "facts.violations"), (str(f), "6", "facts.satisfaction"), (str(f), "7", "facts.plan_issued")]


def test_unknown_item_for_explain():
    result = run_cli("explain", "tests/data/mini/facts-a.yaml", "1.1.9")
    assert result.returncode == 2
    assert result.stderr.strip() == "parscore: CODE: 1.1.9: '1.1.9' is not a sub-criterion of mini (did you mean '1.1.2'?) [PS090]"


def test_size_cap(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_bytes(b"agency: x\nyear: 2025\nfacts:\n" + b"# padding\n" * 600_000)
    r = run_cli("score", str(big))
    assert r.returncode == 2
    assert r.stderr.strip() == f"parscore: {big}: file is {big.stat().st_size} bytes; the limit is 5242880 bytes [PS002]"


def test_unsafe_tags_are_refused_not_run(tmp_path):
    evil = tmp_path / "evil.yaml"
    marker = tmp_path / "pwned"
    evil.write_text(f"agency: x\nyear: 2025\nfacts: !!python/object/apply:os.system ['touch {marker}']\n", encoding="utf-8")
    r = run_cli("score", str(evil))
    assert r.returncode == 2 and "PS005" in r.stderr and not marker.exists()


def test_output_goes_only_where_asked(tmp_path):
    before = set((ROOT).rglob("*"))
    out = tmp_path / "card.json"
    r = run_cli("score", "fixtures/ca-mau-2025/weaknesses.yaml", "-f", "json", "-o", str(out))
    assert r.returncode == 0 and r.stdout == "" and out.read_text(encoding="utf-8").startswith("{")
    assert {p for p in ROOT.rglob("*") if "__pycache__" not in p.parts and ".hypothesis" not in p.parts} <= before | set()


def test_a_derived_value_may_be_given_when_its_inputs_are_not(tmp_path):
    f = tmp_path / "d.yaml"
    f.write_text("agency: {code: t, name: T}\nyear: 2025\nfacts:\n  par_inspection_coverage_rate: 30\n"
                 "  tthc_dossiers_on_time_rate: 99.5\n", encoding="utf-8")
    import json
    card = json.loads(run_cli("score", str(f), "-f", "json").stdout)
    items = {i["code"]: (i["points"], i["status"]) for i in card["items"]}
    assert items["1.3.1"] == (0.5, "full")        # its maximum, 0.5: the plan's >= 30% inspected
    assert items["3.4.1"][1] == "partial"         # 99.5% on time is not the plan's 100%
    bad = tmp_path / "e.yaml"
    bad.write_text("agency: {code: t, name: T}\nyear: 2025\nfacts:\n  par_inspection_coverage_rate: 130\n", encoding="utf-8")
    r = run_cli("score", str(bad))
    assert r.returncode == 2 and r.stderr.strip() == (
        f"parscore: {bad}:4: facts.par_inspection_coverage_rate: a percentage must lie within 0–100, got 130 (write 95 for 95%) [PS078]")


def test_agency_and_year_may_be_left_out_but_history_needs_the_year(tmp_path):
    f = tmp_path / "min.yaml"
    f.write_text("facts:\n  par_inspection_coverage_rate: 31\n", encoding="utf-8")
    r = run_cli("score", str(f), "--lang", "en")
    assert r.returncode == 0, r.stderr
    assert "Agency            —\nYear              —" in r.stdout
    h = run_cli("history", "add", str(f), "--store", str(tmp_path / "h.sqlite"))
    assert h.returncode == 2
    assert h.stderr.strip() == (f"parscore: {tmp_path / 'h.sqlite'}: year: the facts file gives no year; "
                                "history is kept by agency and year [PS167]")
