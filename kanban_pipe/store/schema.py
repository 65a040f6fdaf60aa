"""The file engine's schema and its forward migrations, tracked in PRAGMA user_version.

Each migration's SQL is frozen here as text: a migration means what it meant when it
shipped, whatever later code does (the server engine keeps its twin steps in
store.postgres.schema, at the same version numbers).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from kanban_pipe.domain.stages import DEFAULT_STAGES

# 'KPIP' — marks the file as a kanban-pipe pipeline for `file(1)` and for our own checks.
APPLICATION_ID = 0x4B504950
DEFAULT_HOME_CURRENCY = "EUR"

ACTIVITY_KINDS = (
    "created", "moved", "next_step_set", "next_step_done", "call", "email", "meeting",
    "note", "won", "lost", "paused", "resumed", "edited", "qualified", "imported",
    "deleted", "undo",
)

_V1 = f"""
CREATE TABLE stages (
    key TEXT PRIMARY KEY,
    name TEXT NOT NULL CHECK (length(trim(name)) > 0),
    position INTEGER NOT NULL,
    probability INTEGER NOT NULL CHECK (probability BETWEEN 0 AND 100),
    stale_after_days INTEGER NOT NULL CHECK (stale_after_days >= 0),
    milestone TEXT NOT NULL DEFAULT '',
    qualifies TEXT CHECK (qualifies IN ('decision_maker', 'need', 'timeline')),
    requires_qualification INTEGER NOT NULL DEFAULT 0 CHECK (requires_qualification IN (0, 1)),
    is_won INTEGER NOT NULL DEFAULT 0 CHECK (is_won IN (0, 1))
) STRICT;

CREATE TABLE deals (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL CHECK (length(trim(title)) > 0),
    organization TEXT NOT NULL DEFAULT '',
    contact TEXT NOT NULL DEFAULT '',
    value INTEGER NOT NULL DEFAULT 0 CHECK (value >= 0),
    currency TEXT NOT NULL,
    stage TEXT NOT NULL REFERENCES stages(key) ON UPDATE CASCADE,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'won', 'lost', 'paused')),
    owner TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    expected_close TEXT,
    next_action TEXT,
    next_owner TEXT,
    next_due TEXT,
    paused_until TEXT,
    lost_reason TEXT NOT NULL DEFAULT '',
    decision_maker INTEGER NOT NULL DEFAULT 0 CHECK (decision_maker IN (0, 1)),
    need_confirmed INTEGER NOT NULL DEFAULT 0 CHECK (need_confirmed IN (0, 1)),
    timeline_confirmed INTEGER NOT NULL DEFAULT 0 CHECK (timeline_confirmed IN (0, 1)),
    position INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    stage_entered_at TEXT NOT NULL,
    last_activity_at TEXT NOT NULL,
    closed_at TEXT,
    deleted_at TEXT,
    source_ref TEXT
) STRICT;

-- The board reads columns (stage + status, in urgency order) and per-column sums
-- (status, stage, currency, value: answered from the index alone).
CREATE INDEX deals_stage_position ON deals (stage, position);
CREATE INDEX deals_column ON deals (stage, status, next_due, next_action)
    WHERE deleted_at IS NULL;
CREATE INDEX deals_status ON deals (status, stage, currency, value)
    WHERE deleted_at IS NULL;
CREATE INDEX deals_closed ON deals (status, closed_at, stage, currency, value)
    WHERE deleted_at IS NULL;
CREATE INDEX deals_paused ON deals (status, paused_until, stage, currency, value)
    WHERE deleted_at IS NULL;
CREATE INDEX deals_owner ON deals (owner);

CREATE TABLE activities (
    id INTEGER PRIMARY KEY,
    deal_id INTEGER NOT NULL REFERENCES deals(id),
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ({", ".join(repr(k) for k in ACTIVITY_KINDS)})),
    detail TEXT NOT NULL DEFAULT '',
    changes TEXT,
    version INTEGER,
    undoes INTEGER REFERENCES activities(id)
) STRICT;

CREATE INDEX activities_deal ON activities (deal_id, id);
CREATE INDEX activities_actor ON activities (actor, id);
CREATE INDEX activities_undoes ON activities (undoes) WHERE undoes IS NOT NULL;
CREATE INDEX activities_at ON activities (at);

