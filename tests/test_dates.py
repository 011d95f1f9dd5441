"""Dates as people type them: dd/mm/yyyy (and d/m/yyyy) as well as YYYY-MM-DD, wherever a
person types a date; the reading echoed when day and month could swap; never dropped."""
from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
from contextlib import redirect_stderr, redirect_stdout

import pytest
from hypothesis import given, strategies as st

from conftest import ROOT, facts_text
from parscore import load_methodology
from parscore.cli import main
from parscore.dates import parse_date, take_readings
from parscore.errors import InputError
from parscore.excel import import_xlsx, write_template

FACTS = ROOT / "fixtures" / "ca-mau-2025" / "weaknesses.yaml"
PLAN = ROOT / "fixtures" / "ca-mau-2025" / "plan-126.yaml"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("text,expected", [
    ("28/11/2025", dt.date(2025, 11, 28)), ("3/4/2025", dt.date(2025, 4, 3)), ("03/04/2025", dt.date(2025, 4, 3)),
    ("28.11.2025", dt.date(2025, 11, 28)), ("2025-11-28", dt.date(2025, 11, 28)), (" 1/12/2025 ", dt.date(2025, 12, 1)),
])
def test_readable_dates(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text,message", [
    ("31/02/2025", "'31/02/2025' is not a real date (day is out of range for month); write the date as dd/mm/yyyy (e.g. 28/11/2025) or YYYY-MM-DD"),
    ("28/13/2025", "'28/13/2025' is not a real date (month must be in 1..12); write the date as dd/mm/yyyy (e.g. 28/11/2025) or YYYY-MM-DD"),
    ("11/28/2025", "'11/28/2025' is not a real date (month must be in 1..12); write the date as dd/mm/yyyy (e.g. 28/11/2025) or YYYY-MM-DD"),
    ("hôm nay", "expected a real date written dd/mm/yyyy or YYYY-MM-DD, got 'hôm nay'"),
    ("2025/11/28", "expected a real date written dd/mm/yyyy or YYYY-MM-DD, got '2025/11/28'"),
])
def test_unreadable_dates_say_why(text, message):
    with pytest.raises(ValueError) as exc:
        parse_date(text)
    assert str(exc.value) == message


@given(st.dates(min_value=dt.date(1000, 1, 1)))
def test_every_date_reads_back_in_each_form(d):
    take_readings()
    assert parse_date(d.strftime("%d/%m/%Y")) == d
    assert parse_date(f"{d.day}/{d.month}/{d.year}") == d
    assert parse_date(d.isoformat()) == d
    ambiguous = [x for _, x in take_readings()]
    typed = {d.strftime("%d/%m/%Y"), f"{d.day}/{d.month}/{d.year}"}  # each text is echoed once
    assert ambiguous == ([d] * len(typed) if d.day <= 12 and d.month <= 12 and d.day != d.month else [])


def _facts_with(tmp_path, date_text: str):
    text = facts_text(FACTS).replace("date: 2025-11-28", f"date: {date_text}", 1)
    assert f"date: {date_text}" in text
    p = tmp_path / "f.yaml"
    p.write_text(text, encoding="utf-8")
    shutil.copyfile(FACTS.parent / "lead-units.yaml", tmp_path / "lead-units.yaml")  # the facts file names it
    return p


def test_evidence_date_typed_day_first_is_kept_and_shown(tmp_path):
    p = _facts_with(tmp_path, "28/11/2025")
    code, out, err = run("explain", str(p), "1.3.1")
    assert code == 0 and err == ""
    assert "1385/BC-SNV, 28/11/2025, Sở Nội vụ tỉnh Cà Mau" in out
    code, out, _ = run("explain", str(p), "1.3.1", "-f", "json")
    assert json.loads(out)["evidence"]["par_inspection_units_in_scope"][0]["date"] == "2025-11-28"


def test_an_ambiguous_date_is_echoed(tmp_path):
    p = _facts_with(tmp_path, "03/04/2025")
    code, out, err = run("score", str(p), "-f", "json")
    assert code == 0
    assert err == "parscore: lưu ý: '03/04/2025' được đọc theo thứ tự ngày/tháng/năm là ngày 3 tháng 4 năm 2025\n"
    code, out, err = run("score", str(p), "-f", "json", "--lang", "en")
    assert err == "parscore: note: '03/04/2025' was read day first, as 3 April 2025\n"


def test_an_unreadable_evidence_date_is_a_located_error(tmp_path):
    p = _facts_with(tmp_path, "31/11/2025")
    code, out, err = run("score", str(p))
    assert code == 2 and out == ""
    line = [ln for ln in err.splitlines() if "evidence.date" in ln][0]
    assert line.startswith(f"parscore: {p}:") and line.endswith("[PS077]")
    assert "'31/11/2025' không phải một ngày có thật" in line


def test_plan_status_on_day_first(capsys):
    a = run("plan-status", str(FACTS), str(PLAN), "--on", "31/12/2025", "-f", "json")
    b = run("plan-status", str(FACTS), str(PLAN), "--on", "2025-12-31", "-f", "json")
    assert a[0] == b[0] == 0 and a[1] == b[1] and json.loads(a[1])["on"] == "2025-12-31"
    code, _, err = run("plan-status", str(FACTS), str(PLAN), "--on", "31/13/2025")
    assert code == 2 and err.endswith("nhưng nhận được '31/13/2025' [PS133]\n")


