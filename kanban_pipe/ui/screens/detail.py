"""The deal detail modal: every field, its highlights and the activity history, newest first."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from kanban_pipe.domain.amounts import value_text
from kanban_pipe.domain.dates import days_ago_words, relative_words
from kanban_pipe.domain.models import Activity, ActivityKind, Deal, QualificationFact, Stage
from kanban_pipe.domain.rules import (
    DealFlags,
    Highlight,
    Slip,
    days_in_stage,
    deal_flags,
    forecast_category,
    local_date,
)
from kanban_pipe.ui.screens.help import HIGHLIGHT_STYLES
from kanban_pipe.ui.text import plain, safe_text
from kanban_pipe.ui.widgets.card import LEGEND, card_markers

_LABEL_WIDTH = 17
_MARKER_WIDTH = 12
# The longest kind, "next step done", so the details line up.
_KIND_WIDTH = max(len(kind.value) for kind in ActivityKind)

QUALIFICATION_WORDS: dict[QualificationFact, str] = {
    QualificationFact.DECISION_MAKER: "decision maker identified",
    QualificationFact.NEED: "need confirmed",
    QualificationFact.TIMELINE: "timeline confirmed",
}


def local_time(moment: datetime) -> str:
    """A stored timestamp in the viewer's local time, to the minute."""
    shown = moment.astimezone() if moment.tzinfo else moment
    return shown.strftime("%Y-%m-%d %H:%M")


def day_words(day: date, today: date) -> str:
    """'2026-11-27 (in 2d)'."""
    return f"{day.isoformat()} ({relative_words(day, today)})"


def highlight_lines(deal: Deal, stage: Stage, today: date,
                    slip: Slip | None = None) -> list[Content]:
    """Each raised highlight as the card's marker, in its colour, with what it means
    (for SLIPPING: why, as store.slipping found it)."""
    meanings = {marker.split()[0]: (style, meaning) for marker, style, meaning in LEGEND}
    if slip is not None:
        meanings["SLIPPING"] = (Highlight.SLIPPING,
                                slip.words(days_in_stage(deal, today), stage.name))
    lines: list[Content] = []
    for marker in card_markers(deal, stage, today, slip):
        # Card markers carry a count ("STALE 23d"); the legend is keyed by the word before it.
        style, meaning = meanings.get(marker.split()[0], ("", ""))
        lines.append(
            Content.assemble(
                # A long marker ("CLOSE 4d ago") still gets a gap before its meaning.
                (f"{marker}  ".ljust(_MARKER_WIDTH),
                 f"bold {HIGHLIGHT_STYLES.get(style, '$warning')}"),
                (meaning, "$text-muted"),
            )
        )
    return lines


def call_text(deal: Deal, stage: Stage) -> str:
    """The forecast call as the detail shows it: whose it is (the owner's or the stage's)."""
    category = forecast_category(deal, stage).label
    whose = "the owner's call" if deal.forecast_category else "the stage's default"
    odds = (f"{deal.probability}% (own; {stage.name} {stage.probability}%)"
            if deal.probability is not None else f"{stage.probability}% (the stage's)")
    return f"{category} ({whose}) · win probability {odds}"


