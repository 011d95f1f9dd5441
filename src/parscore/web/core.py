"""Turning a request into library inputs, and library outputs into downloads.

Nothing a request says is used as a path: bundled examples, peer tables and lead-unit
assignments are looked up by name in fixed tables; a facts document that names a
methodology by path or a lead-unit file is refused or not followed.
"""
from __future__ import annotations

import dataclasses

import functools
import io
import os
import re
import zipfile
from dataclasses import dataclass, replace
from typing import Any, Callable

import yaml

from ..errors import InputError, Problem
from ..excel import import_xlsx, write_scorecard, write_template
from ..html_report import render_html
from ..resources import bundled_criteria, data_root
from ..loading import FactValue, Facts, Methodology, facts_from_document, load_methodology, parse_fact_value
from ..models import Scorecard
from ..peers import PeerTable, load_peers
from ..planner import Planner
from ..reporting import render_scorecard
from ..simulation import load_scenario
from ..units import LeadUnits, check_units_agency, load_lead_units
from ..workflow import DEFAULT_METHODOLOGY, facts_document, load_inputs, methodology_ref
from ..files import MAX_INPUT_BYTES
from ..yamlio import load_yaml

MAX_UPLOAD_BYTES = MAX_INPUT_BYTES              # the readers' own cap: one facts file or workbook
MAX_REQUEST_BYTES = MAX_INPUT_BYTES + 256 * 1024   # the file plus form fields
MAX_XLSX_UNPACKED = 50 * 1024 * 1024            # a workbook's unzipped size (stops zip bombs)
MAX_XLSX_ENTRIES = 2_000
MAX_CHANGES = 500

# Bundled inputs, by name. Paths are relative to the parscore home and never come from a request.
EXAMPLES: dict[str, str] = {
    "ca-mau-2025": "fixtures/ca-mau-2025/weaknesses.yaml",
    "ca-mau-2025-targets-met": "fixtures/ca-mau-2025/targets-met.yaml",
    "weak-province-2025": "fixtures/weak-province-2025.yaml",
    "incomplete-2025": "fixtures/incomplete-2025.yaml",
}
PEERS: dict[str, str] = {"peers-2024": "fixtures/peers-2024.yaml"}
# Last year, for the projection before the survey is published: a facts file or published results.
BASELINES: dict[str, str] = {"ca-mau-2024": "fixtures/ca-mau-2024.yaml", "results-2024": "fixtures/results-2024.yaml"}
PROJECTION_SAMPLES = 2000   # the page's projection: p5/p50/p95 move by hundredths from 2,000 to 10,000 samples
UNITS: dict[str, str] = {"ca-mau-2025": "fixtures/ca-mau-2025/lead-units.yaml"}


@dataclass(frozen=True)
class Inputs:
    """What one request is about."""

    m: Methodology
    facts: Facts
    peers: PeerTable | None
    units: LeadUnits | None
    source: str            # the upload's name, "request", or "example:NAME"
    yaml_text: str         # the facts as a YAML facts file (what the page posts back)


def safe_name(raw: str | None, default: str = "request") -> str:
    """An upload's file name for messages only: its last component, printable, short."""
    if not raw:
        return default
    base = re.split(r"[\\/]", str(raw))[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in "\r\n\t")[:120].strip()
    return base or default


def public(problems: list[Problem]) -> list[Problem]:
    """Problems as a request's answer shows them: a bundled file by its name in the repository
    (fixtures/ca-mau-2024.yaml), never by the server's path to it."""
    root = str(data_root()) + os.sep
    return [dataclasses.replace(p, file=p.file.replace(root, ""), message=p.message.replace(root, ""))
            if root in p.file or root in p.message else p for p in problems]


def _pick(table: dict[str, str], name: str, field: str, code: str) -> str:
    if name not in table:
        raise InputError.one("request", None, field, f"unknown {field} '{name[:80]}'; choose one of {', '.join(sorted(table))}", code)
    return str(data_root() / table[name])


def methodology_ids() -> list[str]:
    return sorted(p.stem for p in bundled_criteria().glob("*.yaml"))


def methodology_by_id(ref: str, file: str = "request", line: int | None = None) -> Methodology:
    """Only ids of bundled methodologies; an id is never treated as a path."""
    if ref not in methodology_ids():
        raise InputError.one(file, line, "methodology", f"unknown methodology '{ref[:80]}'; over HTTP choose one of "
                             f"{', '.join(methodology_ids())}", "PS350")
    return load_methodology(bundled_criteria() / f"{ref}.yaml")


def peers_by_name(name: str | None) -> PeerTable | None:
    if not name:
        return None
    path = _pick(PEERS, name, "peers", "PS351")
    return _peers(name, path, os.stat(path).st_mtime_ns)


