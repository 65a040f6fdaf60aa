"""The deal keys of the board and of review mode: each opens its form if needed, then saves.

One DealActions object per screen. It acts on the deal its screen (a DealHost) has in
focus and hands each saved deal back to it to show; the notices, the refusals and the
choice when someone else saved the deal first are its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from textual.app import App

from kanban_pipe.domain.errors import ConflictError, KanbanPipeError
from kanban_pipe.domain.models import Deal, DealStatus, NextStep, Stage
from kanban_pipe.domain.rules import Slip
from kanban_pipe.domain.stages import UNKNOWN_STAGE, milestones_passed, neighbour_stage
from kanban_pipe.store import PipelineStore
from kanban_pipe.ui.screens.edit_saving import (
    deal_fields,
    draft_fields,
    fields_draft,
    offer_conflict_choice,
)
from kanban_pipe.ui.screens.store_work import StoreWork, saves
from kanban_pipe.ui.text import safe_text

if TYPE_CHECKING:
    from kanban_pipe.ui.drafts import ActivityDraft, DealDraft


class DealHost(Protocol):
    """What the deal actions need from the screen they act for."""

    @property
    def app(self) -> App[Any]:
        """The app, to open forms over the screen."""
        ...

    @property
    def stages(self) -> Sequence[Stage]:
        """The pipeline's stages, in order."""
        ...

    def current_deal(self) -> Deal | None:
        """The deal the keys act on, if there is one."""
        ...

    def current_slip(self) -> Slip | None:
        """Why that deal is slipping, as the screen read it (None: it is not)."""
        ...

    def deal_changed(self, deal: Deal, *, before: Deal | None) -> None:
        """Show a deal a key just saved (`before`: the deal as it was shown, if known)."""
        ...

    def deal_undone(self, deal: Deal, words: str) -> None:
        """Show a deal an undo just changed, and say what was undone (the store's words)."""
        ...

    def confirm_milestones(self, deal_title: str, from_stage: str, to_stage: str,
                           milestones: list[str], then: Callable[[bool | None], None]) -> None:
        """Ask to confirm the milestones a forward move claims; `then(True)` saves it."""
        ...

    def move_finished(self) -> None:
        """A move was saved or refused (just before either is shown)."""
        ...