-- History is never rewritten: undo is a new entry, not an edit.
CREATE TRIGGER activities_append_only_update BEFORE UPDATE ON activities
BEGIN SELECT RAISE(ABORT, 'the activity log is append-only'); END;
CREATE TRIGGER activities_append_only_delete BEFORE DELETE ON activities
BEGIN SELECT RAISE(ABORT, 'the activity log is append-only'); END;

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE exchange_rates (
    currency TEXT PRIMARY KEY CHECK (length(currency) = 3),
    rate TEXT NOT NULL
) STRICT;
"""


def _v1(conn: sqlite3.Connection) -> None:
    for statement in _statements(_V1):
        conn.execute(statement)
    conn.executemany(
        "INSERT INTO stages (key, name, position, probability, stale_after_days, milestone,"
        " qualifies, requires_qualification, is_won) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (s.key, s.name, s.position, s.probability, s.stale_after_days, s.milestone,
             s.qualifies.value if s.qualifies else None, int(s.requires_qualification),
             int(s.is_won))
            for s in DEFAULT_STAGES
        ],
    )
    conn.execute(
        "INSERT INTO settings (key, value) VALUES ('home_currency', ?)", [DEFAULT_HOME_CURRENCY]
    )


def _statements(script: str) -> list[str]:
    """Split a schema script into statements; executescript would COMMIT our transaction."""
    statements, current = [], []
    for line in script.splitlines():
        if line.strip().startswith("--") or not line.strip():
            continue
        current.append(line)
        joined = "\n".join(current)
        if line.rstrip().endswith(";") and sqlite3.complete_statement(joined):
            statements.append(joined)
            current = []
    return statements


_V2 = """
-- Finished stand-up reviews: the next one shows what changed after last_activity_id.
-- owner NULL is a team review; summary is what it decided (JSON).
CREATE TABLE reviews (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    actor TEXT NOT NULL,
    owner TEXT,
    last_activity_id INTEGER NOT NULL DEFAULT 0 CHECK (last_activity_id >= 0),
    summary TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(summary))
) STRICT;

CREATE INDEX reviews_owner ON reviews (owner, id);

-- The statistics' history indexes: they take the screen from ~1.7 s to ~0.55 s at
-- 100,000 deals. Their expressions must be spelled exactly as store.stats' queries spell
-- them (history_indexes(); tests/store/test_store_stats.py compares the two).
CREATE INDEX IF NOT EXISTS activities_moves ON activities
    (json_extract(changes, '$.stage[0]'), json_extract(changes, '$.stage[1]'),
     (unixepoch(at) - unixepoch(json_extract(changes, '$.stage_entered_at[0]'))) / 86400,
     deal_id)
    WHERE kind IN ('moved', 'won');
CREATE INDEX IF NOT EXISTS activities_status ON activities
    (at, json_extract(changes, '$.status[0]'), json_extract(changes, '$.status[1]'), deal_id)
    WHERE kind IN ('moved', 'won', 'lost', 'paused', 'resumed', 'undo')
    AND json_extract(changes, '$.status[0]') IS NOT NULL;
"""


def _v2(conn: sqlite3.Connection) -> None:
    for statement in _statements(_V2):
        conn.execute(statement)


# Version 3: a lost deal may have been lost at a stage nobody knows (a CRM's "Closed Lost"
# row without a stage history): stage NULL, which only a lost deal may have. A deal may
# have no value yet (value NULL, kept apart from 0; nothing writes it yet). Dropping a NOT
# NULL means rebuilding the table in SQLite; PostgreSQL's twin is `ALTER TABLE deals ALTER
# COLUMN stage DROP NOT NULL, ALTER COLUMN value DROP NOT NULL, ADD CONSTRAINT
# deals_stage_known CHECK (stage IS NOT NULL OR status = 'lost')`.
_V3_DEALS = """
CREATE TABLE deals (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL CHECK (length(trim(title)) > 0),
    organization TEXT NOT NULL DEFAULT '',
    contact TEXT NOT NULL DEFAULT '',
    value INTEGER DEFAULT 0 CHECK (value >= 0),
    currency TEXT NOT NULL,
    stage TEXT REFERENCES stages(key) ON UPDATE CASCADE,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'won', 'lost', 'paused')),
    owner TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    expected_close TEXT,
    next_action TEXT,
    next_owner TEXT,
    next_due TEXT,
    paused_until TEXT,
    lost_reason TEXT NOT NULL DEFAULT '',
    decision_maker INTEGER NOT NULL DEFAULT 0 CHECK (decision_maker IN (0, 1)),
    need_confirmed INTEGER NOT NULL DEFAULT 0 CHECK (need_confirmed IN (0, 1)),
    timeline_confirmed INTEGER NOT NULL DEFAULT 0 CHECK (timeline_confirmed IN (0, 1)),
    position INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    stage_entered_at TEXT NOT NULL,
    last_activity_at TEXT NOT NULL,
    closed_at TEXT,
    deleted_at TEXT,
    source_ref TEXT,
    CONSTRAINT deals_stage_known CHECK (stage IS NOT NULL OR status = 'lost')
) STRICT;
"""
_V3_COLUMNS = (
    "id, title, organization, contact, value, currency, stage, status, owner, source,"
    " expected_close, next_action, next_owner, next_due, paused_until, lost_reason,"
    " decision_maker, need_confirmed, timeline_confirmed, position, version, created_at,"
    " updated_at, stage_entered_at, last_activity_at, closed_at, deleted_at, source_ref"
)
# The deals indexes of version 1, unchanged (dropping the table drops them).
_V3_INDEXES = """
CREATE INDEX deals_stage_position ON deals (stage, position);
CREATE INDEX deals_column ON deals (stage, status, next_due, next_action)
    WHERE deleted_at IS NULL;
