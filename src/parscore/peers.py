"""Peer tables, published results of a round, and rank projection.

A peer table holds other provinces' indices for one year; its size is whatever the
data holds (63 provinces before the 2025 merger, 34 after). A results file
(`kind: results`) is a peer table whose rows also carry the published rank, group,
SIPAS and field results, each row with its source and the list of its figures that
are published. Ranks are competition ranks, as published rankings give them: equal
indices share a rank, and the next rank skips (1, 2, 2, 4).

A card is ranked among the provinces of its own year. When the table is of another
year (a 2025 card against the 2024 round), the number of provinces ranked in the
card's year comes from the table's `provinces_by_year` (34 after the merger), and the
rank among the table's rows is scaled to that count: a projection, marked as such.
"""
from __future__ import annotations

import csv
import io
import math
import os
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .errors import InputError, Problem
from .yamlio import load_yaml, read_text


@dataclass(frozen=True)
class FieldResult:
    points: Decimal
    rank: int | None


@dataclass(frozen=True)
class Peer:
    code: str
    province: str
    index: Decimal
    status: str          # published | illustrative
    source: str
    rank: int | None = None
    group: str | None = None
    sipas: Decimal | None = None
    fields: tuple[tuple[str, FieldResult], ...] = ()
    published: tuple[str, ...] = ()


@dataclass(frozen=True)
class PeerTable:
    file: str
    year: int | None
    peers: tuple[Peer, ...]
    provinces_by_year: tuple[tuple[int, int], ...] = ()

    def count_in(self, year: int | None) -> int | None:
        """How many provinces are ranked in `year`, when the table says."""
        return dict(self.provinces_by_year).get(year) if year is not None else None

    def row(self, code: str) -> Peer | None:
        return next((p for p in self.peers if p.code == code), None)

    def rank_of(self, code: str) -> int | None:
        for p in self.peers:
            if p.code == code:
                return competition_rank(p.index, [q.index for q in self.peers if q.code != code])
        return None


@dataclass(frozen=True)
class RankProjection:
    rank: int
    of: int
    previous_rank: int | None
    change: int | None           # positive = places gained; None when the counts differ
    peers_file: str
    year: int | None = None      # the year the rank is among (the card's)
    previous_of: int | None = None
    scaled_from: int | None = None   # the table's size when the rank was scaled to `of`
    raw_rank: int | None = None      # the rank among the table's rows, before scaling
    table_year: int | None = None


@dataclass(frozen=True)
class FieldRank:
    field: str
    best: int                    # the card's field rank lies within [best, worst]
    worst: int
    of: int
    anchors: int                 # peers with a published or given field result


def scale_rank(rank: int, size: int, count: int) -> int:
    """A rank among `size` provinces carried over to `count` provinces, by position."""
    return max(1, min(count, math.ceil(Decimal(rank) * count / size)))


def competition_rank(index: Decimal, others: list[Decimal]) -> int:
    return 1 + sum(1 for x in others if x > index)


def project_rank(index: Decimal, peers: PeerTable, agency_code: str, year: int | None = None) -> RankProjection:
    """Where `index` would rank among the peers, the agency's own row replaced; among the
    provinces of `year` when the table is of another year and says how many there are."""
    others = [p.index for p in peers.peers if p.code != agency_code]
    rank = competition_rank(index, others)
    size = len(others) + 1
    previous = peers.rank_of(agency_code)
    count = peers.count_in(year) if year is not None and peers.year is not None and year != peers.year else None
    if count is not None and count != size:
        return RankProjection(scale_rank(rank, size, count), count, previous, None, peers.file, year,
                              size if previous is not None else None, size, rank, peers.year)
    return RankProjection(rank, size, previous, None if previous is None else previous - rank, peers.file, year or peers.year,
                          size if previous is not None else None)


def project_field_ranks(fields: list[tuple[str, Decimal | None, Decimal]], peers: PeerTable, agency_code: str,
                        year: int | None = None) -> list[FieldRank]:
    """Field component ranks, where peers give field results with their ranks.

    Each peer with a field result and its rank is an anchor: a card above it ranks no
    worse than that rank, a card below it at least one place after it. The rank is a
    range [best, worst]; `fields` is (code, the card's field index, the field maximum)."""
    size = len([p for p in peers.peers if p.code != agency_code]) + 1
    count = peers.count_in(year) if year is not None and peers.year is not None and year != peers.year else None
    out = []
    for code, idx, fmax in fields:
        anchors = [(fr.points / fmax * 100, fr.rank) for p in peers.peers if p.code != agency_code
                   for c, fr in p.fields if c == code and fr.rank is not None and fmax > 0]
        if idx is None or not anchors:
            continue
        best = max([r + 1 for i, r in anchors if i > idx] + [r for i, r in anchors if i == idx] + [1])
        worst = min([r for i, r in anchors if i < idx] + [r for i, r in anchors if i == idx] + [size])
        worst = max(best, worst)
        if count is not None and count != size:
            best, worst = scale_rank(best, size, count), scale_rank(worst, size, count)
        out.append(FieldRank(code, best, worst, count if count is not None and count != size else size, len(anchors)))
    return out


