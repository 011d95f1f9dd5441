"""Every reader opens only regular files, and no output overwrites what a user made (files.py)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, facts_text, run_cli
from parscore import InputError
from parscore.files import OUTPUT_FORMATS, read_bytes, resolve_format, track_reads, write_output
from parscore.yamlio import load_yaml

FACTS = ROOT / "fixtures" / "ca-mau-2025" / "weaknesses.yaml"
UNITS = ROOT / "fixtures" / "ca-mau-2025" / "lead-units.yaml"
APPRAISAL = ROOT / "fixtures" / "ca-mau-2025" / "appraisal-2025.yaml"
PLAN = ROOT / "fixtures" / "ca-mau-2025" / "plan-126.yaml"


def cli(*args: str, cwd: Path = ROOT, timeout: float = 30, lang: str = "en") -> subprocess.CompletedProcess[str]:
    """The command, in-process; a FIFO that blocked it would raise TimeoutExpired and fail the test
    (conftest.run_cli interrupts a blocked system call; tests/test_console.py runs real processes)."""
    # the English message ids are checked here (tests/test_i18n.py checks their Vietnamese)
    return run_cli(*args, cwd=cwd, timeout=timeout, env={"PARSCORE_LANG": lang})


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / "facts.yaml").write_text(facts_text(FACTS), encoding="utf-8")
    shutil.copy(UNITS, tmp_path / "lead-units.yaml")
    os.mkfifo(tmp_path / "pipe.yaml")
    (tmp_path / "zero.yaml").symlink_to("/dev/zero")
    (tmp_path / "dir.yaml").mkdir()
    return tmp_path


NOT_REGULAR = {
    "pipe.yaml": "is a named pipe (FIFO), not a regular file; save the data to a file and give that file [PS230]",
    "zero.yaml": "is a character device, not a regular file; save the data to a file and give that file [PS230]",
}


@pytest.mark.parametrize("name", sorted(NOT_REGULAR))
@pytest.mark.parametrize("argv", [
    ["score", "{x}"],
    ["audit", "{x}"],
    ["validate", "{x}"],
    ["score", "facts.yaml", "--methodology", "{x}"],
    ["score", "facts.yaml", "--peers", "{x}"],
    ["score", "facts.yaml", "--units", "{x}"],
    ["score", "facts.yaml", "--overlay", "{x}"],
    ["simulate", "facts.yaml", "--scenario", "{x}"],
    ["plan-status", "facts.yaml", "{x}"],
    ["appraise", "facts.yaml", "{x}"],
    ["diff", "{x}", "facts.yaml"],
], ids=lambda a: "-".join(a).replace("{x}", "X"))
def test_readers_refuse_fifos_and_devices_without_hanging(work, name, argv):
    r = cli(*[a.replace("{x}", name) for a in argv], cwd=work)
    assert r.returncode == 2, r.stderr
    assert f"parscore: {name}: {NOT_REGULAR[name]}" in r.stderr.splitlines()
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("ext", [".json", ".xlsx", ".sqlite"])
def test_diff_json_workbooks_and_history_stores_refuse_fifos(work, ext):
    os.mkfifo(work / f"pipe{ext}")
    argv = {".json": ["diff", f"pipe{ext}", "facts.yaml"], ".xlsx": ["score", f"pipe{ext}"],
            ".sqlite": ["history", "list", "--store", f"pipe{ext}"]}[ext]
    r = cli(*argv, cwd=work)
    assert r.returncode == 2
    field = " store:" if ext == ".sqlite" else ""
    assert r.stderr.strip() == (f"parscore: pipe{ext}:{field} is a named pipe (FIFO), not a regular file; save the data "
                                "to a file and give that file [PS230]")


def test_methodology_and_lead_units_named_inside_the_facts_file_are_checked(work):
    text = facts_text(FACTS)
    (work / "a.yaml").write_text(text.replace("lead_units: lead-units.yaml", "lead_units: pipe.yaml"), encoding="utf-8")
    (work / "b.yaml").write_text(text.replace("methodology: par-province-892", "methodology: zero.yaml"), encoding="utf-8")
    r = cli("score", "a.yaml", cwd=work)
    assert (r.returncode, r.stderr.strip()) == (2, f"parscore: pipe.yaml: {NOT_REGULAR['pipe.yaml']}")
    r = cli("score", "b.yaml", cwd=work)
    assert (r.returncode, r.stderr.strip()) == (2, f"parscore: zero.yaml: {NOT_REGULAR['zero.yaml']}")


def test_a_directory_is_refused_by_name(work):
    r = cli("score", "dir.yaml", cwd=work)
    assert (r.returncode, r.stderr.strip()) == (2, "parscore: dir.yaml: is a directory, expected a file [PS001]")


def test_read_bytes_caps_what_it_reads(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a: 1\n" * 300)
    assert read_bytes(big, limit=1500) == b"a: 1\n" * 300
    with pytest.raises(InputError) as e:
        read_bytes(big, limit=1000)
    assert str(e.value) == f"{big}: file is 1500 bytes; the limit is 1000 bytes [PS002]"


def test_a_yaml_document_keeps_the_bytes_it_parsed(tmp_path):
    """The methodology digest hashes the bytes parsed, not a second read of the path (no TOCTOU)."""
    f = tmp_path / "x.yaml"
    f.write_bytes(b"a: 1\n")
    doc = load_yaml(f)
    f.write_bytes(b"a: 2\n")
    assert doc.raw == b"a: 1\n" and doc.data == {"a": 1}


# --- outputs ------------------------------------------------------------------------------------

def test_template_without_o_never_replaces_an_existing_file(tmp_path):
    mine = tmp_path / "facts.xlsx"
    mine.write_bytes(b"my own workbook")
    r = cli("template", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stderr.strip() == ("parscore: facts.xlsx: output: already exists and is not replaced; give another name with "
                                "-o NAME, or -o with this name to replace it [PS232]")
    assert mine.read_bytes() == b"my own workbook"
    r = cli("template", "-o", "facts.xlsx", cwd=tmp_path, lang="vi")  # asked for by name: replaced, and said so
    assert r.returncode == 0
    assert r.stderr.strip() == f"parscore: đã ghi facts.xlsx ({mine.stat().st_size} byte)"
    assert mine.read_bytes()[:2] == b"PK"


def test_template_writes_the_default_name_when_free_and_says_so(tmp_path):
    r = cli("template", "--lang", "en", cwd=tmp_path)
    assert r.returncode == 0
    assert r.stderr.strip() == f"parscore: wrote facts.xlsx ({(tmp_path / 'facts.xlsx').stat().st_size} bytes)"


@pytest.mark.parametrize("how", ["same", "symlink", "hardlink", "units"])
def test_output_equal_to_an_input_is_refused(work, how):
    if how == "symlink":
        (work / "link.json").symlink_to("facts.yaml")
        target, expect = "link.json", "is the same file as the input facts.yaml"
    elif how == "hardlink":
        os.link(work / "facts.yaml", work / "hard.json")
        target, expect = "hard.json", "is the same file as the input facts.yaml"
    elif how == "units":
        target, expect = "lead-units.yaml", "is the input file"
    else:
        target, expect = "facts.yaml", "is the input file"
    before = {p.name: p.read_bytes() for p in work.iterdir() if p.is_file() and not p.is_symlink() and p.suffix != ""}
    r = cli("score", "facts.yaml", "-f", "json", "-o", target, cwd=work)
    assert r.returncode == 2
    assert r.stderr.strip() == f"parscore: {target}: output: {expect}; writing would destroy it, give another -o name [PS231]"
    assert {p.name: p.read_bytes() for p in work.iterdir() if p.name in before} == before


def test_every_writing_command_says_what_it_wrote(work):
    shutil.copy(APPRAISAL, work / "appraisal.yaml")
    shutil.copy(PLAN, work / "plan.yaml")
    runs = [
        (["score", "facts.yaml", "-o", "card.json"], "card.json"),
        (["appraise", "facts.yaml", "appraisal.yaml", "-o", "final.md"], "final.md"),
        (["plan", "facts.yaml", "-o", "plan.txt"], "plan.txt"),
        (["audit", "facts.yaml", "-o", "audit.xml", "--fail-on", "never"], "audit.xml"),
        (["criteria", "-o", "criteria.md"], "criteria.md"),
        (["explain", "facts.yaml", "1.1.1", "-o", "explain.txt"], "explain.txt"),
        (["plan-status", "facts.yaml", "plan.yaml", "--on", "2025-10-01", "-o", "status.json"], "status.json"),
    ]
    for argv, name in runs:
        r = cli(*argv, cwd=work, lang="vi")
        assert r.returncode in (0, 1), r.stderr
        size = (work / name).stat().st_size
        assert r.stderr.strip().splitlines()[-1] == f"parscore: đã ghi {name} ({size} byte)", argv


def test_an_existing_output_keeps_its_permissions(work):
    out = work / "card.json"
    out.write_text("old", encoding="utf-8")
    out.chmod(0o640)
    assert cli("score", "facts.yaml", "-o", "card.json", cwd=work).returncode == 0
    assert out.stat().st_mode & 0o777 == 0o640 and out.read_text(encoding="utf-8").startswith("{")


def test_output_to_a_fifo_or_a_full_device_is_a_clear_error(work):
    os.mkfifo(work / "out.json")
    r = cli("score", "facts.yaml", "-o", "out.json", cwd=work)
    assert r.stderr.strip() == "parscore: out.json: output: is a named pipe (FIFO); give a regular file name with -o [PS230]"
    r = cli("score", "facts.yaml", "-f", "json", "-o", "/dev/full", cwd=work)
    assert (r.returncode, r.stderr.strip()) == (2, "parscore: /dev/full: output: cannot be written: No space left on device [PS239]")
    r = cli("score", "facts.yaml", "-o", "no/such/dir.json", cwd=work)
    assert (r.returncode, r.stderr.strip()) == (2, "parscore: no/such/dir.json: output: cannot be written: No such file or directory [PS239]")
    assert not any(p.name.endswith(".tmp") for p in work.rglob("*"))


def test_write_output_refuses_what_this_run_read(tmp_path):
    src = tmp_path / "in.yaml"
    src.write_text("a: 1\n", encoding="utf-8")
    token = track_reads()
    try:
        load_yaml(src)
        with pytest.raises(InputError) as e:
            write_output(src, "x")
        assert e.value.problems[0].code == "PS231"
    finally:
        from parscore.files import stop_tracking
        stop_tracking(token)
    write_output(src, "a: 2\n")  # outside a tracked run (library use) the caller decides
    assert src.read_text(encoding="utf-8") == "a: 2\n"


# --- the output format from the file name (issue 12, item 5) -----------------------------------

def test_o_xlsx_writes_a_workbook_without_f(work):
    r = cli("score", "facts.yaml", "-o", "card.xlsx", cwd=work)
    assert r.returncode == 0, r.stderr
    data = (work / "card.xlsx").read_bytes()
    assert data[:2] == b"PK"  # a zip (xlsx), not a text table Excel cannot open
    from openpyxl import load_workbook
    load_workbook(work / "card.xlsx")


@pytest.mark.parametrize("name, first", [("card.json", "{"), ("card.md", "# "), ("card.html", "<!DOCTYPE html>"),
                                          ("card.txt", "CHỈ SỐ")])
def test_o_extension_picks_the_format(work, name, first):
    r = cli("score", "facts.yaml", "-o", name, cwd=work, lang="vi")
    assert r.returncode == 0, r.stderr
    assert (work / name).read_text(encoding="utf-8").startswith(first)


def test_f_wins_over_the_extension(work):
    assert cli("score", "facts.yaml", "-f", "json", "-o", "card.md", cwd=work).returncode == 0
    assert (work / "card.md").read_text(encoding="utf-8").startswith("{")


def test_an_unsupported_extension_names_the_supported_ones(work):
    r = cli("score", "facts.yaml", "-o", "card.yaml", cwd=work)
    assert r.returncode == 2
    assert r.stderr.strip() == ("parscore: card.yaml: output: this command cannot write a .yaml file; it writes table, json, "
                                "markdown, xlsx, html, pdf, docx (.docx, .htm, .html, .json, .markdown, .md, .pdf, .txt, "
                                ".xlsx); choose one with -f or another -o name [PS236]")
    r = cli("plan", "facts.yaml", "-o", "plan.xlsx", cwd=work)
    assert r.returncode == 2 and "[PS236]" in r.stderr and "table, json, markdown (" in r.stderr
    assert not (work / "card.yaml").exists() and not (work / "plan.xlsx").exists()


def test_the_extension_map_is_one_table_with_room_for_docx_and_pdf():
    assert OUTPUT_FORMATS[".docx"] == "docx" and OUTPUT_FORMATS[".pdf"] == "pdf"
    assert resolve_format("r.docx", None, ("table", "docx")) == "docx"
    assert resolve_format("r.unknown", None, ("table",)) == "table"
    assert resolve_format(None, None, ("table",)) == "table"


def test_audit_and_validate_accept_a_workbook(work):
    import yaml
    from openpyxl import load_workbook

    assert cli("template", cwd=work, lang="vi").returncode == 0
    r = cli("validate", "facts.xlsx", cwd=work, lang="vi")
    assert "not valid UTF-8" not in r.stderr
    assert r.returncode == 2 and "[PS188]" in r.stderr  # the empty template: agency and year missing, located
    wb = load_workbook(work / "facts.xlsx")
    ws = wb["Hướng dẫn"]
    ws["B8"], ws["B9"], ws["B10"] = "ca-mau", "UBND tỉnh Cà Mau", 2025
    wb.save(work / "filled.xlsx")
    r = cli("validate", "filled.xlsx", cwd=work, lang="vi")
    assert (r.returncode, r.stdout.strip()) == (0, "filled.xlsx: OK (facts workbook for par-province-892)"), r.stderr
    r = cli("audit", "filled.xlsx", "-f", "json", "--fail-on", "never", cwd=work, lang="vi")
    assert r.returncode == 0, r.stderr
    assert yaml.safe_load(r.stdout)["agency"]["code"] == "ca-mau"


def test_a_workbook_named_yaml_is_recognised(work):
    shutil.copy(work / "facts.yaml", work / "keep.yaml")
    assert cli("template", "-o", "wb.xlsx", cwd=work).returncode == 0
    shutil.copy(work / "wb.xlsx", work / "wb.yaml")
    r = cli("score", "wb.yaml", cwd=work)
    assert (r.returncode, r.stderr.strip()) == (2, "parscore: wb.yaml: is an Excel workbook (or another zip file), not "
                                                   "YAML text; give it a .xlsx name, or save the facts as YAML [PS003]")


def test_an_output_symlink_is_written_through_and_kept(work):
    (work / "card.json").symlink_to("real.json")
    assert cli("score", "facts.yaml", "-o", "card.json", cwd=work).returncode == 0
    assert (work / "card.json").is_symlink() and (work / "real.json").read_text(encoding="utf-8").startswith("{")


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write any file")
def test_a_read_only_output_is_not_replaced(work):
    out = work / "card.json"
    out.write_text("mine", encoding="utf-8")
    out.chmod(0o444)
    r = cli("score", "facts.yaml", "-o", "card.json", cwd=work)
    assert (r.returncode, r.stderr.strip()) == (2, "parscore: card.json: output: is read-only; make it writable or give "
                                                   "another -o name [PS239]")
    assert out.read_text(encoding="utf-8") == "mine"


@pytest.fixture
def folder(work: Path) -> Path:
    """A folder of inputs for `score --batch` and `rank`: one good facts file, a FIFO and a
    device named like inputs, Excel's lock file of an open workbook, and a hidden file."""
    d = work / "units"
    d.mkdir()
    text = facts_text(FACTS).replace("lead_units: lead-units.yaml", f"lead_units: {UNITS}")
    (d / "a.yaml").write_text(text, encoding="utf-8")
    os.mkfifo(d / "b.yaml")
    os.mkfifo(d / "c.xlsx")
    (d / "d.xlsx").symlink_to("/dev/zero")
    (d / "~$a.xlsx").write_bytes(b"\x00lock")   # Excel's, while a.xlsx is open
    (d / ".e.yaml").write_text("not: facts", encoding="utf-8")
    return d


