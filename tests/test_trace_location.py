"""Every trace step names where its rule (or derived fact) is written, as `file:line`
relative to the methodology file's directory: the same text on every machine."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from parscore import load_methodology, score
from parscore.loading import load_facts

WEAK = ROOT / "fixtures" / "ca-mau-2025" / "weaknesses.yaml"


@pytest.mark.parametrize("backend", ["durable", "fast"])
def test_each_trace_step_points_at_the_line_of_its_rule_or_derived_fact(par892, backend):
    card = score(par892, load_facts(WEAK, par892), "vi", backend)
    base = Path(par892.path).parent
    steps = [s for it in card.items for s in it.trace]
    assert len(steps) > 88
    for it in card.items:
        for s in it.trace:
            file, line = s.location.rsplit(":", 1)
            assert re.fullmatch(r"\.\./rules/par-province-892/field-[1-8]\.yaml", file), s.location
            text = (base / file).read_text(encoding="utf-8").splitlines()[int(line) - 1]
            if s.kind == "derive":
                assert text.strip() == s.rule.removeprefix("derive:") + ":"
            else:
                assert text.strip() == f"- id: {it.rule}"


def test_the_location_of_1_3_1s_steps(par892):
    item = score(par892, load_facts(WEAK, par892), "vi", "fast").item("1.3.1")
    assert [(s.rule, s.location) for s in item.trace] == [
        ("derive:par_inspection_coverage_rate", "../rules/par-province-892/field-1.yaml:154"),
        ("par-inspection-coverage#tier-2", "../rules/par-province-892/field-1.yaml:232")]


def test_locations_do_not_depend_on_where_the_methodology_lies(tmp_path):
    cards = []
    for where in ("a", "b/deeper"):
        shutil.copytree(ROOT / "tests" / "data" / "mini", tmp_path / where)
        m = load_methodology(tmp_path / where / "mini.yaml")
        cards.append(score(m, load_facts(ROOT / "tests" / "data" / "mini" / "facts-a.yaml", m), "en").model_dump(mode="json"))
    assert cards[0] == cards[1]
    assert {s["location"] for it in cards[0]["items"] for s in it["trace"]} >= {"rules/all.yaml:45", "rules/all.yaml:56"}   # inspection_coverage, coverage


def test_json_and_explain_show_the_location():
    out = run_cli("score", str(WEAK), "-f", "json")
    assert out.returncode == 0
    item = next(it for it in json.loads(out.stdout)["items"] if it["code"] == "1.3.1")
    assert list(item["trace"][-1]) == ["rule", "kind", "inputs", "output", "location"]
    for lang, head in (("vi", "Vị trí (tệp:dòng)"), ("en", "Written at (file:line)")):
        out = run_cli("explain", str(WEAK), "1.3.1", "--lang", lang)
        assert out.returncode == 0
        lines = out.stdout.splitlines()
        assert head in lines[-4]
        assert lines[-1].endswith("../rules/par-province-892/field-1.yaml:232")