CREATE INDEX deals_status ON deals (status, stage, currency, value)
    WHERE deleted_at IS NULL;
CREATE INDEX deals_closed ON deals (status, closed_at, stage, currency, value)
    WHERE deleted_at IS NULL;
CREATE INDEX deals_paused ON deals (status, paused_until, stage, currency, value)
    WHERE deleted_at IS NULL;
CREATE INDEX deals_owner ON deals (owner);
"""


def _v3(conn: sqlite3.Connection) -> None:
    # Rebuilt inside the opening transaction, where foreign keys cannot be switched off:
    # the activities' references to the dropped rows are deferred, and are satisfied
    # again when the same ids go into the new table (checked below before commit).
    conn.execute("PRAGMA defer_foreign_keys = ON")
    conn.execute(f"CREATE TEMP TABLE deals_v2 AS SELECT {_V3_COLUMNS} FROM main.deals")
    conn.execute("DROP TABLE main.deals")
    for statement in _statements(_V3_DEALS):
        conn.execute(statement)
    conn.execute(f"INSERT INTO main.deals ({_V3_COLUMNS}) SELECT {_V3_COLUMNS}"
                 " FROM temp.deals_v2 ORDER BY id")
    conn.execute("DROP TABLE temp.deals_v2")
    for statement in _statements(_V3_INDEXES):
        conn.execute(statement)
    if conn.execute("PRAGMA main.foreign_key_check").fetchone() is not None:
        raise sqlite3.IntegrityError("FOREIGN KEY constraint failed after rebuilding deals")


# Version 4: the touches each person logged in a week (the statistics' team table), read
# from an index alone; through activities_at each entry of the week was a lookup (~0.3 s
# at 100,000 deals). Spelt as store.stats.TOUCHES_SQL spells it, so the index is used.
# And the edits, where a pushed close date is found (slipping deals) without a scan.
_V4 = """
CREATE INDEX IF NOT EXISTS activities_touches ON activities (at, actor)
    WHERE kind IN ('call', 'email', 'meeting', 'note');
CREATE INDEX IF NOT EXISTS activities_edits ON activities (deal_id) WHERE kind = 'edited';
"""


def _v4(conn: sqlite3.Connection) -> None:
    for statement in _statements(_V4):
        conn.execute(statement)


# Version 5: the forecast call. A deal's forecast category (NULL: its stage's default)
# and its own win probability (NULL: its stage's), and the targets a team or a rep is
# measured against, per month ("2026-12") or quarter ("2026-Q4"), owner '' for the team;
# and each past month's forecast as it stood at its start, rebuilt once from the log
# (store.forecast_history).
# The board's covering indexes end with the probability, so that column sums weighted by
# each deal's own probability are still answered from an index alone.
_V5 = """
ALTER TABLE deals ADD COLUMN forecast_category TEXT
    CHECK (forecast_category IN ('pipeline', 'best_case', 'commit', 'omitted'));
ALTER TABLE deals ADD COLUMN probability INTEGER CHECK (probability BETWEEN 0 AND 100);
CREATE TABLE targets (
    period TEXT NOT NULL,
    owner TEXT NOT NULL DEFAULT '',
    amount INTEGER NOT NULL CHECK (amount >= 0),
    currency TEXT NOT NULL,
    PRIMARY KEY (period, owner)
) STRICT;
CREATE TABLE forecast_snapshots (
    month TEXT NOT NULL,
    owner TEXT NOT NULL,
    source TEXT NOT NULL,
    currency TEXT NOT NULL,
    weighted INTEGER NOT NULL,
    commit_value INTEGER NOT NULL,
    best_case INTEGER NOT NULL,
    committed_won INTEGER NOT NULL,
    forecast_deals INTEGER NOT NULL,
    PRIMARY KEY (month, owner, source, currency)
) STRICT;
DROP INDEX deals_status;
DROP INDEX deals_closed;
DROP INDEX deals_paused;
CREATE INDEX deals_status ON deals (status, stage, currency, value, probability)
    WHERE deleted_at IS NULL;
