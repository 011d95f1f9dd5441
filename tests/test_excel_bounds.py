"""Work on a workbook is bounded by its content, not by what its archive claims: hostile
files are built here with zipfile (no large binaries in the repository) and imported in
a child process whose time and peak memory are measured."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zipfile

import pytest

from conftest import ROOT
from parscore import load_methodology
from parscore.excel import write_template

M = load_methodology("par-province-892")
LIMIT_MB = 200
LIMIT_S = 20   # generous for a shared CI machine; a real run takes about a second

# The peak is read from /proc (VmHWM, this process image's own high-water mark): ru_maxrss
# carries over the parent's peak across fork and exec, so under a large pytest it measured
# the test runner, not the command.
PROBE = r"""
import json, resource, sys, time
from parscore.cli import main
t = time.monotonic()
rc = main(sys.argv[1:])
try:
    hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
except (OSError, StopIteration):
    hwm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"rc": rc, "seconds": time.monotonic() - t, "max_rss_mb": hwm / 1024}))
"""


def measured(*args: str) -> tuple[dict, str]:
    r = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, cwd=ROOT, timeout=120,
                       env={**os.environ})
    assert r.stdout.strip(), r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1]), r.stderr


def filled_template(tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "t.xlsx"
    write_template(M, path)
    wb = load_workbook(path)
    info = wb["Hướng dẫn"]
    info["B8"], info["B9"], info["B10"] = "ca-mau", "UBND tỉnh Cà Mau", 2025
    return path, wb


def rewrite(src, dst, replace: dict[str, object], extra: int = 0):
    """Copy an archive, replacing members by bytes or by a generator of chunks (streamed)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zout:
        for info in zin.infolist():
            body = replace.get(info.filename)
            if body is None:
                zout.writestr(info.filename, zin.read(info.filename))
            elif isinstance(body, bytes):
                zout.writestr(info.filename, body)
            else:
                with zout.open(info.filename, "w", force_zip64=True) as out:
                    for chunk in body:
                        out.write(chunk)
        for name, body in replace.items():
            if name not in zin.namelist():
                zout.writestr(name, body)
        for i in range(extra):
            zout.writestr(f"xl/media/pad{i}.bin", b"")


def test_one_cell_at_the_last_row_is_refused_quickly(tmp_path):
    path, wb = filled_template(tmp_path)
    wb["Lĩnh vực 3"].cell(row=1_048_576, column=1, value="x")
    wb.save(path)
    assert path.stat().st_size < 48_000   # a small file: the work must be bounded by content, not by size
    got, err = measured("import", str(path))
    assert got["rc"] == 2
    assert err.strip() == (f"parscore: {path}: Lĩnh vực 3!A1048576: ô có dữ liệu nằm ngoài vùng của mẫu (quá dòng 2000 "
                           "hoặc cột 40); xoá nội dung ô này [PS262]")
    assert got["seconds"] < LIMIT_S and got["max_rss_mb"] < LIMIT_MB, got


def test_a_cell_far_to_the_right_is_refused(tmp_path):
    path, wb = filled_template(tmp_path)
    wb["Tự đánh giá"].cell(row=3, column=16_384, value=1)
    wb.save(path)
    got, err = measured("import", str(path), "--lang", "en")
    assert got["rc"] == 2 and "Tự đánh giá!XFD3: a cell with content lies outside the template" in err and "[PS262]" in err