REQUIRED = ("code", "province", "index", "status")


def load_peers(path: str | os.PathLike[str]) -> PeerTable:
    name = str(path)
    counts: tuple[tuple[int, int], ...] = ()
    rows: list[tuple[int | None, Any]]   # (line, row as read): a YAML row may be anything, checked below
    if Path(name).suffix.lower() == ".csv":
        text = read_text(os.fspath(path))
        reader = _csv_reader(text)
        header = reader.fieldnames or []
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise InputError.one(name, 1, "header", f"missing column(s) {', '.join(missing)}; expected {', '.join(REQUIRED)}, source "
                                 "(separated by commas, semicolons or tabs)", "PS120")
        rows = [(reader.line_num, dict(r)) for r in reader]
        year = None
    else:
        doc = load_yaml(os.fspath(path))
        if not isinstance(doc.data, dict) or not isinstance(doc.data.get("rows"), list):
            raise InputError.one(name, 1, "rows", "expected a mapping with year and rows: a list of {code, province, index, status, source}", "PS120")
        rows = [(doc.line(("rows", i)), r) for i, r in enumerate(doc.data["rows"])]
        year = doc.data.get("year") if isinstance(doc.data.get("year"), int) else None
        by_year = doc.data.get("provinces_by_year")
        if by_year is not None:
            if not isinstance(by_year, dict) or not all(isinstance(k, int) and isinstance(v, int) and v > 0 for k, v in by_year.items()):
                raise InputError.one(name, doc.line(("provinces_by_year",)), "provinces_by_year",
                                     "expected year: number of provinces ranked, e.g. {2024: 63, 2025: 34}", "PS310")
            counts = tuple(sorted(by_year.items()))
    problems: list[Problem] = []
    peers: list[Peer] = []
    seen: dict[str, int | None] = {}
    for line, row in rows:
        if not isinstance(row, dict):
            problems.append(Problem(name, line, "row", "expected {code, province, index, status, source}", "PS121"))
            continue
        code = str(row.get("code") or "").strip()
        province = str(row.get("province") or "").strip()
        where = f"row {code or province or '?'}"
        if not code or not province:
            problems.append(Problem(name, line, where, "code and province are required", "PS121"))
            continue
        if code in seen:
            problems.append(Problem(name, line, where, f"duplicate province '{code}' (first at line {seen[code]})", "PS122"))
            continue
        seen[code] = line
        index = _index(row.get("index"))
        if index is None:
            problems.append(Problem(name, line, f"{where}.index", f"expected a number such as 89.33, got {row.get('index')!r}", "PS123"))
            continue
        if not Decimal(0) <= index <= Decimal(100):
            problems.append(Problem(name, line, f"{where}.index", f"an index lies within 0–100, got {row.get('index')}", "PS124"))
            continue
        status = str(row.get("status") or "").strip()
        source = str(row.get("source") or "").strip()
        if status not in ("published", "illustrative"):
            problems.append(Problem(name, line, f"{where}.status", f"expected published or illustrative, got {status!r}", "PS125"))
            continue
        if status == "published" and not source:
            problems.append(Problem(name, line, f"{where}.source", "a published figure needs its source", "PS125"))
            continue
        extra = _results_fields(row, name, line, where, problems)
        if extra is None:
            continue
        peers.append(Peer(code, province, index, status, source, **extra))
    if not peers and not problems:
        problems.append(Problem(name, None, "rows", "the peer table has no rows", "PS121"))
    if problems:
        raise InputError(problems)
    return PeerTable(name, year, tuple(peers), counts)


RESULT_KEYS = {"code", "province", "index", "status", "source", "rank", "group", "sipas", "sipas_rank", "fields", "published", "note"}