BATCH_REFUSED = [
    "parscore: units/b.yaml: is a named pipe (FIFO), not a regular file; save the data to a file and give that file [PS230]",
    "parscore: units/c.xlsx: is a named pipe (FIFO), not a regular file; save the data to a file and give that file [PS230]",
    "parscore: units/d.xlsx: is a character device, not a regular file; save the data to a file and give that file [PS230]",
]


def test_a_batch_folder_names_its_fifos_and_devices_and_skips_excel_lock_files(folder):
    """Before, `score --batch` and `rank` left out a FIFO or a device in silence (and would have
    blocked on it had they not): each is now refused by name, the others still scored."""
    r = cli("score", "--batch", "units", "--jobs", "1", cwd=folder.parent)
    assert r.returncode == 2
    assert r.stderr.splitlines() == [*BATCH_REFUSED, "parscore: cards scored: 1; inputs refused: 3 (errors above)"]
    assert len(r.stdout.splitlines()) == 1


def test_rank_names_the_fifos_and_devices_of_its_folder(folder):
    r = cli("rank", "units", "-m", "par-province-892", cwd=folder.parent)
    assert (r.returncode, r.stderr.splitlines()) == (2, BATCH_REFUSED)


@pytest.mark.parametrize("name, what", [("pipe", "is a named pipe (FIFO)"), ("zero", "is a character device")])
@pytest.mark.parametrize("argv", [["score", "--batch", "{x}.jsonl"], ["score", "--batch", "{x}.xlsx"],
                                  ["rank", "{x}.xlsx", "-m", "par-province-892"]], ids=lambda a: "-".join(a))
