"""An assessment history that lasts: every scorecard and appraisal stage by agency,
year and stage, with the methodology version and a content hash of the inputs.

SQLite (the standard library's, no server) in WAL mode. Every write is one
`BEGIN IMMEDIATE` transaction, so concurrent writers queue instead of losing rows, and
a process killed mid-write leaves no partial record. The schema is versioned in a
`meta` table and migrated forward on open; a file that is not a parscore history
(another database, or not a database at all) is refused with a clear error.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from .errors import InputError
from .models import Scorecard

APPLICATION = "parscore-history"
SCHEMA_VERSION = 2
DEFAULT_STORE = "parscore-history.sqlite"

MIGRATIONS: dict[int, list[str]] = {
    1: [
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        """CREATE TABLE entries (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            agency TEXT NOT NULL, year INTEGER NOT NULL, stage TEXT NOT NULL,
            methodology TEXT NOT NULL, version TEXT NOT NULL, digest TEXT NOT NULL,
            inputs_hash TEXT NOT NULL, created_at TEXT NOT NULL,
            total TEXT NOT NULL, idx TEXT NOT NULL, grp TEXT NOT NULL, card TEXT NOT NULL,
            UNIQUE (agency, year, stage, inputs_hash))""",
    ],
    2: ["ALTER TABLE entries ADD COLUMN note TEXT"],
}


@dataclass(frozen=True)
class Entry:
    id: int
    agency: str
    year: int
    stage: str
    methodology: str
    version: str
    inputs_hash: str
    created_at: str
    total: str
    index: str
    group: str
    note: str | None

    def card(self, store: "HistoryStore") -> Scorecard:
        return store.card(self.id)


def store_path(explicit: str | None) -> str:
    return explicit or os.environ.get("PARSCORE_HISTORY") or DEFAULT_STORE


class HistoryStore:
    def __init__(self, path: str | os.PathLike[str]):
        self.path = str(path)
        p = Path(self.path)
        if p.is_dir():
            raise InputError.one(self.path, None, "store", "is a directory; expected a history database file", "PS160")
        if p.exists() and p.stat().st_size > 0:
            with open(p, "rb") as fh:
                if fh.read(16) != b"SQLite format 3\x00":
                    raise InputError.one(self.path, None, "store", "is not a parscore history database (not an SQLite file); "
                                         "give another --store path", "PS161")
        try:
            self.db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            self.db.execute("PRAGMA busy_timeout = 60000")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise InputError.one(self.path, None, "store", f"cannot use this history database: {exc}", "PS162") from None

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "HistoryStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _version(self) -> int | None:
        tables = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables:
            return None
        if "meta" not in tables:
            raise InputError.one(self.path, None, "store", f"is another application's SQLite database (tables: "
                                 f"{', '.join(sorted(tables))}), not a parscore history", "PS163")
        rows = dict(self.db.execute("SELECT key, value FROM meta").fetchall())
        if rows.get("application") != APPLICATION:
            raise InputError.one(self.path, None, "store", "is another application's SQLite database, not a parscore history", "PS163")
        return int(rows["schema_version"])

    def _migrate(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            version = self._version()
            if version is not None and version > SCHEMA_VERSION:
                raise InputError.one(self.path, None, "store", f"was written by a newer parscore (schema {version}, "
                                     f"this one knows {SCHEMA_VERSION})", "PS164")
            start = 0 if version is None else version
            for v in range(start + 1, SCHEMA_VERSION + 1):
                for sql in MIGRATIONS[v]:
                    self.db.execute(sql)
            if version is None:
                self.db.execute("INSERT INTO meta VALUES ('application', ?)", (APPLICATION,))
                self.db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            elif start < SCHEMA_VERSION:
                self.db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("PRAGMA journal_mode = WAL")

    def add(self, card: Scorecard, inputs_hash: str, note: str | None = None) -> int:
        """Store one scorecard; the same inputs at the same stage are stored once."""
        if card.year is None:
            raise InputError.one(self.path, None, "year", "the facts file gives no year; history is kept by agency and year", "PS167")
        payload = card.model_dump_json()
        self.db.execute("BEGIN IMMEDIATE")
        try:
            row = self.db.execute("SELECT id FROM entries WHERE agency = ? AND year = ? AND stage = ? AND inputs_hash = ?",
                                  (card.agency.code, card.year, card.stage, inputs_hash)).fetchone()
            if row is None:
                cur = self.db.execute(
                    "INSERT INTO entries (agency, year, stage, methodology, version, digest, inputs_hash, created_at,"
                    " total, idx, grp, card, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (card.agency.code, card.year, card.stage, card.methodology["id"], card.methodology["version"],
                     card.methodology["digest"], inputs_hash, dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                     str(card.total), str(card.index), card.group, payload, note))
                row = (cur.lastrowid,)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return int(row[0])

    def entries(self, agency: str | None = None) -> list[Entry]:
        sql = "SELECT id, agency, year, stage, methodology, version, inputs_hash, created_at, total, idx, grp, note FROM entries"
        args: tuple[Any, ...] = ()
        if agency:
            sql += " WHERE agency = ?"
            args = (agency,)
        return [Entry(*r) for r in self.db.execute(sql + " ORDER BY agency, year, id", args)]

    def card(self, entry_id: int) -> Scorecard:
        row = self.db.execute("SELECT card FROM entries WHERE id = ?", (entry_id,)).fetchone()
        if row is None:
            raise InputError.one(self.path, None, "id", f"no history entry {entry_id}", "PS165")
        return Scorecard.model_validate_json(row[0])

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries())


def inputs_hash(*paths: str | None, extra: str = "") -> str:
    h = hashlib.sha256(extra.encode())
    for p in paths:
        if p:
            h.update(Path(p).read_bytes())
    return h.hexdigest()[:16]


def entries_json(entries: list[Entry]) -> str:
    return json.dumps([e.__dict__ for e in entries], ensure_ascii=False, indent=2) + "\n"
