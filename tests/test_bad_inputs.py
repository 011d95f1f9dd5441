"""Bad input: exit code 2, a located message naming the field and the fix, no traceback.

The broken files themselves are one corpus, tests/data/invalid/ (tests/test_invalid_corpus.py);
these are the cases a file in a corpus cannot hold (a missing file, a size cap, several
problems at once, a command's own argument)."""
from __future__ import annotations

import re

from conftest import ROOT, run_cli as _run_cli


def run_cli(*args: str, **kw):
    """Messages are compared in English, their message id (tests/test_i18n.py checks the Vietnamese)."""
    return _run_cli(*args, "--lang", "en", **kw)

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
