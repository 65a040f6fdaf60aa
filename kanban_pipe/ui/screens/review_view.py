"""What review mode shows, as Content: the changes, the deal card, what is missing, the end.

Pure functions of domain values, so the screen only decides *when* to show them. User text
goes through plain() / safe_text(): never markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from textual.content import Content

from kanban_pipe.domain.amounts import value_text
from kanban_pipe.domain.dates import relative_words
from kanban_pipe.domain.models import Activity, Stage
from kanban_pipe.domain.review import (
    QUEUE_FIXES,
    QUEUE_TITLES,
    ChangesSince,
    Queue,
    ReviewItem,
    change_count_line,
    change_line,
    changes_heading,
    local_minute,
)
from kanban_pipe.domain.review_walk import DECISION_WORDS, ReviewSummary, queue_counts
from kanban_pipe.domain.rules import deal_flags
from kanban_pipe.ui.screens.detail import QUALIFICATION_WORDS, day_words, highlight_lines
from kanban_pipe.ui.text import plain, safe_text

_LABEL = 14


def _section(title: str) -> Content:
    return Content.styled(title, "bold $primary")


def _row(label: str, value: Content | str) -> Content:
    shown = value if isinstance(value, Content) else Content(value)
    return Content.assemble((label.ljust(_LABEL), "$text-muted"), shown)


def intro(changes: ChangesSince, items: Sequence[ReviewItem], *,
          top: int | None = None) -> Content:
    """The opening page: what changed since the previous review, then the queue sizes."""
    lines: list[Content] = [_section("What changed"), plain(changes_heading(changes))]
    totals = changes.totals()
    if not totals:
        lines.append(Content.styled("  nothing was added, moved, closed or paused", "$text-muted"))
    for word, total, by_actor in totals:
        lines.append(Content.assemble("  ", plain(change_count_line(word, total, by_actor))))
    if changes.recent:
        shown = len(changes.recent)
        more = (f" (newest {shown} of {changes.total})" if changes.total > shown
                else ", newest first")
        lines += [Content(""), Content.styled(f"Latest{more}", "bold")]
        lines += [Content.assemble("  ", plain(change_line(e))) for e in changes.recent]
    lines += [Content(""), _section(f"To review: {len(items)} deal"
                                    f"{'' if len(items) == 1 else 's'}")]
    for number, (queue, count) in enumerate(queue_counts(items), 1):
        capped = f"   the top {top} walked" if top is not None and count > top else ""
        lines.append(Content.assemble((f"  {number} ", "$accent"),
                                      (QUEUE_TITLES[queue].ljust(18), "bold"),
                                      str(count), (capped, "$text-muted")))
    hint = (f"space or enter starts · 1–{len(Queue)} or tab start at a queue · t top per"
            " queue · S changes since… · esc ends" if items
            else "Nothing needs a decision · S changes since… · esc ends the review")
    lines += [Content(""), Content.styled(hint, "$accent")]
    return Content("\n").join(lines)


def reason_banner(item: ReviewItem) -> Content:
    """The queue in capitals and the reason, then what takes the deal out of the queue."""
    return Content.assemble((f" {QUEUE_TITLES[item.queue].upper()} ", "bold reverse"),
                            "  ", plain(item.reason), "\n",
                            ("fix: ", "not bold $text-muted"),
                            (QUEUE_FIXES[item.queue], "not bold"),
                            ("   tab next queue", "not bold $text-muted"))


def deal_card(item: ReviewItem, stage: Stage, stages: Sequence[Stage], today: date) -> Content:
    """Title, organization, value, owner, stage, next step and days in stage."""
    deal = item.deal
    flags = deal_flags(deal, stage, today)
    number = next((n for n, s in enumerate(stages, 1) if s.key == stage.key), stage.position)
    step = deal.next_step
    if step is None:
        next_step = Content.styled("none", "bold $error")
    else:
        due = relative_words(step.due, today) if step.due else "no due date"
        next_step = Content.assemble(
            (safe_text(step.action), "bold"), (" · ", "$text-muted"), plain(step.owner),
            (" · ", "$text-muted"),
            (f"{due} ({step.due.isoformat()})" if step.due else due,
             "bold $error" if flags.next_step_state.value == "overdue" else ""))
    facts = Content("   ").join(
        Content.assemble(("✓ " if getattr(deal.qualification, fact.value) else "✗ ",
                          "$success" if getattr(deal.qualification, fact.value) else "$error"),
                         words)
        for fact, words in QUALIFICATION_WORDS.items())
    close = day_words(deal.expected_close, today) if deal.expected_close else "not set"
    rows = [
        Content.assemble((f"#{deal.id}  ", "$text-muted"), (safe_text(deal.title), "bold")),
        Content(""),
        _row("Organization", plain(deal.organization or "-")),
        _row("Value", Content.styled(value_text(deal.value, deal.currency, compact=False),
                                     "bold")),
        _row("Owner", Content.styled(safe_text(deal.owner), "bold")),
        _row("Stage", Content.assemble(plain(stage.name),
                                       f" ({number} of {len(stages)}) · "
                                       f"{flags.days_in_stage}d in stage")),
        _row("Next step", next_step),
        _row("Close", close),
        _row("Qualified", facts),
    ]
    if deal.paused_until:
        rows.append(_row("Was paused", f"until {deal.paused_until.isoformat()} (resumed)"))
    return Content("\n").join(rows)


def missing(item: ReviewItem, stage: Stage, today: date) -> Content:
    """Why it is here and every highlight it raises, marker first."""
    lines = [_section("What is missing"), Content.assemble("  ", plain(item.reason))]
    lines += [Content.assemble("  ", line) for line in highlight_lines(item.deal, stage, today,
                                                                      item.slip)]
    return Content("\n").join(lines)


def activities(history: Sequence[Activity]) -> Content:
    """The last few log entries, newest first."""
    lines = [_section("Last activities")]
    if not history:
        lines.append(Content.styled("  no activity yet", "$text-muted"))
    for activity in history:
        lines.append(Content.assemble(
            ("  " + local_minute(activity.at)[5:], "$text-muted"), "  ",
            (safe_text(activity.actor), "bold"), "  ",
            (activity.kind.value.replace("_", " "), "$accent"), "  ",
            plain(activity.detail)))
    return Content("\n").join(lines)


def end_of_queue(total: int) -> Content:
    """Shown once every deal has been walked."""
    return Content.assemble(
        ("End of the queue", "bold $success"),
        f"\n\nAll {total} deal{'' if total == 1 else 's'} walked.\n\n",
        ("b goes back · esc or q ends the review and shows what was decided", "$accent"))


def summary(result: ReviewSummary, *, recorded: int | None, problem: str = "") -> Content:
    """The end: what was decided, and whether it is recorded as the review."""
    if recorded is not None:
        state = Content.styled(f"Recorded as review #{recorded}: the next review's changes "
                               "start from here", "$success")
    else:
        state = Content.assemble(
            ("Not recorded yet. ", "bold $warning"),
            ("r records this review (the next one's 'what changed' starts from now); "
             "esc leaves without recording", "$text-muted"))
    lines = [_section("Review finished"), state]
    if problem:
        lines.append(Content.styled(problem, "$error"))
    lines += [Content(""), Content(result.accounting()), Content("")]
    lines += [Content.assemble((label.ljust(26), "bold"), str(count))
              for label, count in result.lines()]
    decided = result.per_deal()
    if decided:
        lines += [Content(""), _section("Decided")]
        lines += [Content.assemble((f"  #{deal_id} ", "$text-muted"), plain(title), ": ",
                                   ", ".join(DECISION_WORDS[d] for d in listed))
                  for deal_id, title, listed in decided]
    closes = ("enter, esc or q closes" if recorded is not None
              else "r records · enter, esc or q closes without recording")
    lines += [Content(""), Content.styled(closes, "$accent")]
    return Content("\n").join(lines)
