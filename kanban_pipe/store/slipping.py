"""The slipping rule in SQL (both engines): the one the statistics count, the board flags,
the review queue and the stand-up list.

An open deal is slipping when its close date was pushed (a later date saved, not undone)
SLIP_PUSHES or more times, or when it sits well past its stage's usual time
(domain.stats.aged_after_days) while someone keeps touching it (not stale).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from kanban_pipe.domain.rules import SLIP_PUSHES, Slip
from kanban_pipe.domain.stats import StageTime, aged_after_days
from kanban_pipe.store.base import StoreCore
from kanban_pipe.store.engine import Dialect
from kanban_pipe.store.rows import stamp

# The one rule for an open deal, as the board, `list`, review and rules.deal_flags apply
# it: open, or paused with its resume date come (:today bound by name).
OPEN_SQL = "(status = 'open' OR (status = 'paused' AND paused_until <= :today))"

_CHUNK = 500


def _day_start(day: date) -> str:
    """The stored stamp of local midnight at the start of `day`."""
    return stamp(datetime.combine(day, time()).astimezone())


class SlipRule:
    """The slipping rule (and the aged one it shares parts with) for one day, in SQL.

    `usual` is each open stage's usual time (domain.stats.time_in_stage); the parameters
    the SQL names are in `params` (prefixed `sl_`), to be bound with it. `alias` is the
    deals table's alias in the query ("d." or "").
    """

    def __init__(self, dialect: Dialect, usual: Sequence[StageTime], today: date,
                 *, alias: str = "") -> None:
        self.params: dict[str, Any] = {}
        self.after: dict[str, int] = {}  # stage key -> whole days after which it is aged
        entered, quiet = [], []
        for i, stage_time in enumerate(usual):
            stage = stage_time.stage
            self.params[f"sl_stage{i}"] = stage.key
            after = aged_after_days(stage_time.median_days)
            if after is not None:
                self.after[stage.key] = after
                self.params[f"sl_in{i}"] = _day_start(today - timedelta(days=after))
                entered.append(f"WHEN :sl_stage{i} THEN :sl_in{i}")
            if stage.stale_after_days > 0:
                self.params[f"sl_quiet{i}"] = _day_start(
                    today - timedelta(days=stage.stale_after_days))
                quiet.append(f"WHEN :sl_stage{i} THEN :sl_quiet{i}")
        a = alias
        #: in the stage since before its aged limit
        self.long_in = (f"{a}stage_entered_at < CASE {a}stage {' '.join(entered)} END"
                        if entered else "FALSE")
        #: quiet past the stage's stale limit
        self.still_quiet = (f"{a}last_activity_at < CASE {a}stage {' '.join(quiet)} END"
                            if quiet else "FALSE")
        #: aged: long in the stage, or quiet past its stale limit (the conversion's rule)
        self.aged = f"({self.long_in}) OR ({self.still_quiet})"
        #: long in the stage yet touched lately
        self.long_and_touched = f"({self.long_in}) AND NOT coalesce({self.still_quiet}, FALSE)"
        new, old = (dialect.json_item("changes", "expected_close", i) for i in (1, 0))
        #: the log entries that pushed a close date (through the activities_edits index)
        self.pushes = (f"kind = 'edited' AND {new} > {old} AND id NOT IN (SELECT undoes"
                       " FROM activities WHERE undoes IS NOT NULL)")
        #: slipping, for any open deal (the pushes of every deal read once)
        self.condition = (
            f"(({self.long_and_touched}) OR {a}id IN (SELECT deal_id FROM activities"
            f" WHERE {self.pushes} GROUP BY deal_id HAVING count(*) >= {SLIP_PUSHES}))")


def slipping_among(store: StoreCore, deal_ids: Iterable[int], usual: Sequence[StageTime],
                   today: date) -> dict[int, Slip]:
    """Which of these deals are slipping now, and why (by id; the others are absent).

    Indexed reads only: the deals by id, their edits through activities_edits.
    """
    rule = SlipRule(store.engine.dialect, usual, today)
    wanted = list(dict.fromkeys(deal_ids))
    found: dict[int, Slip] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start:start + _CHUNK]
        params = {**rule.params, "today": today.isoformat()}
        params.update((f"id{i}", deal_id) for i, deal_id in enumerate(chunk))
        ids = ", ".join(f":id{i}" for i in range(len(chunk)))
        pushed = dict(store.rows(
            f"SELECT deal_id, count(*) FROM activities WHERE deal_id IN ({ids})"
            f" AND {rule.pushes} GROUP BY deal_id", params))
        for deal_id, stage, long_in in store.rows(
                f"SELECT id, stage, CASE WHEN {rule.long_and_touched} THEN 1 ELSE 0 END"
                f" FROM deals WHERE id IN ({ids}) AND {OPEN_SQL} AND deleted_at IS NULL",
                params):
            pushes = int(pushed.get(deal_id, 0))
            if long_in or pushes >= SLIP_PUSHES:
                found[deal_id] = Slip(pushes, bool(long_in), rule.after.get(stage))
    return found

