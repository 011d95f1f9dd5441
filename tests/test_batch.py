"""`parscore score --batch`: one card per line in input order, bad inputs located, exit 2 at the end."""
from __future__ import annotations

import pytest

import json
import re
import shutil
import sys

from conftest import ROOT, facts_text, run_cli
from parscore import load_facts, load_methodology, score, to_json

M = load_methodology("par-province-892")
GOOD = ["fixtures/ca-mau-2025/weaknesses.yaml", "fixtures/ca-mau-2025/targets-met.yaml",
        "fixtures/weak-province-2025.yaml"]


def _dir(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    for i, f in enumerate(GOOD):
        (d / f"{i:02d}-{(ROOT / f).name}").write_text(facts_text(ROOT / f), encoding="utf-8")
    (d / "01a-broken.yaml").write_text("agency: {code: x\n", encoding="utf-8")
    (d / "notes.txt").write_text("not an input", encoding="utf-8")
    return d


def test_directory_cards_in_input_order_equal_single_scores_and_bad_file_located(tmp_path):
    d = _dir(tmp_path)
    r = run_cli("score", "--batch", str(d), "--jobs", "2")
    assert r.returncode == 2
    lines = r.stdout.splitlines()
    assert len(lines) == 3                     # nothing on stdout but the cards
    for line, f in zip(lines, GOOD):
        assert json.loads(line) == json.loads(to_json(score(M, load_facts(ROOT / f, M))))   # the durable card
    assert f"{d}/01a-broken.yaml:2: YAML sai cú pháp" in r.stderr and "[PS005]" in r.stderr
    assert "parscore: số phiếu đã chấm: 3; số đầu vào bị từ chối: 1 (xem lỗi ở trên)" in r.stderr


def test_one_worker_and_two_give_the_same_bytes(tmp_path):
    d = _dir(tmp_path)
    one = run_cli("score", "--batch", str(d), "--jobs", "1")
    two = run_cli("score", "--batch", str(d), "--jobs", "2")
    assert one.stdout and one.stdout == two.stdout


def test_json_lines_with_a_bad_line_and_a_ranking_table(tmp_path):
    docs = []
    for f in GOOD:
        import yaml
        data = yaml.safe_load(facts_text(ROOT / f))   # last year's file named by its absolute path
        data.pop("lead_units", None)
        docs.append(json.dumps(data, ensure_ascii=False, default=str))
    src = tmp_path / "in.jsonl"
    src.write_text(docs[0] + "\n{not json\n\n" + docs[1] + "\n" + docs[2] + "\n", encoding="utf-8")
    r = run_cli("score", "--batch", str(src), "--lang", "en")
    assert r.returncode == 2
    assert len(r.stdout.splitlines()) == 3
    assert f"{src}:2: not a JSON document" in r.stderr and "[PS382]" in r.stderr
    assert r.stderr.endswith("parscore: cards scored: 3; inputs refused: 1 (errors above)\n")
    t = run_cli("score", "--batch", str(src), "-f", "table", "--lang", "en")
    rows = [x.split() for x in t.stdout.splitlines()[2:]]
    indices = {json.loads(x)["agency"]["code"] + str(json.loads(x)["index"]) for x in r.stdout.splitlines()}
    assert t.stdout.splitlines()[0].split()[:3] == ["rank", "code", "agency"]
    assert [row[0] for row in rows] == ["1", "2", "3"] and len(indices) == 3


ROSTER = """roster: "Các tỉnh thử nghiệm"
year: 2025
level: province
units:
  - {code: ca-mau, name: "UBND tỉnh Cà Mau"}
  - {code: bac-lieu, name: "UBND tỉnh Bạc Liêu"}
"""


def _provinces(tmp_path, fill: dict | None = None):
    """A workbook with one province per sheet (`template --units`), the first sheet filled."""
    from openpyxl import load_workbook

    (tmp_path / "roster.yaml").write_text(ROSTER, encoding="utf-8")
    book = tmp_path / "provinces.xlsx"
    r = run_cli("template", "-m", "par-province-892", "--units", str(tmp_path / "roster.yaml"), "-o", str(book))
    assert r.returncode == 0, r.stderr
    wb = load_workbook(book)
    ws = wb["ca-mau"]
    for row in ws.iter_rows(min_row=7):
        if row[0].value in (fill or {}):
            row[3].value = fill[row[0].value]
    wb.save(book)
    return book


def test_a_workbook_with_one_agency_per_sheet_gives_a_card_per_sheet(tmp_path):
    from decimal import Decimal

    from parscore.cards import card_line
    from parscore.loading import Facts
    from parscore.models import Agency
    from parscore.scorecard import score_data

    values = load_facts(ROOT / GOOD[0], M).values
    cells = {n: (float(v) if isinstance(v, Decimal) else v) for n, v in values.items()}
    book = _provinces(tmp_path, cells)
    r = run_cli("score", "--batch", str(book), "--jobs", "2")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.encode("utf-8").splitlines(keepends=True)
    assert [json.loads(x)["agency"]["code"] for x in lines] == ["ca-mau", "bac-lieu"]   # the sheets' order
    same = Facts("x", Agency(code="ca-mau", name="UBND tỉnh Cà Mau"), 2025, M.id, values)
    assert lines[0] == card_line(score_data(M, same, "vi", "fast"))   # the sheet's card is the same facts' card
    empty = json.loads(lines[1])
    assert empty["summary"]["by_status"]["missing_facts"] == len(M.leaves) and empty["total"] == 0


def test_a_bad_cell_in_an_agency_sheet_is_located_and_nothing_is_written(tmp_path):
    book = _provinces(tmp_path, {"par_inspection_units_in_scope": "83 đơn vị"})
    out = tmp_path / "cards.jsonl"
    r = run_cli("score", "--batch", str(book), "-o", str(out), "--lang", "en")
    assert r.returncode == 2 and not out.exists()
    assert f"parscore: {book}: ca-mau!D" in r.stderr and "[PS186]" in r.stderr


def test_a_formula_without_its_result_in_an_agency_sheet_is_named(tmp_path):
    """It was read as an empty cell: the agency's item counted as missing data in silence."""
    book = _provinces(tmp_path, {"par_inspection_units_in_scope": "=40+43"})
    r = run_cli("score", "--batch", str(book), "--lang", "en")
    assert r.returncode == 2 and r.stdout == ""
    assert re.search(rf"^parscore: {re.escape(str(book))}: ca-mau!D\d+: par_inspection_units_in_scope: the cell holds a formula "
                     r"\(=40\+43\) whose result is not saved in the file", r.stderr, re.M), r.stderr


def test_a_single_agency_workbook_or_another_workbook_is_refused_with_what_to_give(tmp_path):
    from openpyxl import Workbook

    other = tmp_path / "other.xlsx"
    Workbook().save(other)
    single = tmp_path / "facts.xlsx"
    assert run_cli("template", "-o", str(single)).returncode == 0
    for book, what in ((other, "is not a workbook parscore made (no _parscore sheet), nor one with one agency per sheet"),
                       (single, "is a single agency's workbook, not one with one agency per sheet")):
        r = run_cli("score", "--batch", str(book), "--lang", "en")
        assert r.returncode == 2 and r.stdout == ""
        assert (f"parscore: {book}: {what}; give a directory of filled templates (one workbook per agency), a workbook "
                "with one sheet per agency (`parscore template -m ID --units ROSTER -o FILE.xlsx`), or a JSON Lines file "
                "[PS383]") in r.stderr
        vi = run_cli("score", "--batch", str(book))
        assert "hãy chỉ ra thư mục các mẫu đã điền (mỗi cơ quan một sổ tính)" in vi.stderr and "[PS383]" in vi.stderr


def test_batch_needs_inputs(tmp_path):
    r = run_cli("score", "--batch", str(tmp_path), "--lang", "en")
    assert r.returncode == 2 and "the directory holds no facts files" in r.stderr and "[PS381]" in r.stderr
    r = run_cli("score", "--lang", "en")
    assert r.returncode == 2 and "give a facts file (.yaml or .xlsx), or --batch IN [PS384]" in r.stderr


def _many_jobs(tmp_path, copies: int = 7):
    from parscore.batch import jobs_of

    d = _dir(tmp_path)
    jobs = [j for j in jobs_of(str(d)) if "broken" not in j.where]
    return jobs * copies   # 21 jobs: shares of one job, so both workers take turns many times


def test_workers_writing_in_turn_sending_lines_back_or_one_process_give_the_same_bytes(tmp_path):
    """Two workers writing straight to a file (each share in its turn), two workers sending the
    lines back (an in-memory output has no file descriptor) and one process: the same bytes,
    the cards of the single-file scores in input order, and results without their lines."""
    import io

    from parscore.batch import run_batch
    from parscore.cards import card_line
    from parscore.scorecard import score_data

    jobs = _many_jobs(tmp_path)
    with open(tmp_path / "out.jsonl", "wb") as fh:
        in_turn = list(run_batch(jobs, workers=2, out=fh))
    back, one = io.BytesIO(), io.BytesIO()
    through = list(run_batch(jobs, workers=2, out=back))
    single = list(run_batch(jobs, workers=1, out=one))
    want = b"".join(card_line(score_data(M, load_facts(j.path, M), "vi", "fast")) for j in jobs)
    assert (tmp_path / "out.jsonl").read_bytes() == back.getvalue() == one.getvalue() == want
    assert [r.where for r in in_turn] == [r.where for r in through] == [r.where for r in single] == [j.where for j in jobs]
    assert {r.line for r in in_turn + through + single} == {b""}


def test_without_an_output_each_result_carries_its_line_and_discard_makes_none(tmp_path):
    from parscore.batch import DISCARD, run_batch

    jobs = _many_jobs(tmp_path, 2)
    carried = list(run_batch(jobs, workers=2))
    discarded = list(run_batch(jobs, workers=2, out=DISCARD))
    assert all(r.line and r.line.endswith(b"\n") and b"\n" not in r.line[:-1] for r in carried)
    assert [r.line for r in discarded] == [b""] * len(jobs)
    assert [(r.agency, r.index, r.group, r.total) for r in discarded] == [(r.agency, r.index, r.group, r.total) for r in carried]


def test_batch_to_a_file_says_the_bytes_its_workers_wrote_and_a_full_device_is_an_error(tmp_path):
    d = _dir(tmp_path)
    out = tmp_path / "cards.jsonl"
    r = run_cli("score", "--batch", str(d), "--jobs", "2", "-o", str(out), "--lang", "en")
    assert r.returncode == 2 and len(out.read_bytes().splitlines()) == 3
    assert f"parscore: wrote {out} ({out.stat().st_size} bytes)" in r.stderr
    r = run_cli("score", "--batch", str(d), "--jobs", "2", "-o", "/dev/full", "--lang", "en")
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr.strip() == "parscore: /dev/full: output: cannot be written: No space left on device [PS239]"


def test_a_job_that_fails_unexpectedly_ends_the_run_with_its_error_and_no_hang(tmp_path):
    """A worker's job raising what no input causes (a bug): the run raises it, the workers
    waiting for their turn are ended, and the output holds only the shares before it."""
    import subprocess
    import sys

    jobs = _many_jobs(tmp_path)
    script = f"""
import sys
from parscore import batch
from parscore.batch import jobs_of, run_batch
jobs = [j for j in jobs_of({str(tmp_path / 'in')!r}) if "broken" not in j.where] * 7
real = batch.Scorer.score_one
def score_one(self, job, seen=[0]):
    seen[0] += 1
    if job is jobs[10]:
        raise RuntimeError("a bug")
    return real(self, job)
batch.Scorer.score_one = score_one
with open({str(tmp_path / 'out.jsonl')!r}, "wb") as out:
    try:
        for r in run_batch(jobs, workers=2, out=out):
            pass
    except RuntimeError as exc:
        print("raised:", exc)
"""
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert r.stdout.strip() == "raised: a bug", r.stderr
    import io

    from parscore.batch import run_batch

    whole = io.BytesIO()
    list(run_batch(jobs, workers=1, out=whole))
    lines = (tmp_path / "out.jsonl").read_bytes().splitlines(keepends=True)
    assert len(lines) <= 10 and lines == whole.getvalue().splitlines(keepends=True)[:len(lines)]


def test_a_caller_that_stops_reading_ends_the_workers_and_keeps_whole_lines(tmp_path):
    """A library caller may stop iterating `run_batch` early: the shares not started are
    cancelled, the workers waiting for their turn stop waiting, and the output holds whole
    lines, the first cards in input order."""
    import io
    import time

    from parscore.batch import run_batch

    jobs = _many_jobs(tmp_path, 20)   # 60 jobs in shares of 3
    whole = io.BytesIO()
    list(run_batch(jobs, workers=1, out=whole))
    start = time.monotonic()
    with open(tmp_path / "out.jsonl", "wb") as fh:
        for n, _ in enumerate(run_batch(jobs, workers=2, out=fh)):
            if n == 2:
                break
    assert time.monotonic() - start < 30
    lines = (tmp_path / "out.jsonl").read_bytes().splitlines(keepends=True)
    assert 3 <= len(lines) < 60 and lines == whole.getvalue().splitlines(keepends=True)[:len(lines)]


def test_spawned_workers_as_on_macos_or_windows_send_the_same_lines_back(tmp_path):
    """Where workers are spawned, not forked (macOS, Windows), nothing is inherited: each share's
    inputs travel to the worker and its lines come back to be written here. Same bytes."""
    import subprocess
    import sys

    _dir(tmp_path)
    script = tmp_path / "spawned.py"
    script.write_text(f"""
import io, sys
from parscore.batch import jobs_of, run_batch

def main():
    jobs = [j for j in jobs_of({str(tmp_path / 'in')!r}) if "broken" not in j.where] * 4
    one = io.BytesIO()
    list(run_batch(jobs, workers=1, out=one))
    sys.platform = "darwin"   # run_batch forks only on Linux
    with open({str(tmp_path / 'spawned.jsonl')!r}, "wb") as fh:
        results = list(run_batch(jobs, workers=2, out=fh))
    sys.platform = "linux"
    print(open({str(tmp_path / 'spawned.jsonl')!r}, "rb").read() == one.getvalue(), len(results), {{r.line for r in results}})

if __name__ == "__main__":
    main()
""", encoding="utf-8")
    r = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=180, cwd=ROOT)
    assert r.stdout.strip() == "True 12 {b''}", r.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers write in turn on Linux")
