"""Workbooks the Department of Home Affairs sends to units and reads back.

- a roster (`units:` list) names the units of one level for one year;
- `write_unit_templates` writes one facts workbook per unit (the ordinary template,
  with the unit's code, name and year filled in), never replacing a unit's file;
- `units_workbook` makes one workbook with one sheet per unit, and
  `read_units_workbook` reads it back, every bad cell located by sheet and cell.
"""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .errors import InputError, Problem
from .loading import FactValue, Facts, Methodology, check_parts
from .i18n import ByLanguage, text as ui_text
from .models import Agency, Evidence, UnitLevel
from .yamlio import load_model

META = "_parscore"
HEAD = ByLanguage("workbook", "unit_head")
LABELS = ByLanguage("workbook", "unit_labels")
FIRST = 7   # first fact row


class RosterUnit(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=60)
    name: str = Field(min_length=1)


class Roster(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    roster: str = Field(min_length=1, description="what this list is, e.g. its decision")
    year: int = Field(ge=2000, le=2100)
    level: UnitLevel
    units: list[RosterUnit] = Field(min_length=1)


def load_roster(path: str | os.PathLike[str], m: Methodology) -> Roster:
    r: Roster
    r, doc = load_model(os.fspath(path), Roster, "PS413", "a unit roster: roster, year, level, units: [{code, name}]")
    problems = []
    if r.level != m.applies_to:
        problems.append(Problem(doc.file, doc.line(("level",)), "level", f"the roster lists {r.level} units, but {m.id} applies to: "
                                f"{m.applies_to}; pass -m with a {r.level} methodology", "PS413"))
    seen: dict[str, int] = {}
    for i, u in enumerate(r.units):
        if u.code in seen:
            problems.append(Problem(doc.file, doc.line(("units", i, "code")), "units.code", f"code '{u.code}' is listed twice", "PS413"))
        seen[u.code] = i
    if problems:
        raise InputError(problems)
    return r


def write_unit_templates(m: Methodology, roster: Roster, outdir: str | os.PathLike[str], lang: str = "vi") -> list[str]:
    """One facts workbook per unit in `outdir`, each said on stderr; the files kept because they exist."""
    import io

    from .excel import write_template
    from .files import write_output

    out = Path(outdir)
    if out.exists() and not out.is_dir():
        raise InputError.one(str(out), None, "output", "with a unit roster, -o names a folder (one workbook per unit)", "PS414")
    out.mkdir(parents=True, exist_ok=True)
    skipped = []
    for u in roster.units:
        target = out / f"{u.code}.xlsx"
        if target.exists():   # a unit's workbook may be filled in already: never replaced
            skipped.append(str(target))
            continue
        buf = io.BytesIO()   # the ordinary template with the unit's code, name and year written in (as text)
        write_template(m, buf, lang, filled=Facts(str(target), Agency(code=u.code, name=u.name), roster.year, m.id, {}))
        try:   # replace=False: refused if another process created the file meanwhile
            write_output(target, buf.getvalue(), lang, replace=False)
        except InputError:
            if not target.exists():
                raise
            skipped.append(str(target))
    return skipped


def _sheet_title(code: str) -> str:
    return code[:31]


def units_workbook(m: Methodology, roster: Roster, lang: str = "vi", name: str = "-o") -> bytes:
    """One workbook, one sheet per unit, as bytes (the caller writes it through `files.write_output`);
    `name`, the file it is for, locates a problem with the roster's unit codes."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.worksheet import Worksheet

    from .excel.template import _allowed, _validation

    target = name
    titles = [_sheet_title(u.code) for u in roster.units]
    if len(set(titles)) != len(titles):
        raise InputError.one(str(target), None, "units", "two unit codes share their first 31 characters (an Excel sheet name); shorten them", "PS413")
    wb = Workbook()
    info = wb.active
    assert isinstance(info, Worksheet)  # a new workbook holds one ordinary worksheet
    words = ui_text("workbook", lang)
    info.title = words["info"]
    lines = [line.format(year=roster.year, roster=roster.roster, id=m.id, version=m.version) for line in words["units_info_lines"]]
    for i, line in enumerate(lines, 1):
        info.cell(row=i, column=1, value=line)
    info["A1"].font = Font(bold=True, size=13)
    info.column_dimensions["A"].width = 110
    from openpyxl.worksheet.datavalidation import DataValidation

    for u in roster.units:
        ws = wb.create_sheet(_sheet_title(u.code))
        for i, (label, value) in enumerate(zip(LABELS[lang], [u.code, u.name, roster.year, None]), start=1):
            ws.cell(row=i, column=1, value=label).font = Font(bold=True)
            ws.cell(row=i, column=2, value=value)
        ws.cell(row=4, column=2).fill = PatternFill("solid", fgColor="FFF2CC")
        ws.append([])
        ws.append(HEAD[lang])
        for cell in ws[FIRST - 1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        words = ui_text("workbook", lang)
        yesno = DataValidation(type="list", formula1=f'"{words["true"]},{words["false"]}"', allow_blank=True)
        ws.add_data_validation(yesno)
        for row, name in enumerate(m.facts, start=FIRST):
            spec = m.facts[name]
            ws.append([name, spec.description.get(lang), spec.unit.get(lang), None, _allowed(m, name, lang), None, None, None,
                       ", ".join(m.users_of(name))])
            ws.cell(row=row, column=4).fill = PatternFill("solid", fgColor="FFF2CC")
            if spec.type == "boolean":
                yesno.add(f"D{row}")
            else:
                dv = _validation(spec, lang)
                if dv is not None:
                    ws.add_data_validation(dv)
                    dv.add(f"D{row}")
        for col, width in zip("ABCDEFGHI", (34, 60, 14, 14, 18, 18, 14, 24, 14)):
            ws.column_dimensions[col].width = width
        ws.freeze_panes = f"D{FIRST}"
    meta = wb.create_sheet(META)
    for k, v in (("methodology", m.id), ("version", m.version), ("digest", m.digest), ("lang", lang), ("layout", "one-sheet-per-unit")):
        meta.append([k, v])
    meta.sheet_state = "hidden"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def open_units_workbook(path: str | os.PathLike[str]) -> tuple[Any, dict[str, Any] | None]:
    """The workbook, read once through the file layer and opened within the workbook bounds
    (zip members, DTDs, sizes), and its hidden `_parscore` sheet as a mapping (methodology,
    layout...), or None for a workbook parscore did not make."""
    from .excel.safety import open_workbook

    wb = open_workbook(str(path), "vi")
    if META not in wb.sheetnames:
        return wb, None
    return wb, {str(r[0].value): r[1].value for r in wb[META].iter_rows(max_col=2) if r[0].value}


def read_units_workbook(path: str | os.PathLike[str], m: Methodology, lang: str = "vi",
                        opened: tuple[Any, dict[str, Any] | None] | None = None) -> list[Facts]:
    """Each unit sheet → that unit's facts; all problems at once, located `Sheet!D12`.
    A fact's cell is read exactly as in a single agency's workbook (`excel.reader.fact_value`:
    yes/no words, percent formats, numbers typed as text), with the same advice in `lang`.
    `opened`: what `open_units_workbook` gave for it, when the caller opened it already."""
    from .excel.reader import fact_value
    from .excel.safety import rows

    name = str(path)
    wb, meta = opened if opened is not None else open_units_workbook(name)
    if meta is None:
        raise InputError.one(name, None, "", "is not a parscore units workbook (no _parscore sheet); "
                             "generate one with `parscore template -m ID --units ROSTER -o FILE.xlsx`", "PS415")
    if meta.get("layout") != "one-sheet-per-unit":
        raise InputError.one(name, None, f"{META}!B5", "is a single unit's template, not a workbook with one sheet per unit; "
                             "put single-unit workbooks in a folder and rank the folder", "PS415")
    book = "en" if meta.get("lang") == "en" else "vi"   # the labels' language
    problems: list[Problem] = []
    if meta.get("methodology") != m.id:
        problems.append(Problem(name, None, f"{META}!B1", f"workbook for methodology {meta.get('methodology')!r}, not {m.id}", "PS415"))
    out: list[Facts] = []
    for ws in wb.worksheets:
        if ws.title == META or ws.cell(row=1, column=1).value != LABELS[book][0]:
            continue
        code, uname, year, na_text = (ws.cell(row=i, column=2).value for i in range(1, 5))
        t = ws.title
        if not code or not uname:
            problems.append(Problem(name, None, f"{t}!B1", "unit code (B1) and name (B2) are required", "PS415"))
        if not isinstance(year, int) or not 2000 <= year <= 2100:
            problems.append(Problem(name, None, f"{t}!B3", f"expected the year such as 2025, got {year!r}", "PS415"))
        not_assigned = _not_assigned(na_text, m, lambda msg, t=t: problems.append(Problem(name, None, f"{t}!B4", msg, "PS400")))
        values: dict[str, FactValue] = {}
        evidence: dict[str, tuple[Evidence, ...]] = {}
        for row in rows(ws, name, lang):   # the non-empty cells by column (1 = A); a formula without its result is named
            line = next(iter(row.values())).row
            fact = row[1].value if 1 in row else None
            if line < FIRST or fact is None:
                continue
            if not isinstance(fact, str) or fact not in m.facts:
                problems.append(Problem(name, None, f"{t}!A{line}", f"unknown fact id {fact!r}; do not edit column A", "PS415"))
                continue
            if 4 not in row:   # no value
                continue
            where = f"{t}!D{line}"
            typed = fact_value(row[4], fact, m, lang, lambda text, w=where: problems.append(Problem(name, None, w, text, "PS186")))
            if typed is None:
                continue
            values[fact] = typed
            number, date, issuer = (row[c].value if c in row else None for c in (6, 7, 8))
            if number:
                evidence[fact] = (Evidence(number=str(number), date=date.date() if isinstance(date, dt.datetime) else date if isinstance(date, dt.date) else None,
                                           issuer=str(issuer) if issuer else None),)
        try:
            check_parts(values, m, f"{name}: {t}")
        except InputError as exc:
            problems.extend(exc.problems)
        if code and uname and isinstance(year, int):
            out.append(Facts(f"{name}!{t}", Agency(code=str(code), name=str(uname)), year, m.id, values, evidence,
                             level=m.applies_to, not_assigned=not_assigned))
    if problems:
        raise InputError(problems)
    if not out:
        raise InputError.one(name, None, "", "holds no unit sheet", "PS415")
    return out


def _not_assigned(text: Any, m: Methodology, bad: Any) -> dict[str, str]:
    if text is None or not str(text).strip():
        return {}
    if m.denominator != "applicable":
        bad(f"{m.id} counts every task for every unit (denominator: fixed); leave this cell empty")
        return {}
    out: dict[str, str] = {}
    for part in str(text).split(";"):
        if not part.strip():
            continue
        code, _, reason = part.partition(":")
        code = code.strip()
        if code not in m.codes:
            bad(f"unknown item '{code}'; write e.g. '6.1.1: không được giao vốn đầu tư công'")
        elif not reason.strip():
            bad(f"give the reason after '{code}:'")
        else:
            out[code] = reason.strip()
    return out