CREATE INDEX deals_closed ON deals (status, closed_at, stage, currency, value, probability)
    WHERE deleted_at IS NULL;
CREATE INDEX deals_paused ON deals (status, paused_until, stage, currency, value, probability)
    WHERE deleted_at IS NULL;
"""


def _v5(conn: sqlite3.Connection) -> None:
    for statement in _statements(_V5):
        conn.execute(statement)


# Version 6: the won and lost deals of a
# period with everything the statistics group them by (currency, owner, stage, reason,
# day made), from one index alone. Through deals_closed each deal closed in the period
# was a lookup of its row: ~40 ms of `stats` at 100,000 deals, a fifth of them closed in
# the last 90 days. deleted_at (NULL in every entry) is in it so SQLite reads the index
# alone. store.stats._closed reads through it by name.
_V6 = """
CREATE INDEX IF NOT EXISTS deals_closed_by ON deals
    (status, closed_at, currency, owner, stage, lost_reason, value, created_at, deleted_at)
    WHERE deleted_at IS NULL;
"""


def _v6(conn: sqlite3.Connection) -> None:
    for statement in _statements(_V6):
        conn.execute(statement)


# Version 7: several pipelines in one file. Each stage belongs to one pipeline (stage
# keys stay unique across the file, so a deal's stage names its pipeline and every
# per-column index still serves the board); each deal names its pipeline too, which a
# deal lost at an unknown stage (stage NULL) needs. A file's stages become the one
# pipeline "Sales"; nothing else changes. Past months' forecasts are kept per pipeline
# (a cache rebuilt from the log, so it is simply dropped and rebuilt).
_V7 = """
CREATE TABLE pipelines (
    key TEXT PRIMARY KEY,
    name TEXT NOT NULL CHECK (length(trim(name)) > 0),
    position INTEGER NOT NULL
) STRICT;
INSERT INTO pipelines (key, name, position) VALUES ('sales', 'Sales', 1);
ALTER TABLE stages ADD COLUMN pipeline TEXT NOT NULL DEFAULT 'sales';
ALTER TABLE deals ADD COLUMN pipeline TEXT NOT NULL DEFAULT 'sales';
CREATE INDEX stages_pipeline ON stages (pipeline, position);
CREATE INDEX deals_pipeline ON deals (pipeline, status) WHERE deleted_at IS NULL;
DROP TABLE forecast_snapshots;
CREATE TABLE forecast_snapshots (
    month TEXT NOT NULL,
    pipeline TEXT NOT NULL,
    owner TEXT NOT NULL,
    source TEXT NOT NULL,
    currency TEXT NOT NULL,
    weighted INTEGER NOT NULL,
    commit_value INTEGER NOT NULL,
    best_case INTEGER NOT NULL,
    committed_won INTEGER NOT NULL,
    forecast_deals INTEGER NOT NULL,
    PRIMARY KEY (month, pipeline, owner, source, currency)
) STRICT;
DELETE FROM settings WHERE key = 'forecast_snapshot_months';
"""


def _v7(conn: sqlite3.Connection) -> None:
    for statement in _statements(_V7):
        conn.execute(statement)


# Version 8: three indexes for
# the statistics' reads at 100,000 deals. deals_grouped holds a closed deal's groups in
# store.stats._groups' order (status, currency, owner, source), so the won and lost deals
# are summed from it with no sort (~50 ms), and a lost deal's days in its last stage
# (closed_at, stage_entered_at) for _lost_and_deleted. deals_by_id answers _shifts' join
# of each status change to its deal from a narrow index instead of the wide row.
# deals_deleted finds the deleted deals without a scan. deleted_at closes each so SQLite
# reads the index alone.
_V8 = """
CREATE INDEX IF NOT EXISTS deals_grouped ON deals
    (status, currency, owner, source, stage, value, probability, closed_at, stage_entered_at,
     deleted_at)
    WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS deals_by_id ON deals
    (id, currency, created_at, value, owner, source, deleted_at)
    WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS deals_deleted ON deals (deleted_at) WHERE deleted_at IS NOT NULL;
"""


def _v8(conn: sqlite3.Connection) -> None:
    for statement in _statements(_V8):
        conn.execute(statement)


# Index i holds the migration from version i to i + 1.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _v1, _v2, _v3, _v4, _v5, _v6, _v7, _v8]
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection) -> None:
    """Apply pending migrations; call inside the BEGIN IMMEDIATE transaction that opens a file."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    for step in MIGRATIONS[version:]:
        step(conn)
    if version < SCHEMA_VERSION:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