def test_batch_and_rank_inputs_that_are_not_files_are_refused_without_hanging(work, name, what, argv):
    """`score --batch pipe.jsonl` waited for ever for a writer, and `--batch zero.jsonl` read
    /dev/zero until memory ran out; `rank pipe.xlsx` said it was not a workbook."""
    if name == "pipe":
        for ext in (".jsonl", ".xlsx"):
            os.mkfifo(work / f"pipe{ext}")
    else:
        for ext in (".jsonl", ".xlsx"):
            (work / f"zero{ext}").symlink_to("/dev/zero")
    args = [a.replace("{x}", name) for a in argv]
    r = cli(*args, cwd=work)
    target = next(a for a in args if a.startswith(name))
    assert (r.returncode, r.stderr.strip()) == (
        2, f"parscore: {target}: {what}, not a regular file; save the data to a file and give that file [PS230]")


def test_a_json_lines_batch_is_capped_in_all_and_per_line(work, monkeypatch):
    """A JSON Lines batch is held in memory: over 1 GiB it is refused whole, with what to do;
    a line over the 5 MiB of any facts document is refused by its line, the others scored."""
    from parscore import batch

    line = json.dumps({"agency": {"code": "x", "name": "X"}, "year": 2025, "facts": {}}) + "\n"
    (work / "in.jsonl").write_text(line + "[" * 300 + "\n" + line, encoding="utf-8")
    monkeypatch.setattr(batch, "MAX_BATCH_BYTES", 200)
    r = cli("score", "--batch", "in.jsonl", cwd=work)
    size = (work / "in.jsonl").stat().st_size
    assert (r.returncode, r.stderr.strip()) == (2, f"parscore: in.jsonl: file is {size} bytes; the limit is 200 bytes "
                                                   "for a JSON Lines batch; split it into several files [PS002]")
    monkeypatch.setattr(batch, "MAX_BATCH_BYTES", 10_000)
    monkeypatch.setattr(batch, "MAX_INPUT_BYTES", 250)
    r = cli("score", "--batch", "in.jsonl", "--jobs", "1", cwd=work)
    assert r.returncode == 2 and len(r.stdout.splitlines()) == 2
    assert r.stderr.splitlines() == [
        "parscore: in.jsonl:2: the line is 301 bytes; the limit is 250 bytes for one facts document [PS002]",
        "parscore: cards scored: 2; inputs refused: 1 (errors above)"]
    r = cli("score", "--batch", "in.jsonl", "--jobs", "1", cwd=work, lang="vi")
    assert r.stderr.splitlines()[0] == ("parscore: in.jsonl:2: dòng này có 301 byte, vượt giới hạn 250 byte của một "
                                        "tài liệu số liệu [PS002]")


@pytest.mark.parametrize("agency, error", [
    ("{code: x, name: '" + "x" * 501 + "'}", "agency: the agency's name is 501 characters long; it may have at most 500 [PS072]"),
    ("{code: '" + "c" * 101 + "', name: X}", "agency: the agency's code is 101 characters long; it may have at most 100 [PS072]"),
])
def test_an_agency_name_or_code_no_report_could_hold_is_refused(tmp_path, agency, error):
    """A 3-million-character agency name was scored, written whole into every report, and cut
    to 32,767 characters in a workbook's cell without a word."""
    (tmp_path / "f.yaml").write_text(f"agency: {agency}\nyear: 2025\nfacts: {{}}\n", encoding="utf-8")
    r = cli("score", "f.yaml", cwd=tmp_path)
    assert (r.returncode, r.stderr.strip()) == (2, f"parscore: f.yaml:1: {error}")
    (tmp_path / "ok.yaml").write_text("agency: {code: x, name: '" + "x" * 500 + "'}\nyear: 2025\nfacts: {}\n", encoding="utf-8")
    assert cli("score", "ok.yaml", cwd=tmp_path).returncode == 0