@functools.lru_cache(maxsize=16)
def _peers(name: str, path: str, mtime: int) -> PeerTable:   # bundled and read-only: parsed once per file version
    return replace(load_peers(path), file=PEERS[name])   # named as the CLI run from the repository names it


def project_request(i: "Inputs", facts: Facts, baseline: str, samples: int = 10_000, seed: int | None = None,
                    target: Any = None, redraw: bool = False) -> Any:
    """`parscore project` over HTTP: the survey drawn around a bundled last year (never a path from
    a request), named as the CLI run from the repository names it."""
    from ..projection import DEFAULT_SEED, load_baseline, load_spreads, project

    path = _pick(BASELINES, baseline, "baseline", "PS351")
    last = load_baseline(path, i.m, facts.agency.code, facts.year)
    last = replace(last, file=last.file.replace(path, BASELINES[baseline]))
    return project(i.m, facts, last, load_spreads(i.m), samples, DEFAULT_SEED if seed is None else seed,
                   target, None, i.peers, 10, redraw)


def units_by_name(name: str | None, m: Methodology) -> LeadUnits | None:
    if not name:
        return None
    path = _pick(UNITS, name, "units", "PS351")
    key = (path, os.stat(path).st_mtime_ns, m.id, m.digest)
    if key not in _UNITS_CACHE:   # bundled and read-only: checked once per file and methodology version
        _UNITS_CACHE[key] = load_lead_units(path, m)
    return _UNITS_CACHE[key]


_UNITS_CACHE: dict[tuple[str, int, str, str], LeadUnits] = {}


