"""The board's keys: its bindings (the contract of PRODUCT.md) and the words help gives them."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from textual.binding import Binding, BindingType
from textual.content import Content

# Board keys: the contract of PRODUCT.md. Ids let users remap them.
BOARD_BINDINGS = [
    Binding("left,h", "focus_column(-1)", "Prev column", show=False, id="board.left"),
    Binding("right,l", "focus_column(1)", "Next column", show=False, id="board.right"),
    Binding("up,k", "move_cursor(-1)", "Prev card", show=False, id="board.up"),
    Binding("down,j", "move_cursor(1)", "Next card", show=False, id="board.down"),
    Binding("g,home", "cursor_edge('first')", "First card", show=False, id="board.first"),
    Binding("G,end", "cursor_edge('last')", "Last card", show=False, id="board.last"),
    Binding("shift+right,greater_than_sign", "move_deal(1)", "Move ›", id="board.forward"),
    Binding("shift+left,less_than_sign", "move_deal(-1)", "‹ Back", show=False,
            id="board.back"),
    *[
        Binding(str(n), f"move_to_stage({n})", f"Move to stage {n}", show=False,
                id=f"board.stage{n}")
        for n in range(1, 10)
    ],
    Binding("S", "cycle_order", "Order", show=False, id="board.order"),
    Binding("J", "reorder(1)", "Card down", show=False, id="board.reorder_down"),
    Binding("K", "reorder(-1)", "Card up", show=False, id="board.reorder_up"),
    Binding("n", "new_deal", "New", id="board.new"),
    Binding("enter", "open_deal", "Open", show=False, id="board.open"),
    Binding("e", "edit_deal", "Edit", show=False, id="board.edit"),
    Binding("s", "next_step", "Next step", id="board.next_step"),
    Binding("d", "done", "Done", id="board.done"),
    Binding("a", "log_activity", "Log", id="board.log"),
    Binding("w", "won", "Won", show=False, id="board.won"),
    Binding("x", "lost", "Lost", show=False, id="board.lost"),
    Binding("p", "pause", "Pause", show=False, id="board.pause"),
    Binding("c", "close_date", "Close date", show=False, id="board.close_date"),
    Binding("F", "forecast_call", "Call", show=False, id="board.forecast_call"),
    Binding("D", "delete", "Delete", show=False, id="board.delete"),
    Binding("u,ctrl+z", "undo", "Undo", id="board.undo"),
    Binding("slash", "filter", "Filter", id="board.filter"),
    Binding("escape", "clear_filter", "Clear filter", show=False, id="board.clear_filter"),
    Binding("o", "toggle_owner", "Mine/all", show=False, id="board.owner"),
    Binding("r", "review", "Review", id="board.review"),
    Binding("f", "forecast", "Forecast", show=False, id="board.forecast"),
    Binding("P", "switch_pipeline", "Pipeline", show=False, id="board.pipeline"),
    Binding("M", "move_to_pipeline", "To pipeline", show=False, id="board.move_pipeline"),
    Binding("question_mark", "help", "Help", id="board.help"),
    Binding("q", "app.quit", "Quit", id="board.quit"),
]

# While the milestone bar asks, these answer it (check_action turns the board's keys off
# meanwhile). The screen holds them, not the bar: the bar would need the focus, and a
# focus change repaints the whole screen.
MILESTONE_BINDINGS = [
    Binding("y,enter", "answer_milestones(True)", "Confirm", show=False,
            id="board.milestones_yes"),
    Binding("n,escape", "answer_milestones(False)", "Cancel", show=False,
            id="board.milestones_no"),
]

# Longer words for the help screen than the footer has room for.
KEY_HELP = {
    "focus_column(-1)": "focus the previous column",
    "focus_column(1)": "focus the next column",
    "move_cursor(-1)": "previous card",
    "move_cursor(1)": "next card",
    "cursor_edge('first')": "first card",
    "cursor_edge('last')": "last card",
    "move_deal(1)": "move the deal to the next stage (confirms the exit milestone)",
    "move_deal(-1)": "move the deal back: < then enter for the stage before, or < and a "
                     "stage number; asks a short reason (kept in the history)",
    "move_to_stage": "move the deal straight to stage N (confirms skipped milestones)",
    "cycle_order": "cycle card order: urgency / value / close date / days in stage / manual",
    "reorder(1)": "move the card down (manual order)",
    "reorder(-1)": "move the card up (manual order)",
    "new_deal": "new deal in the focused stage",
    "open_deal": "open the deal: every field and the activity history",
    "edit_deal": "edit the deal's fields",
    "next_step": "set the next step: action, owner, due date",
    "done": "mark the next step done, then set the next one",
    "log_activity": "log a call, email, meeting or note",
    "won": "close the deal as won",
    "lost": "close the deal as lost (asks the reason)",
    "pause": "pause the deal until a date, with a short reason (it leaves the board until "
             "then)",
    "close_date": "set the expected close date (c, +2w, enter)",
    "forecast_call": "call the deal in the forecast: pipeline, best case, commit or omitted "
                     "(1-4), and its own win probability (empty: the stage's)",
    "delete": "delete a duplicate or mistake (asks first; undo restores)",
    "undo": "undo your last change (also one made from the command line)",
    "filter": "filter by title, organization, contact or owner; is:unqualified: the deals "
              "to move back or pause",
    "clear_filter": "clear the filter",
    "toggle_owner": "toggle the owner filter: mine / everyone",
    "review": "review mode: walk the stand-up queue deal by deal",
    "forecast": "forecast and statistics: pipeline, win rate, conversion, trend",
    "switch_pipeline": "show another pipeline (each with its own stages): the pipelines "
                       "are listed with their open deals",
    "move_to_pipeline": "move the deal into another pipeline (to the stage of the same "
                        "name, else the first; its history says so, u undoes)",
    "help": "this help",
    "app.quit": "quit (every change is already saved)",
}


def binding_keys(binding: Binding, key_display: Callable[[Binding], str]) -> str:
    """A binding's keys as the help screen lists them ("u, ctrl+z")."""
    return ", ".join(key_display(Binding(key.strip(), "")) for key in binding.key.split(","))