class DealActions:
    """Key actions that change the focused deal, or open it, on behalf of a DealHost."""

    def __init__(self, host: DealHost, work: StoreWork, *, no_deal_hint: str) -> None:
        self._host = host
        self.work = work
        self._no_deal_hint = no_deal_hint

    @property
    def _store(self) -> PipelineStore:
        return self.work.store

    def _deal_or_hint(self) -> Deal | None:
        deal = self._host.current_deal()
        if deal is None:
            self._host.app.notify(self._no_deal_hint, timeout=3)
        return deal

    def _stage(self, key: str | None) -> Stage:
        return next((s for s in self._host.stages if s.key == key), UNKNOWN_STAGE)

    def _stages_of(self, deal: Deal) -> list[Stage]:
        """The stages a deal moves through: its own pipeline's (a review of every
        pipeline holds them all)."""
        return [s for s in self._host.stages if s.pipeline == deal.pipeline]

    def _changed(self, deal: Deal, *, before: Deal | None = None, message: str = "") -> None:
        """After a write: the screen shows the deal, then the notice says what happened."""
        self._host.deal_changed(deal, before=before)
        if message:
            self.work.tell(message)

    def _refused(self, error: KanbanPipeError, reopen: Any, draft: Any) -> None:
        """The store said no: show why and reopen the form with what the user typed."""
        self.work.show_error(error)
        reopen(draft, str(error))

    # -- moving -------------------------------------------------------------------------

    @saves
    def move(self, step: int) -> None:
        """Move the deal a stage forward (confirming the milestone) or back."""
        deal = self._deal_or_hint()
        if deal is None:
            return
        try:
            target = neighbour_stage(self._stages_of(deal), deal.stage, step)
        except KanbanPipeError as error:
            self.work.show_error(error)
            return
        self._move(deal, target)

    @saves
    def move_to_stage(self, number: int) -> None:
        """Move the deal straight to stage N (a forward jump confirms every milestone)."""
        deal = self._deal_or_hint()
        if deal is None:
            return
        stages = self._stages_of(deal)
        if number > len(stages):
            self._host.app.notify(f"There is no stage {number}", severity="warning", timeout=3)
            return
        target = stages[number - 1]
        if target.key == deal.stage:
            self.work.tell(f"Already in {target.name}", timeout=2)
            return
        self._move(deal, target)

    def _is_back(self, deal: Deal, target: Stage) -> bool:
        current = self._stage(deal.stage)
        return current is not UNKNOWN_STAGE and target.position < current.position

    def _move_back(self, deal: Deal, target: Stage, reason: str = "", error: str = "") -> None:
        """A move back asks where to (`<` then a number) and why, kept in the history."""
        from kanban_pipe.ui.screens.forms import MoveBackForm

        def save(result: tuple[Stage, str] | None) -> None:
            if result is None:
                return
            stage, why = result
            self.work.perform(
                lambda: self._store.move_deal(deal.id, stage.key, expected_version=deal.version,
                                              reason=why),
                lambda saved: self._changed(saved, before=deal),
                lambda failure: self._refused(
                    failure, lambda again, words: self._move_back(deal, stage, again, words),
                    why))

        self._host.app.push_screen(
            MoveBackForm(deal_title=deal.title, stages=self._stages_of(deal),
                         current=self._stage(deal.stage), target=target, reason=reason,
                         error=error),
            save)

    def _move(self, deal: Deal, target: Stage) -> None:
        if self._is_back(deal, target):
            self._move_back(deal, target)
            return
        passed = milestones_passed(self._stages_of(deal), deal.stage, target.key)
        milestones = [s.milestone for s in passed if s.milestone]

        def moved(saved: Deal) -> None:
            # No notice: the card moving, with the focus on it, says it all, and a toast
            # costs a layout pass and extra frames on every move.
            self._host.move_finished()
            self._changed(saved, before=deal)

        def refused(error: KanbanPipeError) -> None:
            self._host.move_finished()
            self.work.show_error(error)

        def go(confirmed: bool | None = True) -> None:
            if confirmed:
                self.work.perform(lambda: self._store.move_deal(
                    deal.id, target.key, expected_version=deal.version), moved, refused)

        if milestones:
            self._host.confirm_milestones(deal.title, self._stage(deal.stage).name,
                                          target.name, milestones, go)
        else:
            go()

    # -- forms ----------------------------------------------------------------------------

    @saves
    def new_deal(self, stage: Stage, draft: DealDraft | None = None, error: str = "") -> None:
        """Add a deal to `stage`."""
        from kanban_pipe.ui.screens.forms import DealForm  # loads with the first form

        store = self._store

        def save(result: DealDraft | None) -> None:
            if result is None:
                return
            self.work.perform(
                lambda: store.add_deal(
                    result.title, organization=result.organization, contact=result.contact,
                    value=result.value, currency=result.currency, stage=stage.key,
                    owner=result.owner or None, source=result.source,
                    expected_close=result.expected_close, next_step=result.next_step),
                lambda deal: self._changed(deal, message=f"Added '{safe_text(deal.title)}'"),
                lambda failure: self._refused(
                    failure, lambda again, words: self.new_deal(stage, again, words), result),
            )

        self._host.app.push_screen(
            DealForm(today=self.work.today(), home_currency=store.home_currency(),
                     default_owner=store.user, stage_name=stage.name, draft=draft,
                     error=error),
            save,
        )

    @saves
    def edit(self, draft: DealDraft | None = None, error: str = "",
             base: Deal | None = None) -> None:
        """Edit the focused deal's fields (or `base`, the version a conflict left us on)."""
        from kanban_pipe.ui.screens.forms import DealForm

        deal = base or self._deal_or_hint()
        if deal is None:
            return
        store = self._store

        def save(result: DealDraft | None) -> None:
            if result is not None:
                self._save_edit(deal, result)

        self._host.app.push_screen(
            DealForm(today=self.work.today(), home_currency=store.home_currency(),
                     default_owner=store.user, stage_name=self._stage(deal.stage).name,
                     deal=deal, draft=draft, error=error),
            save,
        )

    def _save_edit(self, start: Deal, draft: DealDraft) -> None:
        """Save the edit form over the version it was opened on."""
        self.work.perform(
            lambda: self._store.edit_deal(
                start.id, expected_version=start.version, title=draft.title,
                organization=draft.organization, contact=draft.contact, value=draft.value,
                currency=draft.currency, owner=draft.owner or start.owner,
                source=draft.source, expected_close=draft.expected_close),
            lambda saved: self._changed(saved, before=start,
                                        message=f"Saved '{safe_text(saved.title)}'"),
            lambda failure: self._edit_refused(failure, start, draft),
        )

    def _edit_refused(self, failure: KanbanPipeError, start: Deal, draft: DealDraft) -> None:
        if not isinstance(failure, ConflictError):
            self.work.show_error(failure)
            self.edit(draft, str(failure), base=start)
            return
        offer_conflict_choice(
            self.work, self._host.app, start, draft_fields(draft, start), deal_fields,
            keep=self._kept,
            apply=lambda merged, theirs: self._save_edit(theirs, fields_draft(merged)),
            reedit=lambda merged, theirs: self.edit(
                fields_draft(merged), "Their changes are in the form now; yours are kept.",
                base=theirs),
        )

    def _kept(self, theirs: Deal, start: Deal) -> None:
        self._changed(theirs, before=start,
                      message=f"Kept the saved version of '{safe_text(theirs.title)}'")

    @saves
    def next_step(self, draft: NextStep | None = None, error: str = "",
                  base: Deal | None = None) -> None:
        """Set the next step: action, owner (you by default) and due date."""
        from kanban_pipe.ui.screens.forms import NextStepForm

        deal = base or self._deal_or_hint()
        if deal is None:
            return

        def save(step: NextStep | None) -> None:
            if step is not None:
                self._save_next_step(deal, step)

        self._host.app.push_screen(
            NextStepForm(today=self.work.today(), default_owner=self._store.user,
                         current=deal.next_step, draft=draft, deal_title=deal.title,
                         error=error),
            save,
        )

    def _save_next_step(self, start: Deal, step: NextStep) -> None:
        """Save the next-step form over the version it was opened on."""
        self.work.perform(
            lambda: self._store.set_next_step(start.id, step.action, due=step.due,
                                              owner=step.owner, expected_version=start.version),
            lambda saved: self._changed(saved, message="Next step set"),
            lambda failure: self._step_refused(failure, start, step),
        )

    def _step_refused(self, failure: KanbanPipeError, start: Deal, step: NextStep) -> None:
        if not isinstance(failure, ConflictError):
            self.work.show_error(failure)
            self.next_step(step, str(failure), base=start)
            return
        offer_conflict_choice(
            self.work, self._host.app, start, {"next_step": step},
            lambda deal: {"next_step": deal.next_step}, keep=self._kept,
            apply=lambda _merged, theirs: self._save_next_step(theirs, step),
            reedit=lambda _merged, theirs: self.next_step(
                step, "Someone else saved this deal meanwhile; check, then save again.",
                base=theirs),
        )

    @saves
    def done(self) -> None:
        """Mark the next step done, then ask for the next one."""
        from kanban_pipe.ui.screens.forms import NextStepForm

        deal = self._deal_or_hint()
        if deal is None:
            return
        if deal.next_step is None:
            self._host.app.notify("No next step to mark done: s sets one", timeout=3)
            self.next_step()
            return
        store = self._store

        def then(saved: Deal) -> None:
            self._changed(saved, message=f"Done: {safe_text(deal.next_step.action)}"
                          if deal.next_step else "Done")

            def set_next(step: NextStep | None) -> None:
                if step:
                    self.work.perform(
                        lambda: store.set_next_step(saved.id, step.action, due=step.due,
                                                    owner=step.owner,
                                                    expected_version=saved.version),
                        lambda again: self._changed(again, message="Next step set"))

            self._host.app.push_screen(
                NextStepForm(today=self.work.today(), default_owner=store.user,
                             current=None, deal_title=saved.title),
                set_next,
            )

        self.work.perform(lambda: store.complete_next_step(deal.id,
                                                           expected_version=deal.version), then)

    @saves
    def log_activity(self) -> None:
        """Log a call, email, meeting or note."""
        from kanban_pipe.ui.screens.forms import ActivityForm

        deal = self._deal_or_hint()
        if deal is None:
            return

        def save(draft: ActivityDraft | None) -> None:
            if draft is None:
                return
            self.work.perform(
                lambda: self._store.log_activity(deal.id, draft.kind, draft.text),
                lambda saved: self._changed(saved, message=f"Logged {draft.kind.value}"))

        self._host.app.push_screen(ActivityForm(deal_title=deal.title), save)

    # -- closing --------------------------------------------------------------------------

    @saves
    def won(self) -> None:
        """Close the deal as won."""
        deal = self._deal_or_hint()
        if deal is None:
            return
        if deal.status is DealStatus.WON:
            self._host.app.notify("Already won", timeout=2)
            return
        self.work.perform(lambda: self._store.mark_won(deal.id, expected_version=deal.version),
                          lambda saved: self._changed(
                              saved, before=deal,
                              message=f"Won '{safe_text(saved.title)}'! (u undoes)"))

    @saves
    def lost(self) -> None:
        """Close the deal as lost, asking the reason."""
        from kanban_pipe.ui.screens.forms import LostForm

        deal = self._deal_or_hint()
        if deal is None:
            return

        def save(reason: str | None) -> None:
            if reason:
                self.work.perform(
                    lambda: self._store.mark_lost(deal.id, reason,
                                                  expected_version=deal.version),
                    lambda saved: self._changed(
                        saved, message=f"Lost '{safe_text(saved.title)}' (u undoes)"))

        self._host.app.push_screen(
            LostForm(deal_title=deal.title, reasons=self._store.lost_reasons()), save)

    @saves
    def pause(self) -> None:
        """Pause the deal until a date: it leaves the board until then."""
        from kanban_pipe.ui.screens.forms import PauseForm

        deal = self._deal_or_hint()
        if deal is None:
            return

        def save(result: tuple[date, str] | None) -> None:
            if result:
                until, why = result
                self.work.perform(
                    lambda: self._store.pause_deal(deal.id, until, reason=why,
                                                   expected_version=deal.version),
                    lambda saved: self._changed(
                        saved, message=f"Paused '{safe_text(saved.title)}' until {until}"))

        self._host.app.push_screen(PauseForm(today=self.work.today(), deal_title=deal.title),
                                   save)

    @saves
    def close_date(self, error: str = "") -> None:
        """Set the expected close date with one key and a date (`c`, `+2w`, enter)."""
        from kanban_pipe.ui.screens.date_forms import CloseDateForm  # loads when it opens

        deal = self._deal_or_hint()
        if deal is None:
            return

        def save(close: date | None) -> None:
            if close is None:
                return
            self.work.perform(
                lambda: self._store.edit_deal(deal.id, expected_version=deal.version,
                                              expected_close=close),
                lambda saved: self._changed(saved, before=deal,
                                            message=f"Expected close {close.isoformat()}"),
                lambda failure: self._refused(failure, lambda _d, words: self.close_date(words),
                                              None),
            )

        self._host.app.push_screen(
            CloseDateForm(today=self.work.today(), deal_title=deal.title,
                          current=deal.expected_close, error=error), save)

    @saves
    def forecast_call(self, error: str = "") -> None:
        """Call the deal in the forecast: its category and its own probability (`F`)."""
        from kanban_pipe.ui.screens.call_form import ForecastCall, ForecastCallForm, call_words

        deal = self._deal_or_hint()
        if deal is None:
            return

        def save(call: ForecastCall | None) -> None:
            if call is None:
                return
            self.work.perform(
                lambda: self._store.edit_deal(deal.id, expected_version=deal.version,
                                              forecast_category=call.category,
                                              probability=call.probability),
                lambda saved: self._changed(
                    saved, before=deal, message=call_words(saved, self._stage(saved.stage))),
                lambda failure: self._refused(failure,
                                              lambda _d, words: self.forecast_call(words), None),
            )

        self._host.app.push_screen(
            ForecastCallForm(deal=deal, stage=self._stage(deal.stage), error=error), save)

    @saves
    def delete(self) -> None:
        """Delete a duplicate or mistake, after asking."""
        from kanban_pipe.ui.screens.confirm import ConfirmDialog

        deal = self._deal_or_hint()
        if deal is None:
            return

        def go(sure: bool | None) -> None:
            if sure:
                self.work.perform(
                    lambda: self._store.delete_deal(deal.id, expected_version=deal.version),
                    lambda gone: self._changed(
                        gone, message=f"Deleted '{safe_text(gone.title)}' (u undoes)"))

        self._host.app.push_screen(
            ConfirmDialog(question=f"Delete '{deal.title}'? It disappears everywhere; its "
                                   "history is kept and u (undo) brings it back."),
            go,
        )

    @saves
    def undo(self) -> None:
        """Undo your last change (also one made from the command line)."""
        self.work.perform(self._store.undo, lambda result: self._host.deal_undone(*result))

    # -- looking --------------------------------------------------------------------------

    def open_deal(self) -> None:
        """Open the deal's detail: every field and the history, newest first."""
        from kanban_pipe.ui.screens.detail import DealDetailScreen

        deal = self._deal_or_hint()
        if deal is None:
            return
        self._host.app.push_screen(DealDetailScreen(
            deal=deal, stage=self._stage(deal.stage), stages=self._stages_of(deal),
            activities=self._store.activities(deal.id), today=self.work.today(),
            slip=self._host.current_slip()))
