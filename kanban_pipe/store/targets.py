"""The targets a team and its reps are measured against, per month or quarter."""

from __future__ import annotations

from datetime import date

from kanban_pipe.domain.errors import InvalidInputError
from kanban_pipe.domain.forecast import parse_period
from kanban_pipe.domain.models import Target
from kanban_pipe.domain.validation import clean_currency, clean_name
from kanban_pipe.store.queries import PipelineQueries


class PipelineTargets(PipelineQueries):
    """Setting, listing and removing targets (configuration: no activity is written)."""

    def set_target(self, period: str, amount: int, *, owner: str = "",
                   currency: str | None = None, today: date) -> Target:
        """Set (or replace) the team's target for a month or quarter, or one rep's."""
        if amount < 0:
            raise InvalidInputError("a target can't be negative")
        target = Target(parse_period(period, today), clean_name(owner, "owner") if owner else "",
                        amount, clean_currency(currency or self.home_currency()))
        self.write(lambda: self.conn.execute(
            "INSERT INTO targets (period, owner, amount, currency) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (period, owner) DO UPDATE SET amount = excluded.amount,"
            " currency = excluded.currency",
            (target.period, target.owner, target.amount, target.currency)))
        return target

    def remove_target(self, period: str, *, owner: str = "", today: date) -> str:
        """Remove a target; refuses one that is not set. Returns the period removed."""
        key = parse_period(period, today)

        def work() -> str:
            removed = self.conn.execute("DELETE FROM targets WHERE period = ? AND owner = ?",
                                        (key, owner.strip())).rowcount
            if not removed:
                whose = f"{owner.strip()}'s" if owner.strip() else "the team's"
                raise InvalidInputError(f"no target for {key} is set ({whose})")
            return key

        return self.write(work)