# The board's actions that change the pipeline: a read-only board neither lists nor offers
# them (footer, palette); their keys still explain why nothing can change (see `saves`).
WRITE_ACTIONS = frozenset({
    "move_deal(1)", "move_deal(-1)", "move_back_to", "reorder(1)", "reorder(-1)", "new_deal",
    "edit_deal", "next_step", "done", "log_activity", "won", "lost", "pause", "delete",
    "undo", "close_date", "forecast_call", "move_to_pipeline",
})

# Always in the footer, whatever the width: how to get help and how to leave.
_ALWAYS_SHOWN = ("help", "app.quit")


def is_write_action(action: str) -> bool:
    """Whether a board action changes the pipeline (stage numbers move the deal too)."""
    return action in WRITE_ACTIONS or action.startswith("move_to_stage(")


def short_key(binding: Binding, key_display: Callable[[Binding], str]) -> str:
    """The shortest way to write a binding's keys ('>' rather than 'shift+→')."""
    return min((key_display(Binding(key.strip(), "")) for key in binding.key.split(",")),
               key=len)


def key_hints(key_display: Callable[[Binding], str], *, width: int = 0,
              read_only: bool = False) -> Content:
    """The line of the board's main keys (BOARD_BINDINGS shown) that fits in `width`.

    Help and quit are always there (at the end, where users look for them); the other
    keys come in their order while they fit, then the palette's. A read-only board lists
    no key that would change something.
    """
    def hint(key: str, words: str) -> list[str | tuple[str, str]]:
        return [(f" {key}", "bold $accent"), f" {words} "]

    shown = [b for b in BOARD_BINDINGS
             if b.show and not (read_only and is_write_action(b.action))]
    always = [hint(short_key(b, key_display), b.description)
              for b in shown if b.action in _ALWAYS_SHOWN]
    others = [hint(short_key(b, key_display), b.description)
              for b in shown if b.action not in _ALWAYS_SHOWN]
    palette: list[str | tuple[str, str]] = [("  ctrl+p", "bold $accent"), " palette"]

    def length(parts: list[str | tuple[str, str]]) -> int:
        return sum(len(part if isinstance(part, str) else part[0]) for part in parts)

    room = (width or 10_000) - sum(length(parts) for parts in always)
    chosen: list[str | tuple[str, str]] = []
    for parts in others:
        if length(chosen) + length(parts) > room:
            break
        chosen += parts
    chosen += [part for parts in always for part in parts]
    if length(chosen) + length(palette) <= (width or 10_000):
        chosen += palette
    return Content.assemble(*chosen)


def board_key_help(bindings: Iterable[BindingType],
                   key_display: Callable[[Binding], str]) -> list[tuple[str, str]]:
    """(keys, what they do) for the help screen, from the board's live bindings."""
    rows: list[tuple[str, str]] = []
    for binding in bindings:
        if not isinstance(binding, Binding) or binding.action.startswith("answer_"):
            continue  # answers to the milestone bar are shown on the bar itself
        if binding.action.startswith("move_to_stage("):
            if binding.action == "move_to_stage(1)":
                rows.append(("1–9", KEY_HELP["move_to_stage"]))
            continue
        rows.append((binding_keys(binding, key_display),
                     KEY_HELP.get(binding.action, binding.description)))
    rows.append(("ctrl+p", "command palette: every action by name"))
    return rows
