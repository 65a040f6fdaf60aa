"""The board's pipeline keys: `P` shows another pipeline, `M` moves the focused deal into
one (a mixin of BoardScreen)."""

from __future__ import annotations

from typing import Any, Protocol, cast

from textual.app import App
from textual.content import Content
from textual.message import Message

from kanban_pipe.domain.models import Deal
from kanban_pipe.store import PipelineStore
from kanban_pipe.ui.messages import PipelineChosen
from kanban_pipe.ui.screens.store_work import StoreWork, saves
from kanban_pipe.ui.session import Session
from kanban_pipe.ui.text import plain

NO_DEAL_HINT = "No deal here: n adds one"  # what a deal key says on an empty column


class _Board(Protocol):
    """What these keys use of the board screen."""

    store: PipelineStore
    work: StoreWork
    session: Session

    @property
    def app(self) -> App[Any]: ...
    def current_deal(self) -> Deal | None: ...
    def place(self, deal: Deal, *, before: Deal | None = None) -> None: ...
    def post_message(self, message: Message) -> bool: ...


class BoardPipelines:
    """`P` and `M` of the board (the methods act on the BoardScreen they are part of)."""

    def action_switch_pipeline(self) -> None:
        """List the pipelines with their open deals; the one chosen replaces this board."""
        from kanban_pipe.ui.screens.pipeline_picker import PipelinePicker  # on first use

        board = cast(_Board, self)
        pipelines = board.store.pipelines()
        if len(pipelines) < 2:
            board.work.tell(f"{pipelines[0].name} is the only pipeline: `kanban-pipe "
                            "pipelines add NAME` adds another", timeout=6)
            return
        counts = board.store.pipeline_counts(today=board.session.today())

        def chosen(key: str | None) -> None:
            if key is not None and key != board.store.pipeline:
                board.post_message(PipelineChosen(key))

        board.app.push_screen(PipelinePicker(pipelines, counts, board.store.pipeline), chosen)

    @saves
    def action_move_to_pipeline(self) -> None:
        """Move the focused deal into another pipeline: it leaves this board."""
        from kanban_pipe.ui.screens.pipeline_picker import PipelinePicker  # on first use

        board = cast(_Board, self)
        deal = board.current_deal()
        if deal is None:
            board.app.notify(NO_DEAL_HINT, timeout=3)
            return
        pipelines = board.store.pipelines()
        if len(pipelines) < 2:
            board.work.tell(f"{pipelines[0].name} is the only pipeline: `kanban-pipe "
                            "pipelines add NAME` adds another", timeout=6)
            return
        names = {p.key: p.name for p in pipelines}

        def moved(saved: Deal) -> None:
            board.place(saved, before=deal)
            board.work.tell(f"Moved '{deal.title}' to {names.get(saved.pipeline, '')} "
                            "(u undoes)", timeout=4)

        def chosen(key: str | None) -> None:
            if key is not None and key != deal.pipeline:
                board.work.perform(lambda: board.store.move_to_pipeline(
                    deal.id, key, expected_version=deal.version), moved)

        board.app.push_screen(PipelinePicker(
            pipelines, board.store.pipeline_counts(today=board.session.today()), deal.pipeline,
            title=Content.assemble("Move ", plain(deal.title), " to pipeline"),
            hint="enter or 1-9 moves it (to the stage of the same name, else the first) · "
                 "esc keeps it here"), chosen)
