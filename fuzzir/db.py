"""The findings database: what changes on every sighting, kept out of the finding files.

A finding directory (`meta.json`, `program.mlir`, ...) changes only when the finding
does; the committed corpus changes only by `fuzzir promote`. Everything that moves on
each program checked (hit counts, last-seen times, per-campaign statistics, pass
coverage, "a smaller program with this signature was seen") goes here: one SQLite
file next to the working findings (`<findings>/fuzzir.db`), ignored by git like them.

SQLite because it is in the standard library, survives a killed campaign
(each write is a transaction) and can be queried by hand (`sqlite3 findings/fuzzir.db`).
One connection per call keeps it safe to use from the campaign's worker threads.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

DB_NAME = "fuzzir.db"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS campaigns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started REAL NOT NULL,           -- unix time
    seed INTEGER,
    settings TEXT,                   -- JSON: targets, flag sets, matrix, about
    iree_version TEXT,
    fuzzir_version TEXT,
    programs INTEGER DEFAULT 0,
    cells INTEGER DEFAULT 0,
    seconds REAL DEFAULT 0,
    new INTEGER DEFAULT 0            -- findings new against the corpus
);
CREATE TABLE IF NOT EXISTS sightings (
    signature TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    verdict TEXT NOT NULL,           -- defect, latent or guarded
    cause TEXT NOT NULL,             -- the signature key
    place TEXT NOT NULL,             -- 'corpus', 'findings' or 'none' (guarded: not stored)
    first_seen REAL NOT NULL,
    last_seen REAL NOT NULL,
    hits INTEGER NOT NULL DEFAULT 0,
    first_campaign INTEGER,
    first_after_seconds REAL,        -- campaign time of the first sighting
    smallest_ops INTEGER,
    smallest_elements INTEGER,
    smaller_than_stored INTEGER DEFAULT 0,   -- a smaller program than the stored one was seen
    families TEXT, init_kinds TEXT, targets TEXT, variants TEXT, flags TEXT,   -- JSON lists
    repro TEXT                       -- one line: the directory's repro.sh, when stored
);
CREATE TABLE IF NOT EXISTS given_up (
    name TEXT NOT NULL,              -- a finding directory's name
    step TEXT NOT NULL,              -- 'minimize' or 'blame'
    reason TEXT,                     -- one line: why it failed (it is not tried again by a campaign)
    at REAL NOT NULL,
    PRIMARY KEY (name, step)
);
CREATE TABLE IF NOT EXISTS matrix (
    campaign INTEGER NOT NULL,
    frontend TEXT NOT NULL,          -- what the program is written in: linalg, tosa, stablehlo ...
    family TEXT NOT NULL,
    init_kind TEXT NOT NULL,
    target TEXT NOT NULL,
    outcome TEXT NOT NULL,           -- defect, latent, guarded or clean
    count INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign, frontend, family, init_kind, target, outcome)
);
"""
#: Databases written before the frontend was a dimension kept the counts in `coverage`, without it:
#: they were all linalg programs. Moved once into `matrix` when such a database is opened.
_MIGRATE = """
INSERT INTO matrix (campaign, frontend, family, init_kind, target, outcome, count)
    SELECT campaign, 'linalg', family, init_kind, target, outcome, count FROM coverage;
DROP TABLE coverage;
"""


@dataclass(frozen=True)
class Sighting:
    """One finding seen once: what the database needs to count it."""

    signature: str
    kind: str
    verdict: str
    cause: str
    place: str
    size: tuple[int, int]
    families: list[str]
    init_kinds: list[str]
    targets: list[str]
    variants: list[str]
    flags: list[list[str]]
    stored_size: tuple[int, int] | None = None  # the size of the entry already stored, if any
    repro: str = ""


class DBError(ValueError):
    """A findings database that cannot be used (unwritable, not a database): one line."""