def _workbook(tmp_path, date_cell, number="45/BC-SNV"):
    from openpyxl import load_workbook

    m = load_methodology("par-province-892")
    path = tmp_path / "t.xlsx"
    write_template(m, path)
    wb = load_workbook(path)
    info = wb["Hướng dẫn"]
    info["B8"], info["B9"], info["B10"] = "ca-mau", "UBND tỉnh Cà Mau", 2025
    ws = wb["Lĩnh vực 1"]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "par_inspection_units_inspected")
    row[3].value, row[5].value, row[6].value = 22, number, date_cell
    wb.save(path)
    return m, path, row[0].row


def test_workbook_date_typed_as_text_is_read_not_dropped(tmp_path):
    m, path, _ = _workbook(tmp_path, "28/11/2025")
    facts, doc = import_xlsx(path, m)
    assert facts.evidence["par_inspection_units_inspected"][0].date == dt.date(2025, 11, 28)
    assert doc["facts"]["par_inspection_units_inspected"]["evidence"]["date"] == dt.date(2025, 11, 28)


def test_workbook_unreadable_date_is_located(tmp_path):
    m, path, r = _workbook(tmp_path, "31/11/2025")
    with pytest.raises(InputError) as exc:
        import_xlsx(path, m)
    p = exc.value.problems[0]
    # the workbook reader's own date message (PS269), never a dropped date
    assert (p.field, p.code) == (f"Lĩnh vực 1!G{r}", "PS269")
    assert p.render("vi").endswith(f"Lĩnh vực 1!G{r}: số liệu: cần một ngày (gõ dd/mm/yyyy vào ô định dạng Date, ví dụ "
                                   "28/11/2025), ô đang có '31/11/2025' [PS269]")


def test_workbook_date_without_document_number_is_refused(tmp_path):
    m, path, r = _workbook(tmp_path, "28/11/2025", number=None)
    with pytest.raises(InputError) as exc:
        import_xlsx(path, m)
    assert [(p.field, p.code) for p in exc.value.problems] == [(f"Lĩnh vực 1!F{r}", "PS269")]


def test_appraisal_dates_and_deadlines_day_first(tmp_path):
    """The same appraisal and plan with dates typed day first give the same JSON."""
    shutil.copyfile(FACTS.parent / "lead-units.yaml", tmp_path / "lead-units.yaml")
    (tmp_path / "f.yaml").write_text(facts_text(FACTS), encoding="utf-8")
    appraisal = (FACTS.parent / "appraisal-2025.yaml").read_text(encoding="utf-8")
    iso = re.compile(r"(date|deadline): (\d{4})-(\d{2})-(\d{2})")
    assert iso.search(appraisal)
    (tmp_path / "a.yaml").write_text(iso.sub(r"\1: \4/\3/\2", appraisal), encoding="utf-8")
    plan = PLAN.read_text(encoding="utf-8")
    lead = re.search(r"\n( +)lead: .*\n", plan)
    for name, deadline in (("p.yaml", "30/06/2025"), ("iso.yaml", "2025-06-30")):
        (tmp_path / name).write_text(plan[:lead.end()] + f"{lead.group(1)}deadline: {deadline}\n" + plan[lead.end():], encoding="utf-8")
    a = run("appraise", str(tmp_path / "f.yaml"), str(tmp_path / "a.yaml"), "-f", "json")
    b = run("appraise", str(FACTS), str(FACTS.parent / "appraisal-2025.yaml"), "-f", "json")
    assert a[1] == b[1] and a[0] == b[0]
    a = run("plan-status", str(FACTS), str(tmp_path / "p.yaml"), "--on", "31/12/2025", "-f", "json")
    b = run("plan-status", str(FACTS), str(tmp_path / "iso.yaml"), "--on", "2025-12-31", "-f", "json")
    assert a[0] == b[0] == 0 and a[1] == b[1] and '"deadline": "2025-06-30"' in a[1]


def test_plan_status_judges_deadlines_on_todays_date_in_vietnam_whatever_the_servers_clock():
    """A server kept on UTC is still on the previous day until 07:00 in Vietnam: `plan-status`
    without --on judged a task due today as not yet due there."""
    import datetime as dt

    from parscore.dates import today_in_vietnam

    utc = dt.timezone.utc
    assert today_in_vietnam(dt.datetime(2025, 12, 31, 16, 59, tzinfo=utc)) == dt.date(2025, 12, 31)   # 23:59 in Hà Nội
    assert today_in_vietnam(dt.datetime(2025, 12, 31, 17, 0, tzinfo=utc)) == dt.date(2026, 1, 1)      # 00:00 in Hà Nội
    los_angeles = dt.timezone(dt.timedelta(hours=-8))
    assert today_in_vietnam(dt.datetime(2025, 12, 31, 9, 0, tzinfo=los_angeles)) == dt.date(2026, 1, 1)
