"""The furthest stage a deal reached when moves back come in several pairs, on both engines.

Each pair of stages a deal moved back between is read through the activities_moves index on
its own; the figures must be those of every live move back (not undone, deal not deleted),
whatever the number of pairs. Deals, all open, made in Lead:

- P: Qualified, Proposal, back to Lead (Proposal -> Lead): reached Proposal.
- Q: Qualified, Proposal, Commitment, back to Qualified: reached Commitment.
- R: Qualified, back to Lead, that move undone: in Qualified, reached Qualified.
- S: Qualified, back to Lead, then deleted: in no figure.
- T: Qualified, Proposal, back to Qualified, back to Lead (two pairs): reached Proposal.
- U: stays in Lead.
- V, ben's: Qualified, Proposal, back to Lead: reached Proposal; not in anna's figures.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from kanban_pipe.domain.models import DealStatus
from kanban_pipe.domain.stats import WHOLE_PIPELINE, StatsScope
from kanban_pipe.domain.stats_inputs import Reach
from kanban_pipe.store import PipelineStore
from kanban_pipe.store.stats import gather_stats

TODAY = date(2026, 11, 25)


def test_moves_back_in_several_pairs(open_as: Callable[..., PipelineStore]) -> None:
    store = open_as("anna")
    ids = {name: store.add_deal(name, value=100_00).id for name in "PQRSTU"}
    ids["V"] = store.add_deal("V", value=100_00, owner="ben").id

    def walk(name: str, *stages: str) -> None:
        for stage in stages:
            store.move_deal(ids[name], stage)

    walk("P", "qualified", "proposal", "lead")
    walk("Q", "qualified", "proposal", "commitment", "qualified")
    walk("R", "qualified", "lead")
    store.undo()
    walk("S", "qualified", "lead")
    store.delete_deal(ids["S"])
    walk("T", "qualified", "proposal", "qualified", "lead")
    walk("V", "qualified", "proposal", "lead")

    def reach(scope: StatsScope = WHOLE_PIPELINE) -> list[Reach]:
        found = gather_stats(store, today=TODAY, scope=scope).reach
        return sorted(found, key=lambda r: str(r.stage))

    assert reach() == [
        Reach("commitment", DealStatus.OPEN, 1),  # Q
        Reach("lead", DealStatus.OPEN, 1),  # U
        Reach("proposal", DealStatus.OPEN, 3),  # P, T, V
        Reach("qualified", DealStatus.OPEN, 1),  # R
    ]
    assert reach(StatsScope(owner="anna")) == [
        Reach("commitment", DealStatus.OPEN, 1),
        Reach("lead", DealStatus.OPEN, 1),
        Reach("proposal", DealStatus.OPEN, 2),  # P, T
        Reach("qualified", DealStatus.OPEN, 1),
    ]
