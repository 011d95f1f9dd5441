"""Opening a workbook someone else made, and writing text someone else typed.

Reading is bounded by content, never by what the file claims: before openpyxl sees
the archive, every zip member's uncompressed size, their number and their sum are
checked (Python's zipfile stops at the declared size, so a member cannot inflate past
it). Sheets are then streamed in read-only mode and only the template's rows are kept;
a cell far outside them (row 1,048,576) is refused with its address.

Writing: text that came from a user is always stored as text, never as a formula
(`=`, `+`, `-`, `@`, tab or CR first), and control characters are removed.
"""
from __future__ import annotations

import os
import re
import io
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator

from ..errors import InputError
from ..files import MAX_INPUT_BYTES
from .texts import msg

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell as Cell_, MergedCell
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

MAX_MEMBERS = 200
MAX_MEMBER_BYTES = 16 * 1024 * 1024          # one sheet's XML, uncompressed
MAX_SHARED_STRINGS_BYTES = 8 * 1024 * 1024   # xl/sharedStrings.xml is loaded whole by openpyxl
MAX_TOTAL_BYTES = 64 * 1024 * 1024
MAX_ROWS = 2_000        # a template sheet holds at most one row per catalogue fact
MAX_COLUMNS = 40

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def open_workbook(path: str | os.PathLike[str], lang: str, data: bytes | None = None) -> Workbook:
    """A read-only openpyxl workbook, after the archive passed every bound.

    The file is read once through the one safe file layer (`files.read_bytes`: a regular
    file only, capped); `data` (an upload's bytes, `parscore serve`) is used instead of
    reading anything, and `path` then only names it in messages."""
    from openpyxl import load_workbook

    from ..files import read_bytes

    name = str(path)
    if data is None:
        data = read_bytes(name, MAX_INPUT_BYTES)
    elif len(data) > MAX_INPUT_BYTES:
        raise InputError.one(name, None, "", msg("too_big", lang, size=len(data), limit=MAX_INPUT_BYTES), "PS002")
    buf = io.BytesIO(data)
    if not zipfile.is_zipfile(buf):
        raise InputError.one(name, None, "", msg("not_xlsx", lang), "PS180")
    try:
        with zipfile.ZipFile(buf) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):
        raise InputError.one(name, None, "", msg("damaged", lang, why="zip"), "PS180") from None
    if len(infos) > MAX_MEMBERS:
        raise InputError.one(name, None, "", msg("too_many_parts", lang, n=len(infos), limit=MAX_MEMBERS), "PS261")
    total = 0
    for info in infos:
        limit = MAX_SHARED_STRINGS_BYTES if info.filename.lower().endswith("sharedstrings.xml") else MAX_MEMBER_BYTES
        if info.file_size > limit:
            raise InputError.one(name, None, info.filename[:100],
                                 msg("part_too_big", lang, size=info.file_size, limit=limit), "PS261")
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        raise InputError.one(name, None, "", msg("parts_too_big", lang, size=total, limit=MAX_TOTAL_BYTES), "PS261")
    _refuse_dtds(name, buf, infos, lang)
    try:
        return load_workbook(buf, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged archives
        raise InputError.one(name, None, "", msg("damaged", lang, why=type(exc).__name__), "PS180") from None


def _refuse_dtds(name: str, buf: io.BytesIO, infos: list[zipfile.ZipInfo], lang: str) -> None:
    """No part of a real workbook declares a DTD; one that does may expand entities
    ("billion laughs"). Only the head of each part is read: a DTD precedes the root."""
    try:
        with zipfile.ZipFile(buf) as zf:
            for info in infos:
                if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
                    continue
                with zf.open(info) as fh:
                    head = fh.read(64 * 1024)
                if b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in head.upper():
                    raise InputError.one(name, None, info.filename[:100], msg("dtd", lang), "PS261")
    except InputError:
        raise
    except Exception:  # a bad CRC or compression: openpyxl will report the archive as damaged
        return


@dataclass(frozen=True)
class Cell:
    row: int
    column: int
    value: Any
    number_format: str

    @property
    def ref(self) -> str:
        from openpyxl.utils import get_column_letter

        return f"{get_column_letter(self.column)}{self.row}"


MAX_CELL_TEXT = 32767   # the most characters a workbook's cell holds


class Uncomputed(str):
    """A formula cell whose result the file does not hold (a program, not Excel, wrote the
    formula): read as its formula text, so that no reader takes it for an empty cell."""


class ExcelError(str):
    """A cell showing one of Excel's errors (#DIV/0!, #REF!, #VALUE!...)."""


def _parser(src: Any, ws: Any, wb: Any) -> Any:
    """openpyxl's streaming sheet parser, keeping what its cached values leave out: a formula
    without a saved result is `Uncomputed` instead of an empty cell, an error is `ExcelError`."""
    from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

    class Parser(WorkSheetParser):
        def parse_cell(self, element: Any) -> Any:
            c = super().parse_cell(element)
            if c["value"] is None:
                formula = element.findtext(FORMULA_TAG)
                if formula:
                    c["value"] = Uncomputed("=" + formula)
            elif c["data_type"] == "e":
                c["value"] = ExcelError(c["value"])
            return c

    return Parser(src, ws._shared_strings, data_only=True, epoch=wb.epoch,
                  date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)


# `ws` and `wb` stay Any here: the streaming parser uses openpyxl's private read-only API
# (_get_source, _shared_strings, _cell_styles, ...), which its stubs do not describe.
def rows(ws: Any, file: str, lang: str, max_rows: int = MAX_ROWS, max_columns: int = MAX_COLUMNS) -> Iterator[dict[int, Cell]]:
    """The non-empty cells of a read-only sheet, row by row (column → Cell).

    Streams the sheet's XML once; a non-empty cell beyond `max_rows` or `max_columns`
    is refused with its address instead of being read or padded to.
    """
    wb = ws.parent
    try:
        with ws._get_source() as src:
            for _idx, raw in _parser(src, ws, wb).parse():
                out: dict[int, Cell] = {}
                for c in raw:
                    v = c["value"]
                    if v is None or (isinstance(v, str) and not v.strip()):
                        continue
                    cell = Cell(c["row"], c["column"], v, _number_format(wb, c["style_id"]))
                    if cell.row > max_rows or cell.column > max_columns:
                        raise InputError.one(file, None, f"{ws.title}!{cell.ref}",
                                             msg("outside", lang, rows=max_rows, cols=max_columns), "PS262")
                    out[cell.column] = cell
                if out:
                    yield out
    except InputError:
        raise
    except Exception as exc:  # a damaged sheet: bad XML, a bad CRC, a bad shared-string index
        raise InputError.one(file, None, ws.title, msg("damaged", lang, why=type(exc).__name__), "PS180") from None


def _number_format(wb: Any, style_id: int) -> str:
    from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE

    try:
        fmt_id = wb._cell_styles[style_id].numFmtId
        if fmt_id < BUILTIN_FORMATS_MAX_SIZE:
            return str(BUILTIN_FORMATS.get(fmt_id, "General"))
        return str(wb._number_formats[fmt_id - BUILTIN_FORMATS_MAX_SIZE])
    except (IndexError, AttributeError, KeyError, TypeError):
        return "General"


def is_percent_format(fmt: str) -> bool:
    """A number format that shows the value ×100 with a % sign ('0.00%'), ignoring quoted text."""
    plain = re.sub(r'"[^"]*"|\\.', "", fmt)
    return "%" in plain


def clean_text(text: str) -> str:
    """User text with control characters removed (they are invalid in XLSX and invisible)."""
    return _CONTROL.sub("", text)


def put_text(ws: Worksheet, row: int, column: int, text: object) -> Cell_ | MergedCell:
    """Write user text into a cell as text, whatever it starts with."""
    from openpyxl.styles import Alignment

    cell = ws.cell(row=row, column=column)
    if text is None:
        return cell
    s = clean_text(str(text))
    if len(s) > MAX_CELL_TEXT:   # openpyxl would cut it without a word: the cut is shown, with how much went
        cut = len(s) - (MAX_CELL_TEXT - 24)
        s = s[:MAX_CELL_TEXT - 24] + f" … [+{cut}]"
    cell.value = s
    cell.data_type = "s"
    if s.startswith(_FORMULA_START):
        cell.quotePrefix = True
    if "\n" in s:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell
