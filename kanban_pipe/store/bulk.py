"""Bulk loading: a whole demo pipeline in one transaction, fast enough for 100,000 deals."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from typing import Any

from kanban_pipe.domain.demo import DemoPipeline, iter_demo
from kanban_pipe.domain.errors import InvalidInputError
from kanban_pipe.store.pipeline import PipelineStore
from kanban_pipe.store.rows import day_text

Statement = tuple[str, list[Any]]

# Timestamps go in as epoch seconds (datetime.timestamp() is far cheaper than isoformat())
# and SQLite writes their text exactly as stamp() does; NULL stays NULL.
_STAMP = "strftime('%Y-%m-%dT%H:%M:%S+00:00', {}, 'unixepoch')"
_BATCH_DEALS = 2_000


# Illustrative EUR rates for the demo's other currencies (units of EUR per unit).
DEMO_RATES = (("USD", "0.92"), ("SEK", "0.087"), ("GBP", "1.17"))


def load_demo(store: PipelineStore, *, deals: int, seed: int) -> int:
    """Add `deals` demo deals with their history in one transaction; return how many."""
    if deals < 0:
        raise InvalidInputError(f"the number of demo deals must be 0 or more, not {deals}")
    if deals == 0:
        return 0
    stages, home, now = store.stages(), store.home_currency(), store.clock()

    def work() -> int:
        conn = store.conn
        # Read inside the write lock, so no one else can take these ids or positions.
        deal_base = conn.execute("SELECT coalesce(max(id), 0) FROM deals").fetchone()[0]
        positions = dict(conn.execute("SELECT stage, max(position) FROM deals GROUP BY stage"))
        batches = iter_demo(deals=deals, seed=seed, now=now, stages=stages,
                            home_currency=home, positions_after=positions,
                            batch=_BATCH_DEALS)
        # Batch by batch, so 100,000 deals never sit in memory as objects all at once;
        # closing the generator at once (also on failure) runs its clean-up now.
        with closing(batches), _indexes_rebuilt_after(conn, ("deals", "activities")):
            for sql, params in _statements(batches, deal_base, conn):
                conn.execute(sql, params)
        if home == "EUR":
            # The demo's few USD/SEK/GBP deals convert, as a team's own rates would make
            # them; a rate already set is kept.
            conn.executemany("INSERT OR IGNORE INTO exchange_rates (currency, rate)"
                             " VALUES (?, ?)", DEMO_RATES)
        # Demo history is nobody's last change: undo stops before it, even for a user
        # whose name is one of the demo owners.
        conn.execute("INSERT OR REPLACE INTO settings (key, value) SELECT 'undo_floor',"
                     " CAST(coalesce(max(id), 0) AS TEXT) FROM activities")
        return int(conn.execute("SELECT count(*) FROM deals WHERE id > ?",
                                (deal_base,)).fetchone()[0])

    return store._write(work)


class _Inserts:
    """One table's rows gathered into INSERT statements of many rows each.

    Many rows per statement, not executemany: every executed statement pays a set-up cost
    for the tables' CHECK (... IN (...)) constraints (several microseconds here), which
    executemany would pay for every row.
    """

    def __init__(self, table: str, columns: Sequence[str], values: Sequence[str],
                 conn: sqlite3.Connection) -> None:
        self.width = len(columns)
        self.row = "(" + ", ".join("?" * self.width) + ")"
        # The expressions name the VALUES columns (column1...), so each row is only "(?, ?)".
        self.head = (
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT "
            + ", ".join(value.format(f"column{i}") for i, value in enumerate(values, 1))
            + " FROM (VALUES "
        )
        # As many rows as SQLite's limits on bound parameters and statement length allow.
        rows = min(conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // self.width,
                   (conn.getlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH) - len(self.head) - 2)
                   // (len(self.row) + 2), 4_096)
        self.size = max(1, rows) * self.width
        self.full = self._sql(self.size)
        self.params: list[Any] = []

    def _sql(self, params: int) -> str:
        return self.head + ", ".join([self.row] * (params // self.width)) + ")"

    def ready(self) -> Iterator[Statement]:
        """Full statements for what has been added so far."""
        while len(self.params) >= self.size:
            yield self.full, self.params[:self.size]
            del self.params[:self.size]

    def rest(self) -> Iterator[Statement]:
        """The last, shorter statement."""
        if self.params:
            yield self._sql(len(self.params)), self.params
            self.params = []


def _statements(batches: Iterable[DemoPipeline], deal_base: int,
                conn: sqlite3.Connection) -> Iterator[Statement]:
    """INSERT statements for the demo batches; deal ids shifted past what the file holds."""
    shifted = f"{{}} + {int(deal_base)}"
    deals = _Inserts("deals", (
        "id", "title", "organization", "contact", "value", "currency", "stage", "status",
        "owner", "source", "expected_close", "next_action", "next_owner", "next_due",
        "paused_until", "lost_reason", "decision_maker", "need_confirmed",
        "timeline_confirmed", "position", "version", "created_at", "updated_at",
        "stage_entered_at", "last_activity_at", "closed_at",
    ), (shifted, *["{}"] * 20, *[_STAMP] * 5), conn)
    # Activity ids come from SQLite (max + 1, in order), like every other activity's.
    activities = _Inserts("activities", (
        "deal_id", "at", "actor", "kind", "detail", "changes", "version",
    ), (shifted, _STAMP, *["{}"] * 5), conn)
    for batch in batches:
        add = deals.params.extend
        for deal in batch.deals:
            step, facts, closed = deal.next_step, deal.qualification, deal.closed_at
            add((
                deal.id, deal.title, deal.organization, deal.contact, deal.value,
                deal.currency, deal.stage, deal.status, deal.owner, deal.source,
                day_text(deal.expected_close), step.action if step else None,
                step.owner if step else None, day_text(step.due) if step else None,
                day_text(deal.paused_until), deal.lost_reason, facts.decision_maker,
                facts.need, facts.timeline, deal.position, deal.version,
                deal.created_at.timestamp(), deal.updated_at.timestamp(),
                deal.stage_entered_at.timestamp(), deal.last_activity_at.timestamp(),
                closed.timestamp() if closed else None,
            ))
        add = activities.params.extend
        for entry in batch.activities:
            add((entry.deal_id, entry.at.timestamp(), entry.actor, entry.kind, entry.detail,
                 entry.changes, entry.version))
        # Every deal is stored before any of its activities: their foreign key needs it.
        yield from deals.ready()
        yield from deals.rest()
        yield from activities.ready()
    yield from activities.rest()


@contextmanager
def _indexes_rebuilt_after(conn: sqlite3.Connection, tables: Sequence[str]) -> Iterator[None]:
    """Drop the tables' indexes for a bulk insert and build them again afterwards.

    Keeping the time-ordered activity index current row by row costs a random B-tree
    insert per activity; one sort-based CREATE INDEX at the end is several times cheaper.
    Both happen inside the caller's transaction, so other connections never see the gap,
    and a failure rolls the drop back with everything else.
    """
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL"
        f" AND tbl_name IN ({', '.join('?' for _ in tables)})",
        tuple(tables),
    ).fetchall()
    for name, _sql in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    yield
    for _name, sql in indexes:
        conn.execute(sql)
