"""Configuring the pipeline: stages, their milestones, the home currency and rates, and
the lost reasons offered."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from kanban_pipe.domain.errors import InvalidInputError, InvalidStageError
from kanban_pipe.domain.models import DEFAULT_LOST_REASONS, QualificationFact, Stage
from kanban_pipe.domain.stages import find_stage, stage_key_from_name, validate_stage_key
from kanban_pipe.domain.validation import clean_currency, clean_text
from kanban_pipe.store.queries import PipelineQueries

MAX_RATE = 1_000_000_000


class PipelineConfig(PipelineQueries):
    """Stage and currency settings; not deal actions, so they write no activity."""

    def add_stage(
        self, name: str, *, key: str | None = None, position: int | None = None,
        probability: int = 50, stale_after_days: int = 14, milestone: str = "",
    ) -> Stage:
        """Add an open stage to the pipeline in view (before its won stage unless a
        position is given)."""
        label = clean_text(name, "stage name", required=True, max_length=40)
        pipeline = self.home_pipeline().key
        stage_key = validate_stage_key(key or stage_key_from_name(label))
        _check_numbers(probability, stale_after_days)
        stages = self.stages_of(pipeline)
        if any(s.name.lower() == label.lower() for s in stages):
            raise InvalidStageError(f"a stage {label!r} already exists")
        taken = {s.key for s in self.all_stages()}
        if stage_key in taken and key is None:
            # Keys are unique across pipelines: "lead" of a second pipeline is
            # "renewals_lead" (its name stays "Lead", which is what users type).
            stage_key = validate_stage_key(f"{pipeline}_{stage_key}"[:32])
        if stage_key in taken:
            raise InvalidStageError(f"a stage with the key {stage_key!r} already exists")
        won_position = next((s.position for s in stages if s.is_won), len(stages) + 1)
        wanted = position if position is not None else won_position
        wanted = max(1, min(wanted, len(stages) + 1))

        def work() -> Stage:
            conn = self.conn
            # Shift in two steps so positions never collide mid-update.
            conn.execute("UPDATE stages SET position = -position - 1"
                         " WHERE position >= ? AND pipeline = ?", (wanted, pipeline))
            conn.execute("UPDATE stages SET position = -position"
                         " WHERE position < 0 AND pipeline = ?", (pipeline,))
            conn.execute(
                "INSERT INTO stages (key, name, position, probability, stale_after_days,"
                " milestone, pipeline) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (stage_key, label, wanted, probability, stale_after_days,
                 clean_text(milestone, "milestone", max_length=200), pipeline),
            )
            return find_stage(self.stages_of(pipeline), stage_key)

        return self.write(work)

    def _config_stages(self) -> list[Stage]:
        """The stages `stages` commands change: those of the pipeline in view."""
        return self.stages_of(self.home_pipeline().key)

    def config_stage(self, ref: str) -> Stage:
        """The stage a `stages` command names: by its key in any pipeline (keys are unique
        across them, and scripts use them), else by name or number in the pipeline in
        view."""
        wanted = ref.strip().lower()
        by_key = next((s for s in self.all_stages() if s.key == wanted), None)
        return by_key or find_stage(self._config_stages(), ref)

    def rename_stage(self, ref: str, name: str) -> Stage:
        """Give a stage a new display name (its key stays, so scripts keep working)."""
        stage = self.config_stage(ref)
        stages = self.stages_of(stage.pipeline)
        label = clean_text(name, "stage name", required=True, max_length=40)
        if any(s.key != stage.key and s.name.lower() == label.lower() for s in stages):
            raise InvalidStageError(f"a stage {label!r} already exists")
        return self._update_stage(stage.key, {"name": label})

    def move_stage(self, ref: str, position: int) -> Stage:
        """Put a stage at a 1-based position among the others."""
        stage = self.config_stage(ref)
        stages = self.stages_of(stage.pipeline)
        if not 1 <= position <= len(stages):
            raise InvalidInputError(f"position must be between 1 and {len(stages)}")
        order = [s.key for s in stages if s.key != stage.key]
        order.insert(position - 1, stage.key)

        def work() -> Stage:
            conn = self.conn
            conn.execute("UPDATE stages SET position = -position WHERE pipeline = ?",
                         (stage.pipeline,))
            conn.executemany("UPDATE stages SET position = ? WHERE key = ?",
                             [(i + 1, key) for i, key in enumerate(order)])
            return find_stage(self.stages_of(stage.pipeline), stage.key)

        return self.write(work)

    def set_stage(
        self, ref: str, *, probability: int | None = None, stale_after_days: int | None = None,
        milestone: str | None = None, qualifies: QualificationFact | str | None = "",
        requires_qualification: bool | None = None,
    ) -> Stage:
        """Change a stage's probability, stale-after days, milestone or qualification rules."""
        stage = self.config_stage(ref)
        updates: dict[str, Any] = {}
        if probability is not None:
            _check_numbers(probability, 0)
            updates["probability"] = probability
        if stale_after_days is not None:
            _check_numbers(0, stale_after_days)
            updates["stale_after_days"] = stale_after_days
        if milestone is not None:
            updates["milestone"] = clean_text(milestone, "milestone", max_length=200)
        if qualifies != "":
            updates["qualifies"] = QualificationFact(qualifies).value if qualifies else None
        if requires_qualification is not None:
            updates["requires_qualification"] = int(requires_qualification)
        if not updates:
            raise InvalidInputError(
                "nothing to set: give --probability, --stale-after, --milestone, --qualifies"
                " or --requires-qualification"
            )
        return self._update_stage(stage.key, updates)

    def remove_stage(self, ref: str) -> None:
        """Remove an empty stage; one that holds deals (of any status) stays."""
        stage = self.config_stage(ref)
        if stage.is_won:
            raise InvalidStageError("the won stage cannot be removed")

        def work() -> None:
            conn = self.conn
            held = conn.execute("SELECT count(*) FROM deals WHERE stage = ?",
                                (stage.key,)).fetchone()[0]
            if held:
                raise InvalidStageError(
                    f"stage {stage.name} holds {held} deal(s); move them first"
                )
            conn.execute("DELETE FROM stages WHERE key = ?", (stage.key,))
            conn.execute("UPDATE stages SET position = position - 1"
                         " WHERE position > ? AND pipeline = ?", (stage.position, stage.pipeline))

        self.write(work)

    def _update_stage(self, key: str, updates: dict[str, Any]) -> Stage:
        def work() -> Stage:
            assignments = ", ".join(f"{column} = :{column}" for column in updates)
            self.conn.execute(f"UPDATE stages SET {assignments} WHERE key = :key",
                                 {**updates, "key": key})
            return next(s for s in self.all_stages() if s.key == key)

        return self.write(work)

    def set_home_currency(self, code: str) -> None:
        """Choose the home currency; only while the pipeline has no deals yet."""
        currency = clean_currency(code)

        def work() -> None:
            conn = self.conn
            if conn.execute("SELECT count(*) FROM deals").fetchone()[0]:
                raise InvalidInputError(
                    "the home currency is chosen when the pipeline is created; it has deals now"
                )
            conn.execute("INSERT INTO settings (key, value) VALUES ('home_currency', ?)"
                         " ON CONFLICT (key) DO UPDATE SET value = excluded.value", (currency,))

        self.write(work)

    def set_exchange_rate(self, code: str, rate: str) -> Decimal:
        """Set how many home-currency units one unit of `code` is worth."""
        currency = clean_currency(code)
        if currency == self.home_currency():
            raise InvalidInputError(f"{currency} is the home currency; it needs no rate")
        try:
            value = Decimal(rate.strip().replace(",", "."))
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite() or value <= 0:
            raise InvalidInputError(f"rate {rate!r} must be a positive number like 0.092")
        if value > MAX_RATE:
            # Far beyond any real rate; larger ones overflow the Decimal maths of totals.
            raise InvalidInputError(f"rate {rate!r} is too large (at most {MAX_RATE:,})")
        self.write(lambda: self.conn.execute(
            "INSERT INTO exchange_rates (currency, rate) VALUES (?, ?)"
            " ON CONFLICT (currency) DO UPDATE SET rate = excluded.rate",
            (currency, str(value)),
        ))
        return value


    def add_lost_reason(self, text: str) -> list[str]:
        """Offer one more lost reason when a deal is lost (kept in the list's order)."""
        reason = clean_text(text, "reason", required=True)

        def work() -> list[str]:
            reasons = self._lost_reasons_now()
            if reason.casefold() in (r.casefold() for r in reasons):
                raise InvalidInputError(f"{reason!r} is already in the list")
            return self._save_lost_reasons([*reasons, reason])

        return self.write(work)

    def remove_lost_reason(self, text: str) -> list[str]:
        """Stop offering a lost reason (deals lost for it keep it)."""
        wanted = " ".join(text.split()).casefold()

        def work() -> list[str]:
            reasons = self._lost_reasons_now()
            kept = [r for r in reasons if r.casefold() != wanted]
            if len(kept) == len(reasons):
                raise InvalidInputError(f"{text.strip()!r} is not in the list of lost reasons")
            return self._save_lost_reasons(kept)

        return self.write(work)

    def reset_lost_reasons(self) -> list[str]:
        """Back to the reasons offered out of the box."""
        return self.write(lambda: self._save_lost_reasons(list(DEFAULT_LOST_REASONS)))

    def _lost_reasons_now(self) -> list[str]:
        row = self.conn.execute(
            "SELECT value FROM settings WHERE key = 'lost_reasons'").fetchone()
        if row is None:
            return list(DEFAULT_LOST_REASONS)
        reasons = json.loads(row[0])
        return [str(r) for r in reasons] if isinstance(reasons, list) else []

    def _save_lost_reasons(self, reasons: list[str]) -> list[str]:
        self.conn.execute("INSERT INTO settings (key, value) VALUES ('lost_reasons', ?)"
                          " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                          (json.dumps(reasons, ensure_ascii=False),))
        return reasons


def _check_numbers(probability: int, stale_after_days: int) -> None:
    if not 0 <= probability <= 100:
        raise InvalidInputError(f"probability {probability} must be between 0 and 100")
    if stale_after_days < 0:
        raise InvalidInputError("stale-after days can't be negative")
