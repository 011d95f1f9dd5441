"""Appraisal rounds, the history store (concurrency, crashes, foreign files, migrations), diff."""
from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from decimal import Decimal

import pytest

from conftest import ROOT, run_cli
from parscore import InputError, load_facts, load_methodology
from parscore.appraisal import appraise, load_appraisal, self_assessment
from parscore.history import HistoryStore

FACTS = "fixtures/ca-mau-2025/weaknesses.yaml"
APPRAISAL = "fixtures/ca-mau-2025/appraisal-2025.yaml"


@pytest.fixture(scope="module")
def cards():
    m = load_methodology("par-province-892")
    f = load_facts(ROOT / FACTS, m)
    return m, f, appraise(m, f, load_appraisal(ROOT / APPRAISAL, m, f), "en"), self_assessment(m, f, "en")


def test_two_rounds_final_is_the_last_round(cards):
    _, _, final, own = cards
    assert (own.total, final.total) == (Decimal("90.65"), Decimal("88.90"))
    item = final.item("8.5.1")
    assert [(h.stage, h.points) for h in item.history] == [
        ("self", Decimal("1.25")), ("computed", Decimal("0.75")), ("round-1", Decimal("0.75")),
        ("explanation", None), ("round-2", Decimal("1.0"))]
    assert item.points == Decimal("1.0") and item.computed == Decimal("0.75")
    assert final.item("3.3.1").points == Decimal("0.75")
    assert final.appraisal_errors is None


def test_adjustment_without_reason_is_an_error(tmp_path):
    f = tmp_path / "a.yaml"
    f.write_text("agency: ca-mau\nyear: 2025\nrounds:\n  - round: 1\n    appraiser: HĐTĐ\n    items:\n"
                 "      \"1.3.1\": {score: 0.25}\n", encoding="utf-8")
    r = run_cli("appraise", FACTS, str(f), "--lang", "en")
    assert r.returncode == 1
    assert "APPRAISAL ERRORS\n  1.3.1: round 1 adjusts 0.5 → 0.25 with no reason" in r.stdout


def test_appraisal_of_a_survey_item_is_refused(tmp_path):
    f = tmp_path / "a.yaml"
    f.write_text("agency: ca-mau\nyear: 2025\nrounds:\n  - round: 1\n    appraiser: HĐTĐ\n    items:\n"
                 "      \"8.1.1\": {score: 5, reason: x}\n", encoding="utf-8")
    r = run_cli("appraise", FACTS, str(f), "--lang", "en")
    assert r.returncode == 2
    assert r.stderr.strip() == f"parscore: {f}:7: rounds.1.8.1.1: survey-scored items are not appraised [PS154]"


def test_history_add_list_show_trend_and_diff(tmp_path):
    store = str(tmp_path / "h.sqlite")
    r = run_cli("history", "add", FACTS, "--appraisal", APPRAISAL, "--store", store)
    assert (r.returncode, r.stdout.strip()) == (0, "1 2 3 4"), r.stderr
    again = run_cli("history", "add", FACTS, "--appraisal", APPRAISAL, "--store", store)
    assert again.stdout.strip() == "1 2 3 4"  # the same inputs are stored once
    listed = json.loads(run_cli("history", "list", "ca-mau", "--store", store, "-f", "json").stdout)
    assert [(e["stage"], e["index"]) for e in listed] == [("self", "90.65"), ("computed", "88.65"), ("round-1", "88.65"), ("round-2", "88.90")]
    trend = run_cli("history", "trend", "ca-mau", "--store", store).stdout.splitlines()
    assert trend[0].split("  ")[0] == "Năm" and trend[-1].split() == ["2025", "90,65", "88,65", "88,65", "88,90"]
    trend = run_cli("history", "trend", "ca-mau", "--store", store, "--lang", "en").stdout.splitlines()
    assert trend[-1].split() == ["2025", "90.65", "88.65", "88.65", "88.90"]
    as_json = json.loads(run_cli("history", "trend", "ca-mau", "--store", store, "-f", "json").stdout)   # was the table
    assert [(e["year"], e["stage"], e["index"]) for e in as_json] == [
        (2025, "self", "90.65"), (2025, "computed", "88.65"), (2025, "round-1", "88.65"), (2025, "round-2", "88.90")]
    shown = json.loads(run_cli("history", "show", "4", "--store", store, "-f", "json").stdout)
    assert shown["stage"] == "round-2" and shown["total"] == 88.9
    d = json.loads(run_cli("diff", "history:1", "history:4", "--store", store, "-f", "json", "--lang", "en").stdout)
    assert [(i["code"], i["a"], i["b"]) for i in d["items"]] == [("1.3.1", 0.5, 0.25), ("2.2.2", 1.5, 0.75), ("3.3.1", 1.25, 0.75), ("8.5.1", 1.25, 1.0)]
    assert all(i["reasons_b"] for i in d["items"])  # every changed point is explained
    assert sum(Decimal(str(i["delta"])) for i in d["items"]) == Decimal(str(d["total_b"])) - Decimal(str(d["total_a"]))