def check_xlsx(data: bytes, name: str) -> None:
    """A workbook's archive limits, checked before openpyxl unpacks it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise InputError.one(name, None, "", "is not an Excel workbook (.xlsx); save it as an Excel workbook or give a YAML file", "PS180") from None
    unpacked = sum(i.file_size for i in infos)
    if len(infos) > MAX_XLSX_ENTRIES or unpacked > MAX_XLSX_UNPACKED:
        raise InputError.one(name, None, "", f"the workbook unpacks to {unpacked} bytes in {len(infos)} parts; the limit is "
                             f"{MAX_XLSX_UNPACKED} bytes and {MAX_XLSX_ENTRIES} parts", "PS352")


def decode_text(data: bytes, name: str) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError.one(name, line, "", "not valid UTF-8 text; save the file as UTF-8", "PS003") from None


def facts_from_yaml_text(text: str, name: str, methodology: str | None, strict: bool = True) -> tuple[Methodology, Facts]:
    if len(text.encode("utf-8")) > MAX_UPLOAD_BYTES:
        raise InputError.one(name, None, "", f"the facts are larger than {MAX_UPLOAD_BYTES} bytes", "PS002")
    doc = load_yaml(name, text)
    if not isinstance(doc.data, dict):
        raise InputError.one(name, 1, "", "expected a facts mapping with agency, year and facts", "PS070")
    ref = methodology_ref(doc, methodology, allow_paths=False)
    m = methodology_by_id(ref, name, doc.line(("methodology",)))
    # a path in posted facts (lead_units:, baseline:) is never followed: nothing a request says names a file
    facts = facts_from_document(doc, m, strict=strict, nested_baseline=False)
    return m, replace(facts, lead_units=None)


def load_request(*, upload: bytes | None = None, upload_name: str | None = None, text: str | None = None,
                 text_name: str = "request", example: str | None = None, methodology: str | None = None, peers: str | None = None,
                 units: str | None = None, strict: bool = True) -> Inputs:
    """Exactly one of: an uploaded file (YAML or .xlsx), YAML text, a bundled example."""
    given = [x is not None for x in (upload, text, example)]
    if sum(given) != 1:
        raise InputError.one("request", None, "facts", "give exactly one of: a facts file (YAML or .xlsx), the facts as YAML text, "
                             f"or a bundled example ({', '.join(sorted(EXAMPLES))})", "PS354")
    if methodology is not None:
        methodology_by_id(methodology)
    if example is not None:
        m, facts = load_inputs(_pick(EXAMPLES, example, "example", "PS351"), methodology, strict=strict)
        # shown (e.g. where a missing fact is filled in) as the CLI shows it from the repository root,
        # never as a path of the server's file system
        facts = dataclasses.replace(facts, file=EXAMPLES[example])
        source = f"example:{example}"
        own_units = load_lead_units(facts.lead_units, m) if facts.lead_units else None
        text_out = _yaml_dump(facts_document(facts))
        if units is None and own_units is not None:
            return Inputs(m, facts, peers_by_name(peers), own_units, source, text_out)
    elif upload is not None:
        source = safe_name(upload_name, "upload")
        if len(upload) > MAX_UPLOAD_BYTES:
            raise InputError.one(source, None, "", f"file is {len(upload)} bytes; the limit is {MAX_UPLOAD_BYTES} bytes", "PS002")
        if upload[:2] == b"PK" or source.lower().endswith(".xlsx"):
            check_xlsx(upload, source)
            m = methodology_by_id(methodology or DEFAULT_METHODOLOGY)
            facts, doc = import_xlsx(source, m, data=upload)
            text_out = _yaml_dump(doc)
        else:
            text_out = decode_text(upload, source)
            m, facts = facts_from_yaml_text(text_out, source, methodology, strict)
    else:
        source = safe_name(text_name)
        m, facts = facts_from_yaml_text(text or "", source, methodology, strict)
        text_out = text or ""
    lead_units = units_by_name(units, m)
    check_units_agency(lead_units, facts.agency.code)
    return Inputs(m, facts, peers_by_name(peers), lead_units, source, text_out)


def _yaml_dump(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def parse_change(name: str, raw: Any, m: Methodology, file: str = "request") -> FactValue | None:
    """One what-if value, read as `simulate --set` reads one (`loading.parse_fact_value`)."""
    return parse_fact_value(name, raw, m, file)


def parse_changes(pairs: list[tuple[str, Any]], m: Methodology, file: str = "request") -> dict[str, FactValue | None]:
    if len(pairs) > MAX_CHANGES:
        raise InputError.one(file, None, "changes", f"{len(pairs)} changes; the limit is {MAX_CHANGES}", "PS355")
    out: dict[str, FactValue | None] = {}
    problems: list[Problem] = []
    for k, v in pairs:
        try:
            out[str(k)] = parse_change(str(k), v, m, file)
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    return out


def scenario_from_text(text: str, name: str, m: Methodology) -> tuple[str, str | None, dict[str, FactValue | None]]:
    if len(text.encode("utf-8")) > MAX_UPLOAD_BYTES:
        raise InputError.one(name, None, "", f"the scenario is larger than {MAX_UPLOAD_BYTES} bytes", "PS002")
    return load_scenario(name, m, text=text)


def scenario_yaml(changes: dict[str, FactValue | None], name: str, note: str | None = None) -> str:
    """A scenario file as `parscore simulate --scenario` reads it."""
    from ..excel.reader import _yaml_value

    data: dict[str, Any] = {"name": name}
    if note:
        data["note"] = note
    data["set"] = {k: (None if v is None else _yaml_value(v)) for k, v in changes.items()}
    return _yaml_dump(data)


# ---------------------------------------------------------------- downloads
# One table of scorecard download formats: (media type, renderer). A renderer added to the
# library (docx, pdf) is one more line here, and the page and the API offer it at once.

def _xlsx(card: Scorecard, m: Methodology, facts: Facts, lang: str, units: LeadUnits | None) -> bytes:
    buf = io.BytesIO()
    write_scorecard(card, m, buf, facts)
    return buf.getvalue()


def _html(card: Scorecard, m: Methodology, facts: Facts, lang: str, units: LeadUnits | None) -> bytes:
    plan = Planner(m, facts, lang, units).plan() if facts.values else None   # as `parscore score -f html`
    return render_html(card, plan, m).encode("utf-8")


def _json(card: Scorecard, m: Methodology, facts: Facts, lang: str, units: LeadUnits | None) -> bytes:
    return render_scorecard(card, "json").encode("utf-8")


def _docx(card: Scorecard, m: Methodology, facts: Facts, lang: str, units: LeadUnits | None) -> bytes:
    from ..render.docx import render_docx

    buf = io.BytesIO()   # in memory: nothing is written on the server
    render_docx(card, m, facts, buf, None)
    return buf.getvalue()


def _pdf(card: Scorecard, m: Methodology, facts: Facts, lang: str, units: LeadUnits | None) -> bytes:
    from ..render.pdf import html_to_pdf

    plan = Planner(m, facts, lang, units).plan() if facts.values else None
    return html_to_pdf(render_html(card, plan, m), lang)   # Chromium prints in a temporary directory of its own


CARD_FORMATS: dict[str, tuple[str, Callable[[Scorecard, Methodology, Facts, str, LeadUnits | None], bytes]]] = {
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _xlsx),
    "html": ("text/html; charset=utf-8", _html),
    "json": ("application/json", _json),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _docx),
    "pdf": ("application/pdf", _pdf),
}


def facts_yaml(facts: Facts) -> bytes:
    return _yaml_dump(facts_document(facts)).encode("utf-8")


def facts_xlsx(facts: Facts, m: Methodology, lang: str, units: LeadUnits | None) -> bytes:
    buf = io.BytesIO()
    write_template(m, buf, lang, units, filled=facts)
    return buf.getvalue()


FACTS_FORMATS: dict[str, str] = {
    "yaml": "application/yaml; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
