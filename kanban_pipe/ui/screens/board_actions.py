"""The board's write keys: each opens its form if needed, then runs one store action."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from textual.binding import Binding

from kanban_pipe.domain.errors import KanbanPipeError
from kanban_pipe.domain.models import Deal, DealStatus, NextStep, Stage
from kanban_pipe.domain.stages import milestones_passed, neighbour_stage
from kanban_pipe.store import CardOrder
from kanban_pipe.ui.screens.board_keys import KEY_HELP
from kanban_pipe.ui.screens.edit_saving import EditSaving
from kanban_pipe.ui.screens.store_work import saves
from kanban_pipe.ui.text import safe_text
from kanban_pipe.ui.widgets.card import LEGEND

if TYPE_CHECKING:
    from kanban_pipe.ui.drafts import ActivityDraft, DealDraft

class BoardActions(EditSaving):
    """Key actions that change deals; mixed into BoardScreen."""

    def _deal_or_hint(self) -> Deal | None:
        deal = self.current_deal()
        if deal is None:
            self.notify("No deal here: n adds one", timeout=3)
        return deal

    def _stage(self, key: str) -> Stage:
        return next(s for s in self.stages if s.key == key)

    def _changed(self, deal: Deal, *, before: Deal | None = None, message: str = "") -> None:
        """After a write: redraw the columns the deal left and entered, focus following it."""
        self.place(deal, before=before)
        if message:
            self.tell(message)

    # -- moving -------------------------------------------------------------------------

    @saves
    def action_move_deal(self, step: int) -> None:
        """Move the deal a stage forward (confirming the milestone) or back."""
        deal = self._deal_or_hint()
        if deal is None:
            return
        try:
            target = neighbour_stage(self.stages, deal.stage, step)
        except KanbanPipeError as error:
            self.show_error(error)
            return
        self._move(deal, target)

    @saves
    def action_move_to_stage(self, number: int) -> None:
        """Move the deal straight to stage N (a forward jump confirms every milestone)."""
        deal = self._deal_or_hint()
        if deal is None:
            return
        if number > len(self.stages):
            self.notify(f"There is no stage {number}", severity="warning", timeout=3)
            return
        target = self.stages[number - 1]
        if target.key == deal.stage:
            self.tell(f"Already in {target.name}", timeout=2)
            return
        self._move(deal, target)

    def _move(self, deal: Deal, target: Stage) -> None:
        passed = milestones_passed(self.stages, deal.stage, target.key)
        milestones = [s.milestone for s in passed if s.milestone]

        def go(confirmed: bool | None = True) -> None:
            if not confirmed:
                return
            self.perform(
                lambda: self.store.move_deal(deal.id, target.key, expected_version=deal.version),
                # No toast: the card moving, with the focus on it, says it all, and a
                # toast costs a layout pass and extra frames on every move.
                lambda moved: self.move_saved(moved, before=deal),
                self.move_refused,
            )

        if milestones:
            self.confirm_milestones(deal.title, self._stage(deal.stage).name, target.name,
                                    milestones, go)
        else:
            go()

    def move_saved(self, deal: Deal, *, before: Deal) -> None:
        """A move is saved: show the deal in its new stage."""
        self._changed(deal, before=before)

    def move_refused(self, error: KanbanPipeError) -> None:
        """The store refused a move: say why."""
        self.show_error(error)

    def confirm_milestones(self, deal_title: str, from_stage: str, to_stage: str,
                           milestones: list[str], then: Callable[[bool | None], None]) -> None:
        """Ask to confirm the milestones a forward move claims (the board asks inline)."""
        # The modals are imported where they open: start-up does not pay for them.
        from kanban_pipe.ui.screens.confirm import MilestoneConfirm

        self.app.push_screen(
            MilestoneConfirm(deal_title=deal_title, from_stage=from_stage, to_stage=to_stage,
                             milestones=milestones),
            then,
        )

    @saves
    def action_reorder(self, offset: int) -> None:
        """Move the card up or down in the column's manual order."""
        deal = self._deal_or_hint()
        if deal is None:
            return
        if self.order is not CardOrder.MANUAL:
            self.order = CardOrder.MANUAL
            self.notify("Cards now in manual order (S cycles orders)", timeout=3)
        # A swap moves the neighbour too: re-read the column (reordering is rare).
        self.perform(lambda: self.store.reorder_deal(deal.id, offset),
                     lambda moved: self.reload(stage_keys={moved.stage}, changed=[moved.id],
                                               focus_id=moved.id))

    # -- forms ----------------------------------------------------------------------------

    @saves
    def action_new_deal(self, draft: DealDraft | None = None, error: str = "") -> None:
        """Add a deal to the focused stage."""
        from kanban_pipe.ui.screens.forms import DealForm
        stage = self.stages[self.active]

        def save(result: DealDraft | None) -> None:
            if result is None:
                return
            self.perform(
                lambda: self.store.add_deal(
                    result.title, organization=result.organization, contact=result.contact,
                    value=result.value, currency=result.currency, stage=stage.key,
                    owner=result.owner or None, source=result.source,
                    expected_close=result.expected_close, next_step=result.next_step),
                lambda deal: self._changed(deal, message=f"Added '{safe_text(deal.title)}'"),
                lambda failure: self._refused(failure, self.action_new_deal, result),
            )

        self.app.push_screen(
            DealForm(today=self.session.today(), home_currency=self.store.home_currency(),
                     default_owner=self.store.user, stage_name=stage.name, draft=draft,
                     error=error),
            save,
        )

    @saves
    def action_edit_deal(self, draft: DealDraft | None = None, error: str = "",
                         base: Deal | None = None) -> None:
        """Edit the focused deal's fields (or `base`, the version a conflict left us on)."""
        from kanban_pipe.ui.screens.forms import DealForm
        deal = base or self._deal_or_hint()
        if deal is None:
            return

        def save(result: DealDraft | None) -> None:
            if result is not None:
                self.save_edit(deal, result)

        self.app.push_screen(
            DealForm(today=self.session.today(), home_currency=self.store.home_currency(),
                     default_owner=self.store.user, stage_name=self._stage(deal.stage).name,
                     deal=deal, draft=draft, error=error),
            save,
        )

    def _refused(self, error: KanbanPipeError, reopen: Any, draft: Any) -> None:
        """The store said no: show why and reopen the form with what the user typed."""
        self.show_error(error)
        reopen(draft, str(error))

    @saves
    def action_next_step(self, draft: NextStep | None = None, error: str = "",
                         base: Deal | None = None) -> None:
        """Set the next step: action, owner (you by default) and due date."""
        from kanban_pipe.ui.screens.forms import NextStepForm
        deal = base or self._deal_or_hint()
        if deal is None:
            return

        def save(step: NextStep | None) -> None:
            if step is not None:
                self.save_next_step(deal, step)

        self.app.push_screen(
            NextStepForm(today=self.session.today(), default_owner=self.store.user,
                         current=draft or deal.next_step, deal_title=deal.title, error=error),
            save,
        )

    @saves
    def action_done(self) -> None:
        """Mark the next step done, then ask for the next one."""
        from kanban_pipe.ui.screens.forms import NextStepForm
        deal = self._deal_or_hint()
        if deal is None:
            return
        if deal.next_step is None:
            self.notify("No next step to mark done: s sets one", timeout=3)
            self.action_next_step()
            return

        def then(saved: Deal) -> None:
            self._changed(saved, message=f"Done: {safe_text(deal.next_step.action)}"
                          if deal.next_step else "Done")
            self.app.push_screen(
                NextStepForm(today=self.session.today(), default_owner=self.store.user,
                             current=None, deal_title=saved.title),
                lambda step: step and self.perform(
                    lambda: self.store.set_next_step(saved.id, step.action, due=step.due,
                                                     owner=step.owner,
                                                     expected_version=saved.version),
                    lambda again: self._changed(again, message="Next step set"),
                ),
            )

        self.perform(lambda: self.store.complete_next_step(deal.id,
                                                           expected_version=deal.version), then)

    @saves
    def action_log_activity(self) -> None:
        """Log a call, email, meeting or note."""
        from kanban_pipe.ui.screens.forms import ActivityForm
        deal = self._deal_or_hint()
        if deal is None:
            return

        def save(draft: ActivityDraft | None) -> None:
            if draft is None:
                return
            self.perform(lambda: self.store.log_activity(deal.id, draft.kind, draft.text),
                         lambda saved: self._changed(saved, message=f"Logged {draft.kind.value}"))

        self.app.push_screen(ActivityForm(deal_title=deal.title), save)

    @saves
    def action_won(self) -> None:
        """Close the deal as won."""
        deal = self._deal_or_hint()
        if deal is None:
            return
        if deal.status is DealStatus.WON:
            self.notify("Already won", timeout=2)
            return
        self.perform(lambda: self.store.mark_won(deal.id, expected_version=deal.version),
                     lambda saved: self._changed(
                         saved, before=deal,
                         message=f"Won '{safe_text(saved.title)}'! (u undoes)"))

    @saves
    def action_lost(self) -> None:
        """Close the deal as lost, asking the reason."""
        from kanban_pipe.ui.screens.forms import LostForm
        deal = self._deal_or_hint()
        if deal is None:
            return

        def save(reason: str | None) -> None:
            if reason:
                self.perform(
                    lambda: self.store.mark_lost(deal.id, reason, expected_version=deal.version),
                    lambda saved: self._changed(
                        saved, message=f"Lost '{safe_text(saved.title)}' (u undoes)"))

        self.app.push_screen(LostForm(deal_title=deal.title), save)

    @saves
    def action_pause(self) -> None:
        """Pause the deal until a date: it leaves the board until then."""
        from kanban_pipe.ui.screens.forms import PauseForm
        deal = self._deal_or_hint()
        if deal is None:
            return

        def save(until: date | None) -> None:
            if until:
                self.perform(
                    lambda: self.store.pause_deal(deal.id, until, expected_version=deal.version),
                    lambda saved: self._changed(
                        saved, message=f"Paused '{safe_text(saved.title)}' until {until}"))

        self.app.push_screen(PauseForm(today=self.session.today(), deal_title=deal.title),
                             save)

    @saves
    def action_delete(self) -> None:
        """Delete a duplicate or mistake, after asking."""
        from kanban_pipe.ui.screens.confirm import ConfirmDialog
        deal = self._deal_or_hint()
        if deal is None:
            return

        def go(sure: bool | None) -> None:
            if sure:
                self.perform(
                    lambda: self.store.delete_deal(deal.id, expected_version=deal.version),
                    lambda gone: self._changed(
                        gone, message=f"Deleted '{safe_text(gone.title)}' (u undoes)"))

        self.app.push_screen(
            ConfirmDialog(question=f"Delete '{deal.title}'? It disappears everywhere; its "
                                   "history is kept and u (undo) brings it back."),
            go,
        )

    @saves
    def action_undo(self) -> None:
        """Undo your last change (also one made from the command line)."""

        def then(result: tuple[Deal, str]) -> None:
            deal, words = result
            self.reload(changed=[deal.id], focus_id=deal.id, forget=True)
            # The store's words carry the whole undone detail; a toast names just what.
            what = words.split(" on '")[0].split(":")[0]
            self.tell(f"{what[:1].upper()}{what[1:]} on '{deal.title}'", timeout=4)

        self.perform(self.store.undo, then)

    # -- screens --------------------------------------------------------------------------

    def action_open_deal(self) -> None:
        """Open the deal's detail: every field and the history, newest first."""
        from kanban_pipe.ui.screens.detail import DealDetailScreen
        deal = self._deal_or_hint()
        if deal is None:
            return
        self.app.push_screen(DealDetailScreen(
            deal=deal, stage=self._stage(deal.stage), stages=self.stages,
            activities=self.store.activities(deal.id), today=self.session.today()))

    def action_review(self) -> None:
        """Review mode: the stand-up queue (mine when the board shows only mine)."""
        # Imported here: the review screen reuses these actions, so a module-level import
        # would be circular.
        from kanban_pipe.ui.screens.review import ReviewScreen

        owner = self.store.user if self.only_mine else None
        # Deals changed during the review: the board re-reads everything when it closes.
        self.app.push_screen(ReviewScreen(self.session, owner=owner),
                             lambda _summary: self.reload(forget=True))

    def action_forecast(self) -> None:
        """Forecast and statistics of the whole pipeline."""
        from kanban_pipe.ui.screens.stats import open_statistics
        open_statistics(self, self.session)

    def action_help(self) -> None:
        """Every key and the highlight legend."""
        from kanban_pipe.ui.screens.help import HelpScreen
        self.app.push_screen(HelpScreen(keys=self.key_help(), legend=list(LEGEND)))

    def key_help(self) -> list[tuple[str, str]]:
        """(keys, what they do) from the live bindings, so help never drifts from them."""
        rows: list[tuple[str, str]] = []
        for binding in self.BINDINGS:
            if not isinstance(binding, Binding) or binding.action.startswith("answer_"):
                continue  # answers to the milestone bar are shown on the bar itself
            if binding.action.startswith("move_to_stage("):
                if binding.action == "move_to_stage(1)":
                    rows.append(("1–9", KEY_HELP["move_to_stage"]))
                continue
            keys = ", ".join(self.app.get_key_display(Binding(key.strip(), ""))
                             for key in binding.key.split(","))
            rows.append((keys, KEY_HELP.get(binding.action, binding.description)))
        rows.append(("ctrl+p", "command palette: every action by name"))
        return rows