def test_diff_between_json_scorecards(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(run_cli("score", "fixtures/weak-province-2025.yaml", "-f", "json").stdout, encoding="utf-8")
    b.write_text(run_cli("score", FACTS, "-f", "json").stdout, encoding="utf-8")
    d = json.loads(run_cli("diff", str(a), str(b), "-f", "json").stdout)
    assert Decimal(str(d["total_b"])) - Decimal(str(d["total_a"])) == sum(Decimal(str(i["delta"])) for i in d["items"])
    bad = tmp_path / "x.json"
    bad.write_text('{"hello": 1}', encoding="utf-8")
    r = run_cli("diff", str(bad), str(b), "--lang", "en")
    assert r.returncode == 2 and "not a parscore scorecard JSON" in r.stderr


def test_a_trend_across_methodologies_names_each_years_and_says_they_do_not_compare(tmp_path):
    """A trend mixing years judged under another methodology (an older decision, a unit table)
    showed the indices side by side as one series."""
    store = str(tmp_path / "h.sqlite")
    old = (ROOT / "tests/data/mini/facts-a.yaml").read_text(encoding="utf-8")
    old = old.replace('agency: {code: test, name: "Tỉnh thử"}', 'agency: {code: ca-mau, name: "UBND tỉnh Cà Mau"}')
    old = old.replace("year: 2025", "year: 2023").replace("methodology: mini.yaml",
                                                          f"methodology: {ROOT / 'tests/data/mini/mini.yaml'}")
    (tmp_path / "2023.yaml").write_text(old, encoding="utf-8")
    assert run_cli("history", "add", FACTS, "--store", store).returncode == 0
    one = run_cli("history", "trend", "ca-mau", "--store", store, "--lang", "en").stdout
    assert "methodology" not in one and "judged" not in one   # one methodology: the plain series
    r = run_cli("history", "add", str(tmp_path / "2023.yaml"), "--store", store)
    assert r.returncode == 0, r.stderr
    lines = run_cli("history", "trend", "ca-mau", "--store", store, "--lang", "en").stdout.splitlines()
    assert [x.split() for x in lines[2:4]] == [["2023", "73.10", "63.10", "mini", "2025-01-01"],
                                               ["2025", "90.65", "88.65", "par-province-892", "2024-12-05"]]
    assert lines[-1] == ("The years were judged under different methodologies, versions or rules (last column; a code in "
                         "brackets tells apart two sets of rules under one version, such as an overlay): an index is "
                         "comparable only with the years judged under the same rules.")
    # the same methodology and version under other rules (an overlay): told apart by the rules' digest
    overlay = tmp_path / "ov.yaml"
    overlay.write_text('overlay: "Bảng thử"\ncitation: "QĐ thử"\nitems:\n  "1.1.1": {name: {vi: "Kế hoạch", en: "Plan"}}\n',
                       encoding="utf-8")
    other = tmp_path / "o.sqlite"
    assert run_cli("history", "add", "fixtures/ca-mau-2024.yaml", "--store", str(other)).returncode == 0
    assert run_cli("history", "add", FACTS, "--store", str(other), "--overlay", str(overlay)).returncode == 0
    entries = json.loads(run_cli("history", "list", "ca-mau", "--store", str(other), "-f", "json").stdout)
    digests = {e["year"]: e["digest"][:8] for e in entries}
    rows = run_cli("history", "trend", "ca-mau", "--store", str(other), "--lang", "en").stdout.splitlines()
    assert [x.split()[-1] for x in rows[2:4]] == [f"({digests[2024]})", f"({digests[2025]})"] and digests[2024] != digests[2025]


def test_a_diff_says_when_the_two_cards_were_judged_under_other_rules(tmp_path):
    """A diff across methodologies listed 'changes' between unrelated criteria sharing a code
    (1.1.1 of the national table against 1.1.1 of another), and a diff across rule versions
    did not say a change could come from the rules rather than the facts."""
    mini = ROOT / "tests/data/mini/facts-a.yaml"
    cards = {"national": ["score", FACTS], "mini": ["score", str(mini)], "same": ["score", "fixtures/weak-province-2025.yaml"],
             "overlay": ["score", str(mini), "--overlay", str(ROOT / "tests/data/overlay/mini-official.yaml")]}
    for name, argv in cards.items():
        (tmp_path / f"{name}.json").write_text(run_cli(*argv, "-f", "json").stdout, encoding="utf-8")

    def judged(a: str, b: str) -> tuple[str, str]:
        data = json.loads(run_cli("diff", str(tmp_path / f"{a}.json"), str(tmp_path / f"{b}.json"), "-f", "json").stdout)
        text = run_cli("diff", str(tmp_path / f"{a}.json"), str(tmp_path / f"{b}.json"), "--lang", "en").stdout
        said = [line for line in text.splitlines() if line.startswith("A and B were judged")]
        return data["judged_under"], said[0] if said else ""

    assert judged("national", "same") == ("same", "")
    assert judged("national", "mini") == ("other_methodology", "A and B were judged under different methodologies "
                                          "(par-province-892 2024-12-05 / mini 2025-01-01): a code need not name the same "
                                          "criterion on both sides, so compare the totals and indices, not the items below.")
    assert judged("mini", "overlay") == ("other_rules", "A and B were judged under different rules (mini 2025-01-01 / "
                                         "mini 2025-01-01: another version, rules file or overlay): a change below may come "
                                         "from the rules, not from the facts.")


WRITER = textwrap.dedent("""
    import sys
    from parscore import load_methodology, load_facts, score
    from parscore.history import HistoryStore
    m = load_methodology("par-province-892")
    card = score(m, load_facts("fixtures/ca-mau-2025/weaknesses.yaml", m))
    with HistoryStore(sys.argv[1]) as store:
        for i in range(int(sys.argv[3])):
            store.add(card, f"{sys.argv[2]}-{i}")
""")


def test_concurrent_writers_lose_nothing(tmp_path):
    store = str(tmp_path / "h.sqlite")
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, store, f"w{n}", "15"], cwd=ROOT) for n in range(4)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0]
    with HistoryStore(store) as s:
        entries = s.entries()
    assert len(entries) == 60 and len({e.id for e in entries}) == 60


