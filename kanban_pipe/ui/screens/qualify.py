"""The qualification modal: toggle decision maker, need and timeline with one key each."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from kanban_pipe.domain.models import Qualification, QualificationFact
from kanban_pipe.ui.text import plain

# The key that toggles each fact, and its words.
FACT_KEYS: tuple[tuple[str, QualificationFact, str], ...] = (
    ("d", QualificationFact.DECISION_MAKER, "Decision maker identified"),
    ("n", QualificationFact.NEED, "Need confirmed"),
    ("t", QualificationFact.TIMELINE, "Timeline confirmed"),
)


class QualifyForm(ModalScreen[dict[QualificationFact, bool] | None]):
    """Toggle the facts (d, n, t); enter saves the ones changed, esc cancels (None)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *[Binding(key, f"flip('{fact.value}')", words, id=f"qualify.{fact.value}")
          for key, fact, words in FACT_KEYS],
        Binding("enter,ctrl+s", "save", "Save", id="qualify.save"),
        Binding("escape", "cancel", "Cancel", id="qualify.cancel"),
    ]

    DEFAULT_CSS = """
    QualifyForm { align: center middle; }
    QualifyForm .qualify-dialog {
        width: 60; max-width: 100%; height: auto;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    QualifyForm .qualify-title { text-style: bold; color: $primary; padding-bottom: 1; }
    QualifyForm .qualify-fact { padding: 0 1; }
    QualifyForm .qualify-hint { color: $text-muted; padding-top: 1; }
    """

    def __init__(self, *, deal_title: str, current: Qualification) -> None:
        super().__init__()
        self._deal_title = deal_title
        self._current = current
        self.facts = {fact: bool(getattr(current, fact.value)) for fact in QualificationFact}

    def compose(self) -> ComposeResult:
        """The title, one line per fact, and the keys."""
        with Vertical(classes="qualify-dialog"):
            yield Static(Content.assemble("Qualify · ", plain(self._deal_title)),
                         classes="qualify-title")
            for _key, fact, _words in FACT_KEYS:
                yield Static(self._line(fact), id=fact.value, classes="qualify-fact")
            yield Static(Content("d / n / t toggle · enter save · esc cancel"),
                         classes="qualify-hint")

    def _line(self, fact: QualificationFact) -> Content:
        """'[✓] Need confirmed (n)': the mark reads without colour too."""
        key, words = next((k, w) for k, f, w in FACT_KEYS if f is fact)
        held = self.facts[fact]
        return Content.assemble(("[✓] " if held else "[✗] ", "bold $success" if held
                                 else "bold $error"), f"{words} ({key})")

    def action_flip(self, fact: str) -> None:
        """Flip one fact."""
        chosen = QualificationFact(fact)
        self.facts[chosen] = not self.facts[chosen]
        self.query_one(f"#{fact}", Static).update(self._line(chosen))

    def chosen(self) -> dict[QualificationFact, bool]:
        """The facts whose value differs from the deal's."""
        return {fact: held for fact, held in self.facts.items()
                if held != getattr(self._current, fact.value)}

    def action_save(self) -> None:
        """Return the changed facts (None when nothing changed)."""
        self.dismiss(self.chosen() or None)

    def action_cancel(self) -> None:
        """Close without a change."""
        self.dismiss(None)