class DealDetailScreen(ModalScreen[None]):
    """All of one deal, read-only; esc, q or enter closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,enter", "close", "Close", id="detail.close"),
    ]

    DEFAULT_CSS = """
    DealDetailScreen {
        align: center middle;
    }
    DealDetailScreen .detail-dialog {
        width: 90%;
        height: 90%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    DealDetailScreen .detail-title {
        text-style: bold;
        color: $primary;
    }
    DealDetailScreen .detail-flags {
        height: auto;
        padding-bottom: 1;
    }
    DealDetailScreen .detail-section {
        text-style: bold;
        background: $panel;
        margin-top: 1;
    }
    DealDetailScreen .detail-hint {
        color: $text-muted;
        dock: bottom;
    }
    """

    def __init__(
        self,
        *,
        deal: Deal,
        stage: Stage,
        stages: list[Stage],
        activities: list[Activity],
        today: date,
        slip: Slip | None = None,
    ) -> None:
        super().__init__()
        self._deal = deal
        self._stage = stage
        self._stages = sorted(stages, key=lambda s: s.position)
        # Newest first whatever order the caller used; id breaks ties within a second.
        self._activities = sorted(activities, key=lambda a: (a.at, a.id), reverse=True)
        self._today = today
        self._slip = slip

    def compose(self) -> ComposeResult:
        """Title, highlights, fields and history in one scrollable panel."""
        deal = self._deal
        flags = deal_flags(deal, self._stage, self._today)
        with Vertical(classes="detail-dialog"):
            yield Static(
                Content.assemble(plain(deal.title), (f"  #{deal.id}", "$text-muted")),
                id="detail-title",
                classes="detail-title",
            )
            with VerticalScroll(id="detail-body"):
                yield Static(self._flags_line(), id="detail-flags", classes="detail-flags")
                yield Static(self._fields(flags), id="detail-fields")
                yield Static(
                    Content(f"History ({len(self._activities)}, newest first)"),
                    classes="detail-section",
                )
                yield Static(self._history(), id="detail-history")
            yield Static(
                Content("esc / q / enter close · ↑↓ pgup pgdn scroll"), classes="detail-hint"
            )

    def _flags_line(self) -> Content:
        """The highlights, one a line, or a calm line when there are none."""
        lines = highlight_lines(self._deal, self._stage, self._today, self._slip)
        if not lines:
            return Content.styled("✓ nothing needs attention", "$success")
        return Content("\n").join(lines)

    def _fields(self, flags: DealFlags) -> Content:
        """Every field as 'label  value' lines; user text stays literal."""
        deal, today = self._deal, self._today
        stage = self._stage
        number = next(
            (i for i, s in enumerate(self._stages, 1) if s.key == stage.key), stage.position
        )
        rows: list[tuple[str, Content]] = [
            ("Organization", plain(deal.organization)),
            ("Contact", plain(deal.contact)),
            ("Value", Content(value_text(deal.value, deal.currency, compact=False))),
            (
                "Stage",
                Content.assemble(
                    plain(stage.name),
                    f" ({number} of {len(self._stages)}, {stage.probability}% win probability)",
                ),
            ),
            ("Status", Content(deal.status.value)),
            ("Forecast call", plain(call_text(deal, stage))),
            ("Owner", plain(deal.owner)),
            ("Source", plain(deal.source)),
            (
                "Expected close",
                Content(
                    day_words(deal.expected_close, today) if deal.expected_close else "not set"
                ),
            ),
            ("Next step", self._next_step()),
            ("Qualification", self._qualification()),
            (
                "Days in stage",
                Content(
                    f"{flags.days_in_stage}d (since "
                    f"{local_date(deal.stage_entered_at).isoformat()})"
                ),
            ),
            (
                "Last activity",
                Content(
                    f"{local_time(deal.last_activity_at)} "
                    f"({days_ago_words(flags.days_since_activity)})"
                ),
            ),
        ]
        if deal.paused_until:
            rows.append(("Paused until", Content(day_words(deal.paused_until, today))))
        if deal.lost_reason:
            rows.append(("Lost reason", plain(deal.lost_reason)))
        if deal.closed_at:
            rows.append(("Closed", Content(local_time(deal.closed_at))))
        rows += [
            ("Created", Content(local_time(deal.created_at))),
            ("Updated", Content(local_time(deal.updated_at))),
            ("Version", Content(str(deal.version))),
        ]
        return Content("\n").join(
            Content.assemble((label.ljust(_LABEL_WIDTH), "$text-muted"), value)
            for label, value in rows
        )

    def _next_step(self) -> Content:
        """Action, owner and due date in relative words."""
        step = self._deal.next_step
        if step is None or not step.action:
            return Content.styled("none", "$error")
        due = day_words(step.due, self._today) if step.due else "no due date"
        return Content.assemble(
            plain(step.action),
            ("  owner ", "$text-muted"),
            plain(step.owner),
            ("  due ", "$text-muted"),
            due,
        )

    def _qualification(self) -> Content:
        """✓ or ✗ before each of the three facts."""
        qualification = self._deal.qualification
        parts: list[Content] = []
        for fact, words in QUALIFICATION_WORDS.items():
            confirmed = bool(getattr(qualification, fact.value))
            mark = ("✓ ", "$success") if confirmed else ("✗ ", "$error")
            parts.append(Content.assemble(mark, words))
        return Content("   ").join(parts)

    def _history(self) -> Content:
        """One line per activity: local time, actor, kind, detail."""
        if not self._activities:
            return Content.styled("no activity yet", "$text-muted")
        actor_width = max(len(safe_text(a.actor)) for a in self._activities)
        return Content("\n").join(
            Content.assemble(
                (local_time(activity.at), "$text-muted"),
                "  ",
                safe_text(activity.actor).ljust(actor_width),
                "  ",
                (activity.kind.value.replace("_", " ").ljust(_KIND_WIDTH), "$accent"),
                "  ",
                plain(activity.detail),
            )
            for activity in self._activities
        )

    def action_close(self) -> None:
        """Back to the board."""
        self.dismiss(None)
