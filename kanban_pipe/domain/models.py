"""The pipeline's vocabulary: stages, deals, next steps and activities as frozen values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class DealStatus(StrEnum):
    """Where a deal stands: on the board (open), closed (won, lost) or parked (paused)."""

    OPEN = "open"
    WON = "won"
    LOST = "lost"
    PAUSED = "paused"


class ActivityKind(StrEnum):
    """What an entry of the append-only activity log records."""

    CREATED = "created"
    MOVED = "moved"
    NEXT_STEP_SET = "next_step_set"
    NEXT_STEP_DONE = "next_step_done"
    CALL = "call"
    EMAIL = "email"
    MEETING = "meeting"
    NOTE = "note"
    WON = "won"
    LOST = "lost"
    PAUSED = "paused"
    RESUMED = "resumed"
    EDITED = "edited"
    QUALIFIED = "qualified"
    IMPORTED = "imported"
    DELETED = "deleted"
    UNDO = "undo"


# The lost reasons offered until the team sets its own (`kanban-pipe lost-reasons`).
DEFAULT_LOST_REASONS: tuple[str, ...] = ("price", "competitor", "no budget", "no decision",
                                         "timing")

# Customer touches a rep can log by hand (`log --kind`, `a` on the board).
TOUCH_KINDS: frozenset[ActivityKind] = frozenset(
    {ActivityKind.CALL, ActivityKind.EMAIL, ActivityKind.MEETING, ActivityKind.NOTE}
)

# What counts as real movement for staleness; editing a typo or setting a next step does not.
MOVEMENT_KINDS: frozenset[ActivityKind] = TOUCH_KINDS | frozenset(
    {
        ActivityKind.CREATED,
        ActivityKind.MOVED,
        ActivityKind.NEXT_STEP_DONE,
        ActivityKind.WON,
        ActivityKind.LOST,
        ActivityKind.PAUSED,
        ActivityKind.RESUMED,
        ActivityKind.IMPORTED,
    }
)


class ForecastCategory(StrEnum):
    """What the owner calls a deal in the forecast: their judgement beside the stage's odds."""

    PIPELINE = "pipeline"
    BEST_CASE = "best_case"
    COMMIT = "commit"
    OMITTED = "omitted"

    @property
    def label(self) -> str:
        """The category as people say it ("best case")."""
        return self.value.replace("_", " ")


class QualificationFact(StrEnum):
    """The three facts a pipeline is cleaned by."""

    DECISION_MAKER = "decision_maker"
    NEED = "need"
    TIMELINE = "timeline"


@dataclass(frozen=True, slots=True)
class Stage:
    """A column of the pipeline and the customer milestone that ends it."""

    key: str
    name: str
    position: int
    probability: int
    stale_after_days: int
    milestone: str = ""
    qualifies: QualificationFact | None = None
    requires_qualification: bool = False
    is_won: bool = False
    pipeline: str = "sales"  # the key of the pipeline the stage belongs to


@dataclass(frozen=True, slots=True)
class Pipeline:
    """A sequence of stages deals move through (new business, renewals, partners...)."""

    key: str
    name: str
    position: int


@dataclass(frozen=True, slots=True)
class NextStep:
    """The next concrete action on a deal: what, who, and by when."""

    action: str
    owner: str
    due: date | None = None


@dataclass(frozen=True, slots=True)
class Qualification:
    """Which qualification facts a deal has confirmed."""

    decision_maker: bool = False
    need: bool = False
    timeline: bool = False

    @property
    def complete(self) -> bool:
        """True when all three facts are confirmed."""
        return self.decision_maker and self.need and self.timeline

    def missing(self) -> list[QualificationFact]:
        """The facts still unconfirmed, in their usual order."""
        return [fact for fact in QualificationFact if not getattr(self, fact.value)]


@dataclass(frozen=True, slots=True)
class Deal:
    """One opportunity in the pipeline. Money is integer minor units plus a currency code."""

    id: int
    title: str
    stage: str | None  # None only for a deal lost at a stage nobody knows (see UNKNOWN_STAGE)
    owner: str
    currency: str
    created_at: datetime
    updated_at: datetime
    stage_entered_at: datetime
    last_activity_at: datetime
    value: int | None = 0  # minor units; None is "no value", apart from a value of 0
    organization: str = ""
    contact: str = ""
    source: str = ""
    status: DealStatus = DealStatus.OPEN
    expected_close: date | None = None
    next_step: NextStep | None = None
    paused_until: date | None = None
    lost_reason: str = ""
    closed_at: datetime | None = None
    qualification: Qualification = field(default_factory=Qualification)
    position: int = 0
    version: int = 1
    deleted: bool = False
    # The owner's forecast call and own win probability; None means the stage's.
    forecast_category: ForecastCategory | None = None
    probability: int | None = None
    pipeline: str = "sales"  # the key of the pipeline the deal belongs to


@dataclass(frozen=True, slots=True)
class Activity:
    """An append-only log entry: who did what to a deal, and when."""

    id: int
    deal_id: int
    at: datetime
    actor: str
    kind: ActivityKind
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Target:
    """What the team (owner '') or one rep is to win in a month ('2026-12') or quarter
    ('2026-Q4'), in minor units of `currency`."""

    period: str
    owner: str
    amount: int
    currency: str