def test_writing_in_turn_never_waits_for_a_worker_killed_while_it_waited():
    """A worker killed while waiting for its turn (SIGTERM to the whole process group, the
    out-of-memory killer) must not stop the others passing the turn on, nor the parent
    ending the run. A multiprocessing Condition's notify waited for ever for the dead sleeper."""
    import multiprocessing as mp
    import os
    import threading
    import time

    from parscore.batch import _InTurn

    ctx = mp.get_context("fork")
    read, write = os.pipe()
    shared = _InTurn(ctx, write, [], 2, ctx.Value("b", 0, lock=False))
    waiter = ctx.Process(target=shared.write, args=(1, b"second"))   # waits for share 0
    waiter.start()
    time.sleep(0.3)
    waiter.kill()
    waiter.join()
    done = []
    t = threading.Thread(target=lambda: done.append((shared.write(0, b"first"), shared.abort())))
    t.start()
    t.join(5)
    assert done == [(None, None)]
    assert shared.write(1, b"late") is None   # after abort nothing is written
    os.close(write)
    with os.fdopen(read, "rb") as fh:
        assert fh.read() == b"first"


def test_a_ranking_of_cards_judged_under_different_methodologies_says_so(tmp_path):
    """A batch may hold a province's facts and a department's: the table ranked their indices
    side by side without a word (group A beside band 'tốt')."""
    import yaml as _yaml

    docs = []
    for f in ("fixtures/ca-mau-2025/targets-met.yaml", "fixtures/ca-mau-2025/units/so-noi-vu.yaml"):
        d = _yaml.safe_load((ROOT / f).read_text(encoding="utf-8"))
        d.pop("baseline", None)
        d.pop("lead_units", None)
        docs.append(json.dumps(d, default=str, ensure_ascii=False))
    (tmp_path / "mixed.jsonl").write_text("\n".join(docs) + "\n", encoding="utf-8")
    (tmp_path / "one.jsonl").write_text(docs[0] + "\n", encoding="utf-8")
    for jobs in ("1", "2"):
        r = run_cli("score", "--batch", str(tmp_path / "mixed.jsonl"), "-f", "table", "--jobs", jobs, "--lang", "en")
        assert r.returncode == 0, r.stderr
        assert r.stdout.rstrip().splitlines()[-1] == (
            "These cards were judged under different methodologies (par-department-ca-mau 2023-08-14, par-province-892 "
            "2024-12-05): an index compares only with those judged under the same one.")
    one = run_cli("score", "--batch", str(tmp_path / "one.jsonl"), "-f", "table", "--lang", "en")
    assert "judged under different" not in one.stdout


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_dates_read_day_first_are_said_with_each_inputs_place(tmp_path, jobs):
    """A date such as 03/04/2025 is read day first and a note says so; in a batch the notes were
    lost in the workers (or said once, without which input), and now come with each input's line."""
    def line(code: str, date: str) -> str:
        return json.dumps({"agency": {"code": code, "name": code.upper()}, "year": 2025, "facts": {"par_annual_plan_days_late": {
            "value": 0, "evidence": {"number": "1/QĐ", "date": date, "issuer": "UBND"}}}}, ensure_ascii=False)
    (tmp_path / "in.jsonl").write_text("\n".join([line("a", "03/04/2025"), line("b", "25/04/2025"), line("c", "03/04/2025")])
                                       + "\n", encoding="utf-8")
    r = run_cli("score", "--batch", str(tmp_path / "in.jsonl"), "--jobs", jobs, "--lang", "en")
    assert r.returncode == 0, r.stderr
    where = tmp_path / "in.jsonl"
    assert r.stderr.splitlines() == [f"parscore: {where}:1: note: '03/04/2025' was read day first, as 3 April 2025",
                                     f"parscore: {where}:3: note: '03/04/2025' was read day first, as 3 April 2025"]