class FindingsDB:
    """The database at `path` (created on first use)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._ready = False

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        if not self._ready:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=30)
        try:
            if not self._ready:
                con.executescript(_SCHEMA)
                if con.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='coverage'").fetchone():
                    try:
                        con.executescript(f"BEGIN IMMEDIATE;{_MIGRATE}COMMIT;")
                    except sqlite3.OperationalError:  # another process moved it first
                        con.rollback()
                self._ready = True
            with con:  # one transaction
                yield con
        finally:
            con.close()

    def check(self) -> None:
        """Open (or create) the database now, or raise DBError saying in one line why it cannot be used:
        a campaign or report must not fail on it halfway with sqlite's traceback."""
        try:
            with self._connect() as con:
                con.execute("SELECT count(*) FROM sightings").fetchone()
        except (sqlite3.Error, OSError) as e:
            raise DBError(f"{self.path}: not a usable findings database ({e})") from None

    def start_campaign(self, *, seed: int, settings: dict, iree_version: str, fuzzir_version: str) -> int:
        with self._connect() as con:
            cur = con.execute(
                "INSERT INTO campaigns (started, seed, settings, iree_version, fuzzir_version) VALUES (?,?,?,?,?)",
                (time.time(), seed, json.dumps(settings, sort_keys=True), iree_version, fuzzir_version))
            return int(cur.lastrowid)

    def give_up(self, name: str, step: str, reason: str) -> None:
        """Note that `step` ('minimize', 'blame') failed on finding `name`: a campaign resuming the work a
        killed run left does not try it again (`fuzzir minimize` and `fuzzir blame` still do)."""
        with self._connect() as con:
            con.execute("INSERT OR REPLACE INTO given_up (name, step, reason, at) VALUES (?,?,?,?)",
                        (name, step, reason[:300], time.time()))

    def given_up(self, step: str) -> set[str]:
        """The findings `step` failed on (`give_up`)."""
        if not self.path.exists():
            return set()
        with self._connect() as con:
            return {r[0] for r in con.execute("SELECT name FROM given_up WHERE step=?", (step,)).fetchall()}

    def finish_campaign(self, campaign: int, *, programs: int, cells: int, seconds: float, new: int) -> None:
        """The campaign's counts so far: written as it goes (a killed campaign's row is not left at zero)
        and once more at its end."""
        with self._connect() as con:
            con.execute("UPDATE campaigns SET programs=?, cells=?, seconds=?, new=? WHERE id=?",
                        (programs, cells, round(seconds, 2), new, campaign))

    def record(self, campaign: int | None, elapsed: float | None, sightings: Iterable[Sighting],
               coverage: Iterable[tuple[str, str, str, str, str]] = ()) -> None:
        """Count one program's sightings and its coverage cells (frontend, family, init kind, target, outcome)."""
        now = time.time()
        with self._connect() as con:
            for s in sightings:
                row = con.execute("SELECT hits, smallest_ops, smallest_elements FROM sightings WHERE signature=?",
                                  (s.signature,)).fetchone()
                smaller = int(s.stored_size is not None and s.size < s.stored_size)
                if row is None:
                    con.execute(
                        "INSERT INTO sightings (signature, kind, verdict, cause, place, first_seen, last_seen, hits,"
                        " first_campaign, first_after_seconds, smallest_ops, smallest_elements, smaller_than_stored,"
                        " families, init_kinds, targets, variants, flags, repro)"
                        " VALUES (?,?,?,?,?,?,?,1,?,?,?,?,?,?,?,?,?,?,?)",
                        (s.signature, s.kind, s.verdict, s.cause, s.place, now, now, campaign,
                         None if elapsed is None else round(elapsed, 2), s.size[0], s.size[1], smaller,
                         json.dumps(s.families), json.dumps(s.init_kinds), json.dumps(s.targets),
                         json.dumps(s.variants), json.dumps(s.flags), s.repro))
                    continue
                small = min((row[1], row[2]), s.size)
                con.execute(
                    "UPDATE sightings SET last_seen=?, hits=hits+1, place=?, smallest_ops=?, smallest_elements=?,"
                    " smaller_than_stored=MAX(smaller_than_stored, ?), repro=COALESCE(NULLIF(?, ''), repro)"
                    " WHERE signature=?",
                    (now, s.place, small[0], small[1], smaller, s.repro, s.signature))
            for frontend, family, init_kind, target, outcome in coverage:
                con.execute(
                    "INSERT INTO matrix (campaign, frontend, family, init_kind, target, outcome, count)"
                    " VALUES (?,?,?,?,?,?,1) ON CONFLICT (campaign, frontend, family, init_kind, target, outcome)"
                    " DO UPDATE SET count=count+1",
                    (campaign or 0, frontend, family, init_kind, target, outcome))

    def sightings(self) -> list[dict]:
        """Every sighting row as a dict, first seen first."""
        if not self.path.exists():
            return []
        with self._connect() as con:
            con.row_factory = sqlite3.Row
            rows = con.execute("SELECT * FROM sightings ORDER BY first_seen").fetchall()
        out = []
        for r in rows:
            d = dict(r)
            for key in ("families", "init_kinds", "targets", "variants", "flags"):
                d[key] = json.loads(d[key] or "[]")
            out.append(d)
        return out

    def coverage(self) -> dict[tuple[str, str, str, str, str], int]:
        """Counts over all campaigns, by (frontend, family, init kind, target, outcome)."""
        if not self.path.exists():
            return {}
        with self._connect() as con:
            rows = con.execute("SELECT frontend, family, init_kind, target, outcome, SUM(count) FROM matrix"
                               " GROUP BY frontend, family, init_kind, target, outcome").fetchall()
        return {(fe, f, i, t, o): int(n) for fe, f, i, t, o, n in rows}

    def campaigns(self) -> list[dict]:
        if not self.path.exists():
            return []
        with self._connect() as con:
            con.row_factory = sqlite3.Row
            return [dict(r) for r in con.execute("SELECT * FROM campaigns ORDER BY id").fetchall()]
