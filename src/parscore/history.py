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
import os
import sqlite3
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import quote

from pydantic import ValidationError

from .jsontext import dumps
from .errors import InputError
from .files import announce, note_input, read_bytes, read_head, short
from .i18n import text
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
    digest: str          # the rules' digest: another one under the same version means edited rules or an overlay
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


COLUMNS = {
    1: ["id", "agency", "year", "stage", "methodology", "version", "digest", "inputs_hash", "created_at", "total", "idx",
        "grp", "card"],
    2: ["id", "agency", "year", "stage", "methodology", "version", "digest", "inputs_hash", "created_at", "total", "idx",
        "grp", "card", "note"],
}
MAX_ID = 2 ** 63 - 1  # SQLite's largest INTEGER


class HistoryStore:
    """A parscore history. `readonly=True` (list, show, trend, diff) never writes, so a store in a read-only
    file or directory can still be read; every damage found is an InputError naming the store."""

    def __init__(self, path: str | os.PathLike[str], readonly: bool = False):
        self.path = str(path)
        self.readonly = readonly
        self.added = 0
        name = short(self.path)
        head = read_head(self.path, 16, field="store") if os.path.lexists(self.path) else b""
        if head and head != b"SQLite format 3\x00":
            raise InputError.one(name, None, "store", "is not a parscore history database (not an SQLite file); "
                                 "give another --store path", "PS161")
        if readonly and not os.path.exists(self.path):
            raise InputError.one(name, None, "store", "no history store here yet; add entries with "
                                 "`parscore history add FACTS --store ...` or give another --store path", "PS240")
        note_input(self.path)
        try:
            self.db = self._connect()
            self.db.execute("PRAGMA busy_timeout = 60000")
            self.db.execute("PRAGMA trusted_schema = OFF")  # a foreign schema's functions never run
            self.db.execute("PRAGMA cell_size_check = ON")
            self.version = self._check_integrity()
            if not readonly:
                self._migrate()
                self.version = SCHEMA_VERSION
            self._check_columns()
        except sqlite3.DatabaseError as exc:
            raise self._damaged(exc) from None
        except InputError:
            if getattr(self, "db", None) is not None:
                self.db.close()
            raise

    def _connect(self) -> sqlite3.Connection:
        if not self.readonly:
            return sqlite3.connect(self.path, timeout=60, isolation_level=None)
        uri = "file:" + quote(os.path.abspath(self.path)) + "?mode=ro"
        db = sqlite3.connect(uri, uri=True, timeout=60, isolation_level=None)
        try:
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return db
        except sqlite3.OperationalError:
            # a WAL store in a read-only directory cannot make its -shm file: read it as immutable
            db.close()
            return sqlite3.connect(uri + "&immutable=1", uri=True, timeout=60, isolation_level=None)

    def _damaged(self, exc: BaseException, what: str = "cannot use this history database") -> InputError:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        if not self.readonly and ("readonly" in reason or "unable to open" in reason or "read-only" in reason):
            return InputError.one(short(self.path), None, "store", f"cannot be written ({reason}); the file or its "
                                  "directory is read-only: list and show still work, or give another --store path", "PS246")
        return InputError.one(short(self.path), None, "store", f"{what}: {reason}; restore it from a backup or "
                              "give another --store path", "PS162")

    def say_written(self, lang: str = "vi") -> None:
        """Say on stderr how many entries this store object wrote."""
        say = text("history", "en" if lang == "en" else "vi")["stored"]
        announce(say.format(n=self.added, store=short(self.path)))

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "HistoryStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check_integrity(self) -> int | None:
        """A store parscore did not make, or a damaged one, is refused before anything is read from it."""
        name = short(self.path)
        found = self.db.execute("PRAGMA quick_check").fetchall()
        if found != [("ok",)]:
            first = " ".join(str(found[0][0]).split()) if found else "no answer"
            raise InputError.one(name, None, "store", f"is damaged ({short(first, 120)}); restore it from a backup "
                                 "or give another --store path", "PS241")
        triggers = [r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")]
        if triggers:
            raise InputError.one(name, None, "store", f"holds triggers parscore did not create ({short(', '.join(triggers), 80)}); "
                                 "a history store with triggers is refused, give another --store path", "PS242")
        return self._version()

    def _version(self) -> int | None:
        name = short(self.path)
        tables = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        tables.discard("sqlite_sequence")
        if not tables:
            if self.readonly:
                raise InputError.one(name, None, "store", "is an empty database, not a parscore history yet", "PS240")
            return None
        if "meta" not in tables:
            raise InputError.one(name, None, "store", f"is another application's SQLite database (tables: "
                                 f"{short(', '.join(sorted(tables)), 120)}), not a parscore history", "PS163")
        try:
            rows = dict(self.db.execute("SELECT key, value FROM meta").fetchall())
        except (sqlite3.DatabaseError, ValueError, TypeError):
            raise InputError.one(name, None, "store", "its meta table is not parscore's (key, value)", "PS163") from None
        if rows.get("application") != APPLICATION:
            raise InputError.one(name, None, "store", "is another application's SQLite database, not a parscore history", "PS163")
        raw = rows.get("schema_version")
        if raw is None:
            raise InputError.one(name, None, "meta.schema_version", "the store records no schema version; it was not "
                                 "made by parscore or is damaged, give another --store path", "PS243")
        if not isinstance(raw, str) or not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= 10 ** 6:
            raise InputError.one(name, None, "meta.schema_version", f"{short(repr(raw), 40)} is not a schema version "
                                 f"(1 to {SCHEMA_VERSION}); the store is damaged, give another --store path", "PS243")
        version = int(raw)
        if version > SCHEMA_VERSION:
            raise InputError.one(name, None, "store", f"was written by a newer parscore (schema {version}, "
                                 f"this one knows {SCHEMA_VERSION})", "PS164")
        if "entries" not in tables:
            raise InputError.one(name, None, "store", "has no entries table; it is damaged, give another --store path", "PS244")
        return version

    def _check_columns(self) -> None:
        want = COLUMNS[self.version or SCHEMA_VERSION]
        got = [r[1] for r in self.db.execute("PRAGMA table_info(entries)")]
        if got != want:
            raise InputError.one(short(self.path), None, "entries", f"has the columns {short(', '.join(got), 160)}, "
                                 f"expected {', '.join(want)} (schema {self.version}); this store was not made by "
                                 "this parscore, give another --store path", "PS244")

    def _migrate(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            version = self._version()
            start = 0 if version is None else version
            if start > 0:
                self.version = start
                self._check_columns()
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
        if self.readonly:
            raise InputError.one(short(self.path), None, "store", "opened read-only; cannot add entries", "PS162")
        if card.year is None:
            raise InputError.one(self.path, None, "year", "the facts file gives no year; history is kept by agency and year", "PS167")
        payload = card.model_dump_json()
        agency = unicodedata.normalize("NFC", card.agency.code)
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as exc:
            raise self._damaged(exc, "cannot write to this history database") from None
        try:
            row = self.db.execute("SELECT id FROM entries WHERE agency = ? AND year = ? AND stage = ? AND inputs_hash = ?",
                                  (agency, card.year, card.stage, inputs_hash)).fetchone()
            if row is None:
                cur = self.db.execute(
                    "INSERT INTO entries (agency, year, stage, methodology, version, digest, inputs_hash, created_at,"
                    " total, idx, grp, card, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (agency, card.year, card.stage, card.methodology["id"], card.methodology["version"],
                     card.methodology["digest"], inputs_hash, dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                     str(card.total), str(card.index), card.group, payload, note))
                row = (cur.lastrowid,)
                self.added += 1
            self.db.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            self.db.execute("ROLLBACK")
            raise self._damaged(exc, "cannot write to this history database") from None
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return int(row[0])

    def entries(self, agency: str | None = None) -> list[Entry]:
        note = "note" if (self.version or SCHEMA_VERSION) >= 2 else "NULL"
        sql = (f"SELECT id, agency, year, stage, methodology, version, digest, inputs_hash, created_at, total, idx, grp, {note} "
               "FROM entries")
        args: tuple[Any, ...] = ()
        if agency:
            sql += " WHERE agency = ?"
            args = (unicodedata.normalize("NFC", agency),)
        try:
            rows = self.db.execute(sql + " ORDER BY agency, year, id", args).fetchall()
        except sqlite3.DatabaseError as exc:
            raise self._damaged(exc) from None
        out = []
        for r in rows:
            if not (isinstance(r[0], int) and isinstance(r[2], int) and all(isinstance(v, str) for v in r[1:12] if v is not r[2])
                    and (r[12] is None or isinstance(r[12], str))):
                raise InputError.one(short(self.path), None, f"entries.{short(str(r[0]), 30)}", "this row holds values of the "
                                     "wrong type (a number where text belongs, or binary data); the store is damaged", "PS245")
            out.append(Entry(*r))
        return out

    def card(self, entry_id: int) -> Scorecard:
        if not isinstance(entry_id, int) or not 1 <= entry_id <= MAX_ID:
            raise InputError.one(short(self.path), None, "id", f"no history entry {short(str(entry_id), 40)} "
                                 f"(ids run from 1 to {MAX_ID})", "PS165")
        try:
            row = self.db.execute("SELECT card FROM entries WHERE id = ?", (entry_id,)).fetchone()
        except sqlite3.DatabaseError as exc:
            raise self._damaged(exc) from None
        if row is None:
            raise InputError.one(self.path, None, "id", f"no history entry {entry_id}", "PS165")
        try:
            return Scorecard.model_validate_json(row[0])
        except (ValidationError, ValueError, TypeError) as exc:
            first = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
            raise InputError.one(short(self.path), None, f"entries.{entry_id}.card", f"the stored scorecard is damaged "
                                 f"({short(first, 80)}); restore the store from a backup or add the entry again", "PS245") from None

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries())


def inputs_hash(*paths: str | None, extra: str = "") -> str:
    h = hashlib.sha256(extra.encode())
    for p in paths:
        if p:
            h.update(read_bytes(p))
    return h.hexdigest()[:16]


def entries_json(entries: list[Entry]) -> str:
    return dumps([e.__dict__ for e in entries])