def _repeated_cells(total_bytes: int):
    head = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main"><sheetData>')
    yield head
    row = b"".join(b'<c t="n"><v>1</v></c>' for _ in range(2000))
    chunk = b"".join(b'<row>' + row + b'</row>' for _ in range(25))   # ~1 MB
    for _ in range(total_bytes // len(chunk)):
        yield chunk
    yield b"</sheetData></worksheet>"


def test_a_zip_bomb_sheet_is_refused_before_it_is_inflated(tmp_path):
    path, wb = filled_template(tmp_path)
    wb.save(path)
    bomb = tmp_path / "bomb.xlsx"
    rewrite(path, bomb, {"xl/worksheets/sheet2.xml": _repeated_cells(500 * 1024 * 1024)})
    assert bomb.stat().st_size < 5 * 1024 * 1024
    with zipfile.ZipFile(bomb) as z:
        assert z.getinfo("xl/worksheets/sheet2.xml").file_size > 500 * 1000 * 1000
    got, err = measured("import", str(bomb))
    assert got["rc"] == 2
    assert err.startswith(f"parscore: {bomb}: xl/worksheets/sheet2.xml: phần này giải nén ra ")
    assert err.rstrip().endswith("[PS261]")
    assert got["seconds"] < LIMIT_S and got["max_rss_mb"] < LIMIT_MB, got


def test_bounds_on_shared_strings_member_count_and_total(tmp_path):
    path, wb = filled_template(tmp_path)
    wb.save(path)
    strings = tmp_path / "strings.xlsx"
    big = b"<sst>" + b"<si><t>a</t></si>" * 600_000 + b"</sst>"   # 10 MB of one-letter strings
    rewrite(path, strings, {"xl/sharedStrings.xml": big})
    got, err = measured("score", str(strings), "--lang", "en")
    assert got["rc"] == 2 and "xl/sharedStrings.xml: this part inflates to" in err and "[PS261]" in err, err
    many = tmp_path / "many.xlsx"
    rewrite(path, many, {}, extra=300)
    got, err = measured("score", str(many), "--lang", "en")
    assert got["rc"] == 2 and "archive parts, more than 200" in err and "[PS261]" in err, err
    total = tmp_path / "total.xlsx"
    sheet = b"<worksheet>" + b" " * (15 * 1024 * 1024) + b"</worksheet>"
    rewrite(path, total, {f"xl/worksheets/sheet{i}.xml": sheet for i in range(2, 7)})
    got, err = measured("score", str(total), "--lang", "en")
    assert got["rc"] == 2 and "the workbook's parts inflate to" in err and "[PS261]" in err, err


def test_a_member_that_lies_about_its_size_is_a_damaged_workbook(tmp_path):
    """zipfile stops at the declared size; the CRC then fails and nothing beyond is read."""
    path, wb = filled_template(tmp_path)
    wb.save(path)
    liar = tmp_path / "liar.xlsx"
    rewrite(path, liar, {"xl/worksheets/sheet2.xml": _repeated_cells(50 * 1024 * 1024)})
    data = bytearray(liar.read_bytes())
    # the central directory entry (PK\1\2) holds the uncompressed size at offset 24; declare 1000 bytes
    name = b"xl/worksheets/sheet2.xml"
    at = data.find(b"PK\x01\x02")
    while data[at + 46:at + 46 + len(name)] != name:
        at = data.find(b"PK\x01\x02", at + 1)
    data[at + 24:at + 28] = (1000).to_bytes(4, "little")
    liar.write_bytes(bytes(data))
    with zipfile.ZipFile(liar) as z:
        assert z.getinfo(name.decode()).file_size == 1000
    got, err = measured("score", str(liar), "--lang", "en")
    assert got["rc"] == 2 and "[PS180]" in err and "Traceback" not in err, err
    assert got["seconds"] < LIMIT_S and got["max_rss_mb"] < LIMIT_MB, got


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_or_a_link_to_a_device_is_not_read(tmp_path):
    fifo = tmp_path / "f.xlsx"
    os.mkfifo(fifo)
    link = tmp_path / "zero.xlsx"
    link.symlink_to("/dev/zero")
    for p in (fifo, link):
        t = time.monotonic()
        got, err = measured("score", str(p), "--lang", "en")
        # refused by the one file layer (files.py) before anything is read
        assert got["rc"] == 2 and err.strip().endswith("[PS230]") and err.startswith(f"parscore: {p}: ")
        assert time.monotonic() - t < LIMIT_S


def test_entity_expansion_is_refused_before_parsing(tmp_path):
    path, wb = filled_template(tmp_path)
    wb.save(path)
    ents = "".join(f'<!ENTITY l{i} "' + f"&l{i - 1};" * 10 + '">' for i in range(1, 10))
    xml = ('<?xml version="1.0"?><!DOCTYPE w [<!ENTITY l0 "ha">' + ents + ']><worksheet xmlns="http://schemas.openxmlformats.org/'
           'spreadsheetml/2006/main"><sheetData><row r="2"><c r="A2" t="inlineStr"><is><t>&l9;</t></is></c></row></sheetData>'
           '</worksheet>').encode()
    bad = tmp_path / "laughs.xlsx"
    rewrite(path, bad, {"xl/worksheets/sheet2.xml": xml})
    got, err = measured("import", str(bad), "--lang", "en")
    assert got["rc"] == 2 and err.strip() == (f"parscore: {bad}: xl/worksheets/sheet2.xml: this part declares a DOCTYPE/ENTITY, "
                                              "which no real Excel workbook does (possibly a hostile file); copy the data into a "
                                              "fresh `parscore template` [PS261]")
    assert got["seconds"] < LIMIT_S and got["max_rss_mb"] < LIMIT_MB, got