KILLED = textwrap.dedent("""
    import sys, time
    from parscore import load_methodology, load_facts, score
    from parscore.history import HistoryStore
    m = load_methodology("par-province-892")
    card = score(m, load_facts("fixtures/ca-mau-2025/weaknesses.yaml", m))
    store = HistoryStore(sys.argv[1])
    real = store.db

    class SlowCommit:
        def execute(self, sql, *a):
            if sql == "COMMIT":
                print("inserted, not committed", flush=True)
                time.sleep(60)
            return real.execute(sql, *a)
    store.db = SlowCommit()
    store.add(card, "killed")
""")


def test_a_process_killed_mid_write_leaves_no_partial_record(tmp_path):
    store = str(tmp_path / "h.sqlite")
    with HistoryStore(store) as s:
        s.add(load_and_score(), "before")
    p = subprocess.Popen([sys.executable, "-c", KILLED, store], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "inserted, not committed"
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=30)
    with HistoryStore(store) as s:
        assert [e.inputs_hash for e in s.entries()] == ["before"]
        s.add(load_and_score(), "after")  # and the store still takes writes
        assert len(s.entries()) == 2


def load_and_score():
    from parscore import score
    m = load_methodology("par-province-892")
    return score(m, load_facts(ROOT / FACTS, m))


def test_foreign_files_are_refused_clearly(tmp_path):
    text = tmp_path / "notes.sqlite"
    text.write_text("just some notes\n", encoding="utf-8")
    r = run_cli("history", "list", "--store", str(text), "--lang", "en")
    assert r.returncode == 2
    assert r.stderr.strip() == (f"parscore: {text}: store: is not a parscore history database (not an SQLite file); "
                                "give another --store path [PS161]")
    other = tmp_path / "other.sqlite"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE customers (id INTEGER)")
    con.commit()
    con.close()
    r = run_cli("history", "list", "--store", str(other), "--lang", "en")
    assert r.returncode == 2
    assert r.stderr.strip() == (f"parscore: {other}: store: is another application's SQLite database (tables: customers), "
                                "not a parscore history [PS163]")


def test_schema_migrates_from_version_1(tmp_path):
    from parscore.history import MIGRATIONS

    path = tmp_path / "v1.sqlite"
    con = sqlite3.connect(path)
    for sql in MIGRATIONS[1]:
        con.execute(sql)
    con.execute("INSERT INTO meta VALUES ('application', 'parscore-history'), ('schema_version', '1')")
    con.commit()
    con.close()
    with HistoryStore(path) as s:
        s.add(load_and_score(), "x", note="migrated")
        assert s.entries()[0].note == "migrated"
        assert s.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("2",)
