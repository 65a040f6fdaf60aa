"""Deal verbs: each user action is one transaction that writes its activity row too."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from kanban_pipe.domain.errors import InvalidInputError, InvalidStageError
from kanban_pipe.domain.models import (
    TOUCH_KINDS,
    ActivityKind,
    Deal,
    DealStatus,
    ForecastCategory,
    NextStep,
    QualificationFact,
)
from kanban_pipe.domain.stages import find_stage, milestones_passed, stage_of
from kanban_pipe.domain.validation import (
    clean_category,
    clean_currency,
    clean_name,
    clean_probability,
    clean_text,
    clean_title,
)
from kanban_pipe.store.queries import PipelineQueries
from kanban_pipe.store.rows import FACT_COLUMNS, day_text

EDITABLE_FIELDS = (
    "title", "organization", "contact", "value", "currency", "owner", "source",
    "expected_close", "forecast_category", "probability",
)


class DealActions(PipelineQueries):
    """Creating, moving, closing and annotating deals."""

    def add_deal(
        self,
        title: str,
        *,
        organization: str = "",
        contact: str = "",
        value: int | None = 0,
        currency: str | None = None,
        stage: str | None = None,
        owner: str | None = None,
        source: str = "",
        expected_close: date | None = None,
        next_step: NextStep | None = None,
    ) -> Deal:
        """Create a deal (in the first stage unless told) and log that it was created."""
        fields = {
            "title": clean_title(title),
            "organization": clean_text(organization, "organization", max_length=200),
            "contact": clean_text(contact, "contact", max_length=200),
            "value": _clean_value(value),
            "currency": clean_currency(currency or self.home_currency()),
            "owner": clean_name(owner or self.user, "owner"),
            "source": clean_text(source, "source", max_length=100),
            "expected_close": day_text(expected_close),
        }
        home = self.home_pipeline()
        stages = self.stages_of(home.key)
        target = find_stage(stages, stage) if stage else stages[0]
        step = _clean_next_step(next_step, str(fields["owner"])) if next_step else None

        def work() -> Deal:
            now = self.now_text()
            won = target.is_won
            row = self.conn.execute(
                "INSERT INTO deals (title, organization, contact, value, currency, stage, status,"
                " owner, source, expected_close, next_action, next_owner, next_due, position,"
                " created_at, updated_at, stage_entered_at, last_activity_at, closed_at,"
                " pipeline)"
                " VALUES (:title, :organization, :contact, :value, :currency, :stage, :status,"
                " :owner, :source, :expected_close, :next_action, :next_owner, :next_due,"
                " :position, :now, :now, :now, :now, :closed_at, :pipeline) RETURNING id",
                {
                    **fields,
                    "stage": target.key,
                    "status": DealStatus.WON.value if won else DealStatus.OPEN.value,
                    "next_action": step.action if step else None,
                    "next_owner": step.owner if step else None,
                    "next_due": day_text(step.due) if step else None,
                    "position": self._next_position(target.key),
                    "now": now,
                    "closed_at": now if won else None,
                    "pipeline": home.key,
                },
            ).fetchone()
            deal_id = int(row[0])
            self._append_activity(
                deal_id, ActivityKind.CREATED, f"created in {target.name}", at=now,
                changes={"deleted_at": [now, None]}, version=1,
            )
            return self.get_deal(deal_id)

        return self.write(work)

    def edit_deal(self, deal_id: int, *, expected_version: int | None = None,
                  **fields: Any) -> Deal:
        """Change a deal's descriptive fields (not an activity: staleness is unaffected)."""
        unknown = set(fields) - set(EDITABLE_FIELDS)
        if unknown:
            raise InvalidInputError(f"cannot edit {', '.join(sorted(unknown))}")
        updates: dict[str, Any] = {}
        for name, value in fields.items():
            if name == "title":
                updates[name] = clean_title(value)
            elif name == "value":
                updates[name] = _clean_value(value)
            elif name == "currency":
                updates[name] = clean_currency(value)
            elif name == "owner":
                updates[name] = clean_name(value, "owner")
            elif name == "expected_close":
                updates[name] = day_text(value)
            elif name == "forecast_category":
                category = value if value is None or isinstance(value, ForecastCategory) \
                    else clean_category(value)
                updates[name] = category.value if category else None
            elif name == "probability":
                updates[name] = None if value is None else clean_probability(value)
            else:
                updates[name] = clean_text(value, name, max_length=200)

        def work() -> Deal:
            before = self._deal_record(deal_id)
            self._check_version(before, expected_version)
            changed = [n for n, v in updates.items() if before[n] != v]
            if not changed:  # saving an untouched form is not a change worth a log entry
                return self.get_deal(deal_id)
            detail = "changed " + ", ".join(_edited(n, updates[n]) for n in changed)
            return self._change(deal_id, ActivityKind.EDITED, updates, detail=detail,
                                expected_version=expected_version)

        return self.write(work)

    def move_deal(self, deal_id: int, stage: str, *, expected_version: int | None = None,
                  reason: str = "") -> Deal:
        """Move a deal to a stage; moving forward records the exit milestones it claims.

        `reason` (why a deal goes back, say) is kept in the history entry of the move.
        """
        why = clean_text(reason, "reason", max_length=200)
        stages = self.stages_of(self._pipeline_of(deal_id))
        target = find_stage(stages, stage)

        def work() -> Deal:
            record = self._deal_record(deal_id)
            if record["stage"] == target.key and not (
                target.is_won and record["status"] != DealStatus.WON.value
            ):
                raise InvalidStageError(f"deal #{deal_id} is already in {target.name}")
            # A deal lost at an unknown stage claims no milestone when it is reopened.
            source = stage_of(record["stage"], {s.key: s for s in stages})
            passed = milestones_passed(stages, source.key, target.key) if source.key else []
            now = self.now_text()
            updates: dict[str, Any] = {
                "stage": target.key,
                "stage_entered_at": now,
                "position": self._next_position(target.key),
            }
            for claimed in passed:
                if claimed.qualifies:
                    updates[FACT_COLUMNS[claimed.qualifies]] = 1
            if target.is_won:
                updates.update(status=DealStatus.WON.value, closed_at=now, paused_until=None)
            elif record["status"] in (DealStatus.WON.value, DealStatus.LOST.value):
                # Moving a closed deal back onto an open stage reopens it.
                updates.update(status=DealStatus.OPEN.value, closed_at=None, lost_reason="")
            detail = f"{source.name} → {target.name}"
            confirmed = [s.milestone for s in passed if s.milestone]
            if confirmed:
                detail += "; confirmed: " + "; ".join(confirmed)
            if why:
                detail += f"; reason: {why}"
            kind = ActivityKind.WON if target.is_won else ActivityKind.MOVED
            return self._change(deal_id, kind, updates, detail=detail, movement=True,
                                expected_version=expected_version)

        return self.write(work)

    def set_next_step(self, deal_id: int, action: str, *, due: date | None = None,
                      owner: str | None = None, expected_version: int | None = None) -> Deal:
        """Set what happens next on a deal, who does it and by when."""
        step = _clean_next_step(NextStep(action, owner or self.user, due), self.user)
        words = f"{step.action} ({step.owner}" + (f", due {step.due})" if step.due else ")")
        return self.write(lambda: self._change(
            deal_id, ActivityKind.NEXT_STEP_SET,
            {"next_action": step.action, "next_owner": step.owner,
             "next_due": day_text(step.due)},
            detail=words, expected_version=expected_version,
        ))

    def complete_next_step(self, deal_id: int, *, expected_version: int | None = None) -> Deal:
        """Mark the next step done: it is logged and cleared, ready for the next one."""

        def work() -> Deal:
            record = self._deal_record(deal_id)
            if not record["next_action"]:
                raise InvalidInputError(f"deal #{deal_id} has no next step to mark done")
            return self._change(
                deal_id, ActivityKind.NEXT_STEP_DONE,
                {"next_action": None, "next_owner": None, "next_due": None},
                detail=record["next_action"], movement=True, expected_version=expected_version,
            )

        return self.write(work)

    def log_activity(self, deal_id: int, kind: ActivityKind | str, text: str) -> Deal:
        """Log a customer touch (call, email, meeting, note); it counts as movement."""
        try:
            touch = ActivityKind(kind)
        except ValueError:
            touch = None
        if touch not in TOUCH_KINDS:
            raise InvalidInputError(
                f"activity kind {kind!r} is not one of call, email, meeting, note"
            )
        detail = clean_text(text, "text", required=True)
        return self.write(lambda: self._change(deal_id, touch, {}, detail=detail,
                                                movement=True))

    def mark_won(self, deal_id: int, *, expected_version: int | None = None) -> Deal:
        """Close a deal as won: it moves to the won stage."""
        won = next((s for s in self.stages_of(self._pipeline_of(deal_id)) if s.is_won),
                   None)
        if won is None:
            raise InvalidStageError("the pipeline has no won stage")
        return self.move_deal(deal_id, won.key, expected_version=expected_version)

    def mark_lost(self, deal_id: int, reason: str, *,
                  expected_version: int | None = None) -> Deal:
        """Close a deal as lost, with the reason (it leaves the board)."""
        why = clean_text(reason, "lost reason", required=True, max_length=500)

        def work() -> Deal:
            record = self._deal_record(deal_id)
            if record["status"] == DealStatus.LOST.value:
                raise InvalidInputError(f"deal #{deal_id} is already lost")
            return self._change(
                deal_id, ActivityKind.LOST,
                {"status": DealStatus.LOST.value, "lost_reason": why, "closed_at": self.now_text(),
                 "paused_until": None},
                detail=why, movement=True, expected_version=expected_version,
            )

        return self.write(work)

    def pause_deal(self, deal_id: int, until: date, *,
                   expected_version: int | None = None, reason: str = "") -> Deal:
        """Park a deal until a date: it leaves the board and comes back by itself then.

        `reason` (why it waits) is kept in the history entry of the pause.
        """
        why = clean_text(reason, "reason", max_length=200)
        if until <= self.today():
            raise InvalidInputError(f"the resume date {until} must be after today")

        def work() -> Deal:
            record = self._deal_record(deal_id)
            if record["status"] in (DealStatus.WON.value, DealStatus.LOST.value):
                raise InvalidInputError(f"deal #{deal_id} is closed ({record['status']})")
            return self._change(
                deal_id, ActivityKind.PAUSED,
                {"status": DealStatus.PAUSED.value, "paused_until": until.isoformat()},
                detail=f"until {until.isoformat()}" + (f"; reason: {why}" if why else ""),
                movement=True,
                expected_version=expected_version,
            )

        return self.write(work)

    def resume_deal(self, deal_id: int, *, expected_version: int | None = None) -> Deal:
        """Bring a paused deal back onto the board now."""

        def work() -> Deal:
            record = self._deal_record(deal_id)
            if record["status"] != DealStatus.PAUSED.value:
                raise InvalidInputError(f"deal #{deal_id} is not paused")
            return self._change(
                deal_id, ActivityKind.RESUMED,
                {"status": DealStatus.OPEN.value, "paused_until": None},
                movement=True, expected_version=expected_version,
            )

        return self.write(work)

    def qualify_deal(self, deal_id: int, facts: dict[QualificationFact, bool], *,
                     expected_version: int | None = None) -> Deal:
        """Set or clear qualification facts (decision maker, need, timeline)."""
        if not facts:
            raise InvalidInputError("say which facts to set: --decision-maker, --need, --timeline")
        updates = {FACT_COLUMNS[fact]: int(value) for fact, value in facts.items()}
        detail = ", ".join(
            f"{fact.value.replace('_', ' ')} {'confirmed' if value else 'cleared'}"
            for fact, value in facts.items()
        )
        return self.write(lambda: self._change(
            deal_id, ActivityKind.QUALIFIED, updates, detail=detail,
            expected_version=expected_version,
        ))

    def delete_deal(self, deal_id: int, *, expected_version: int | None = None) -> Deal:
        """Delete a duplicate or mistake: gone from every view, history kept, undo restores."""
        return self.write(lambda: self._change(
            deal_id, ActivityKind.DELETED, {"deleted_at": self.now_text()},
            expected_version=expected_version,
        ))

    def reorder_deal(self, deal_id: int, offset: int) -> Deal:
        """Swap a deal with its neighbour in its column's manual order (offset -1 or +1)."""
        if offset not in (-1, 1):
            raise InvalidInputError("a card moves one place at a time")
        today = self.today().isoformat()
        cutoff = (self.today() - timedelta(days=30)).isoformat()

        def work() -> Deal:
            record = self._deal_record(deal_id)
            op, order = ("<", "DESC") if offset < 0 else (">", "ASC")
            neighbour = self.conn.execute(
                "SELECT id, position FROM deals WHERE stage = ? AND deleted_at IS NULL"
                f" AND {ON_BOARD_SQL} AND (position, id) {op} (?, ?)"
                f" ORDER BY position {order}, id {order} LIMIT 1",
                (record["stage"], today, cutoff, record["position"], deal_id),
            ).fetchone()
            if neighbour is None:
                return self.get_deal(deal_id)
            other_id, other_position = neighbour
            position = record["position"]
            if other_position == position:  # equal positions: make room first
                other_position = position + offset
            conn = self.conn
            conn.execute("UPDATE deals SET position = ? WHERE id = ?", (other_position, deal_id))
            conn.execute("UPDATE deals SET position = ? WHERE id = ?", (position, other_id))
            return self.get_deal(deal_id)

        return self.write(work)


# Deals that show on the board: open ones, paused ones whose resume date has come, and
# deals won in the last 30 days. Parameters: today, won-cutoff (ISO dates).
ON_BOARD_SQL = (
    "(status = 'open' OR (status = 'paused' AND paused_until <= ?)"
    " OR (status = 'won' AND closed_at >= ?))"
)


def _edited(name: str, value: Any) -> str:
    """How an edit names a changed field; the forecast call says what it became."""
    if name == "forecast_category":
        return ("forecast category to " + ForecastCategory(value).label if value
                else "forecast category to the stage's")
    if name == "probability":
        return f"probability to {value}%" if value is not None else "probability to the stage's"
    return name.replace("_", " ")


def _clean_value(value: int | None) -> int | None:
    if value is None:  # no value: apart from 0, in no sum
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidInputError(f"value {value!r} must be a whole, non-negative amount")
    return value


def _clean_next_step(step: NextStep, default_owner: str) -> NextStep:
    return NextStep(
        clean_text(step.action, "next step", required=True, max_length=300),
        clean_name(step.owner or default_owner, "next step owner"),
        step.due,
    )
