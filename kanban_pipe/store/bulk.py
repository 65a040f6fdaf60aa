"""Bulk loading: a whole demo pipeline in one transaction, fast enough for 100,000 deals."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing
from datetime import date
from typing import Any

from kanban_pipe.collector import cyclic_gc_paused
from kanban_pipe.domain.amounts import minor_digits
from kanban_pipe.domain.demo import DemoPipeline, iter_demo
from kanban_pipe.domain.errors import InvalidInputError
from kanban_pipe.domain.forecast import past_months
from kanban_pipe.domain.stats_inputs import PastForecastSum
from kanban_pipe.store.engine import Engine
from kanban_pipe.store.forecast_history import forget_forecasts, past_forecasts
from kanban_pipe.store.pipeline import PipelineStore
from kanban_pipe.store.rows import day_text

_BATCH_DEALS = 2_000

# Illustrative EUR rates for the demo's other currencies (units of EUR per unit).
DEMO_RATES = (("USD", "0.92"), ("SEK", "0.087"), ("GBP", "1.17"))

_DEAL_COLUMNS = (
    "id", "title", "organization", "contact", "value", "currency", "stage", "status",
    "owner", "source", "expected_close", "next_action", "next_owner", "next_due",
    "paused_until", "lost_reason", "decision_maker", "need_confirmed",
    "timeline_confirmed", "position", "version", "created_at", "updated_at",
    "stage_entered_at", "last_activity_at", "closed_at",
)
# Activity ids come from the database (max + 1, in order), like every other activity's.
_ACTIVITY_COLUMNS = ("deal_id", "at", "actor", "kind", "detail", "changes", "version")


def load_demo(store: PipelineStore, *, deals: int, seed: int) -> int:
    """Add `deals` demo deals with their history in one transaction; return how many."""
    if deals < 0:
        raise InvalidInputError(f"the number of demo deals must be 0 or more, not {deals}")
    if deals == 0:
        return 0
    stages, home, now = store.stages(), store.home_currency(), store.clock()
    reasons = store.lost_reasons()
    engine = store.engine

    def work() -> int:
        conn = store.conn
        # Read inside the write lock, so no one else can take these ids or positions.
        deal_base = conn.execute("SELECT coalesce(max(id), 0) FROM deals").fetchone()[0]
        positions = dict(conn.execute("SELECT stage, max(position) FROM deals GROUP BY stage")
                         .fetchall())
        batches = iter_demo(deals=deals, seed=seed, now=now, stages=stages,
                            home_currency=home, positions_after=positions,
                            batch=_BATCH_DEALS, lost_reasons=reasons)
        # Batch by batch, so 100,000 deals never sit in memory as objects all at once;
        # closing the generator at once (also on failure) runs its clean-up now.
        # (Written batch by batch, the demo needs no big cache: it only grows the process.)
        # Hundreds of thousands of new, acyclic objects: collection passes would only slow
        # this (kanban_pipe.collector).
        with cyclic_gc_paused(), closing(batches), engine.bulk_session(
                conn, rebuild_indexes=True, big_cache=False):
            _insert(engine, conn, batches, deal_base)
        if home == "EUR":
            # The demo's few USD/SEK/GBP deals convert, as a team's own rates would make
            # them; a rate already set is kept.
            conn.executemany("INSERT INTO exchange_rates (currency, rate) VALUES (?, ?)"
                             " ON CONFLICT (currency) DO NOTHING", DEMO_RATES)
        # Demo history is nobody's last change: undo stops before it, even for a user
        # whose name is one of the demo owners.
        # (WHERE TRUE: SQLite reads "ON CONFLICT" after a bare SELECT as a join's ON.)
        forget_forecasts(conn)  # the demo's history is in the past months too
        conn.execute("INSERT INTO settings (key, value) SELECT 'undo_floor',"
                     " CAST(coalesce(max(id), 0) AS TEXT) FROM activities WHERE TRUE"
                     " ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        return int(conn.execute("SELECT count(*) FROM deals WHERE id > ?",
                                (deal_base,)).fetchone()[0])

    made = store.write(work)
    # The past months' forecasts rebuilt now, once, so the first statistics are quick.
    today = store.today()
    past = past_forecasts(store, store.stages(), past_months(today))
    _demo_targets(store, past, home, today)
    return made


def _demo_targets(store: PipelineStore, past: Sequence[PastForecastSum], home: str,
                  today: date) -> None:
    """The team's targets for this month and quarter, a tenth above what it won a month
    lately (rounded up to 10,000), so the demo's forecast call shows its gap."""
    won = sum(line.won for line in past if line.currency == home)
    if not won or store.targets():
        return
    step = 10_000 * 10 ** minor_digits(home)
    month = -(-won * 11 // (10 * len(past_months(today))) // step) * step
    store.set_target("this-month", month, today=today)
    store.set_target("this-quarter", 3 * month, today=today)


RowSet = tuple[str, Sequence[str], Iterable[Sequence[Any]], tuple[str, tuple[Any, ...]]]


def _insert(engine: Engine, conn: Any, batches: Iterator[DemoPipeline], deal_base: int) -> None:
    """Insert the demo batches, table by table and batch by batch."""
    for table, columns, rows, template in _row_sets(engine, batches, deal_base):
        engine.insert_rows(conn, table, columns, rows, template=template)


def _row_sets(engine: Engine, batches: Iterator[DemoPipeline], deal_base: int
              ) -> Iterator[RowSet]:
    """The rows of each batch, deals before their activities; deal ids shifted past what
    the pipeline holds.

    Timestamps go in as epoch seconds (datetime.timestamp() is far cheaper than
    isoformat()) and the database writes their text exactly as rows.stamp() does.
    """
    stamp = engine.dialect.stamp_from_epoch
    shifted = f"column1 + {int(deal_base)}"
    deal_template = ", ".join([shifted, *(f"column{i}" for i in range(2, 22)),
                               *(stamp(f"column{i}") for i in range(22, 27))])
    activity_template = ", ".join([shifted, stamp("column2"),
                                   *(f"column{i}" for i in range(3, 8))])
    for batch in batches:
        rows = []
        for deal in batch.deals:
            step, facts, closed = deal.next_step, deal.qualification, deal.closed_at
            rows.append((
                deal.id, deal.title, deal.organization, deal.contact, deal.value,
                deal.currency, deal.stage, deal.status, deal.owner, deal.source,
                day_text(deal.expected_close), step.action if step else None,
                step.owner if step else None, day_text(step.due) if step else None,
                day_text(deal.paused_until), deal.lost_reason, int(facts.decision_maker),
                int(facts.need), int(facts.timeline), deal.position, deal.version,
                deal.created_at.timestamp(), deal.updated_at.timestamp(),
                deal.stage_entered_at.timestamp(), deal.last_activity_at.timestamp(),
                closed.timestamp() if closed else None,
            ))
        # Every deal is stored before any of its activities: their foreign key needs it.
        yield "deals", _DEAL_COLUMNS, rows, (deal_template, ())
        yield "activities", _ACTIVITY_COLUMNS, [
            (entry.deal_id, entry.at.timestamp(), entry.actor, entry.kind, entry.detail,
             entry.changes, entry.version) for entry in batch.activities
        ], (activity_template, ())
