"""Peer tables and rank projection.

A peer table holds other provinces' indices for one year; its size is whatever the
data holds (63 provinces before the 2025 merger, 34 after). Ranks are competition
ranks, as published rankings give them: equal indices share a rank, and the next
rank skips (1, 2, 2, 4).
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
class Peer:
    code: str
    province: str
    index: Decimal
    status: str          # published | illustrative
    source: str


@dataclass(frozen=True)
class PeerTable:
    file: str
    year: int | None
    peers: tuple[Peer, ...]

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
    change: int | None           # positive = places gained
    peers_file: str


def competition_rank(index: Decimal, others: list[Decimal]) -> int:
    return 1 + sum(1 for x in others if x > index)


def project_rank(index: Decimal, peers: PeerTable, agency_code: str) -> RankProjection:
    """Where `index` would rank among the peers, the agency's own row replaced."""
    others = [p.index for p in peers.peers if p.code != agency_code]
    rank = competition_rank(index, others)
    previous = peers.rank_of(agency_code)
    return RankProjection(rank, len(others) + 1, previous, None if previous is None else previous - rank, peers.file)


REQUIRED = ("code", "province", "index", "status")


def load_peers(path: str | os.PathLike[str]) -> PeerTable:
    name = str(path)
    if Path(name).suffix.lower() == ".csv":
        text = read_text(path)
        reader = csv.DictReader(io.StringIO(text))
        header = reader.fieldnames or []
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise InputError.one(name, 1, "header", f"missing column(s) {', '.join(missing)}; expected {', '.join(REQUIRED)}, source", "PS120")
        rows = [(reader.line_num, dict(r)) for r in reader]
        year = None
    else:
        doc = load_yaml(path)
        if not isinstance(doc.data, dict) or not isinstance(doc.data.get("rows"), list):
            raise InputError.one(name, 1, "rows", "expected a mapping with year and rows: a list of {code, province, index, status, source}", "PS120")
        rows = [(doc.line(("rows", i)), r) for i, r in enumerate(doc.data["rows"])]
        year = doc.data.get("year") if isinstance(doc.data.get("year"), int) else None
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
        peers.append(Peer(code, province, index, status, source))
    if not peers and not problems:
        problems.append(Problem(name, None, "rows", "the peer table has no rows", "PS121"))
    if problems:
        raise InputError(problems)
    return PeerTable(name, year, tuple(peers))


def _index(v: Any) -> Decimal | None:
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    try:
        d = Decimal(str(v).strip())
    except InvalidOperation:
        return None
    return d if d.is_finite() else None