def _results_fields(row: dict[str, Any], name: str, line: int | None, where: str, problems: list[Problem]) -> dict[str, Any] | None:
    """The published-results columns of a row (rank, group, SIPAS, field results), checked."""
    unknown = sorted(str(k) for k in row if k not in RESULT_KEYS)
    if unknown:
        problems.append(Problem(name, line, where, f"unknown key(s) {', '.join(unknown)}; a row takes {', '.join(sorted(RESULT_KEYS))}", "PS311"))
        return None
    out: dict[str, Any] = {}
    rank = row.get("rank")
    if rank is not None:
        if isinstance(rank, bool) or not isinstance(rank, int) or rank < 1:
            problems.append(Problem(name, line, f"{where}.rank", f"expected a rank such as 20, got {rank!r}", "PS311"))
            return None
        out["rank"] = rank
    if row.get("group") is not None:
        out["group"] = str(row["group"])
    if row.get("sipas") is not None:
        sip = _index(row["sipas"])
        if sip is None or not Decimal(0) <= sip <= Decimal(100):
            problems.append(Problem(name, line, f"{where}.sipas", f"expected a SIPAS percentage such as 86.42, got {row['sipas']!r}", "PS311"))
            return None
        out["sipas"] = sip
    fields = row.get("fields")
    if fields is not None:
        if not isinstance(fields, dict):
            problems.append(Problem(name, line, f"{where}.fields", 'expected {"3": {points: 12.75, rank: 32}, ...}', "PS311"))
            return None
        parsed = []
        for code, fr in sorted(fields.items(), key=lambda kv: str(kv[0])):
            pts = _index(fr.get("points")) if isinstance(fr, dict) else None
            frank = fr.get("rank") if isinstance(fr, dict) else None
            if pts is None or pts < 0 or (frank is not None and (isinstance(frank, bool) or not isinstance(frank, int) or frank < 1)):
                problems.append(Problem(name, line, f"{where}.fields.{code}",
                                        'expected the field result as {points: 12.75, rank: 32} (points out of the field maximum)', "PS311"))
                return None
            parsed.append((str(code), FieldResult(pts, frank)))
        out["fields"] = tuple(parsed)
    pub = row.get("published")
    if pub is not None:
        if not isinstance(pub, list) or not all(isinstance(x, str) for x in pub):
            problems.append(Problem(name, line, f"{where}.published", "expected the list of published figures, e.g. [index, rank]", "PS311"))
            return None
        if not str(row.get("source") or "").strip():
            problems.append(Problem(name, line, f"{where}.source", "a published figure needs its source", "PS125"))
            return None
        out["published"] = tuple(pub)
    return out


def _csv_reader(text: str) -> "csv.DictReader[str]":
    """The table's rows, its columns separated by commas, or by semicolons or tabs: Excel
    saves CSV with semicolons where the decimal mark is a comma, as in Vietnamese settings.
    The separator is the first whose header has every required column."""
    for sep in (",", ";", "\t"):
        reader = csv.DictReader(io.StringIO(text), delimiter=sep)
        if all(c in (reader.fieldnames or []) for c in REQUIRED):
            return reader
    return csv.DictReader(io.StringIO(text))


def comma_point(text: str) -> str:
    """An index typed with one decimal comma (89,33, as Vietnamese settings write it) with a
    point instead; any other text as it is. An index lies within 0–100, so the comma cannot
    separate thousands."""
    return text.replace(",", ".") if text.count(",") == 1 and "." not in text else text


def _index(v: Any) -> Decimal | None:
    """An index as written: a number, or its text with one decimal comma (89,33: Excel's CSV in
    Vietnamese settings), as `--target` reads one (`comma_point`)."""
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    raw = str(v).strip()
    if isinstance(v, str):
        raw = comma_point(raw)
    try:
        d = Decimal(raw)
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


def rank_info(card: Any, peers: PeerTable, agency_code: str) -> Any:
    """The scorecard's `rank`: the index's projected rank and the field component ranks."""
    from .models import FieldRankInfo, RankInfo

    r = project_rank(card.index, peers, agency_code, card.year)
    fr = project_field_ranks([(f.code, f.index, f.max) for f in card.fields], peers, agency_code, card.year)
    return RankInfo(rank=r.rank, of=r.of, previous_rank=r.previous_rank, change=r.change, peers=r.peers_file,
                    year=r.year, previous_of=r.previous_of, scaled_from=r.scaled_from, raw_rank=r.raw_rank, table_year=r.table_year,
                    fields=[FieldRankInfo(field=x.field, best=x.best, worst=x.worst, of=x.of, anchors=x.anchors) for x in fr] or None)
