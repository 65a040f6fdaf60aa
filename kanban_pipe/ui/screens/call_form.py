"""The forecast call of one deal (`F`): its category and its own win probability."""

from __future__ import annotations

from dataclasses import dataclass

from textual.content import Content
from textual.suggester import SuggestFromList

from kanban_pipe.domain.models import Deal, ForecastCategory, Stage
from kanban_pipe.domain.rules import forecast_category, stage_category, win_probability
from kanban_pipe.domain.validation import clean_category, clean_probability
from kanban_pipe.ui.screens.form_base import FieldSpec, FormScreen, echo
from kanban_pipe.ui.text import plain, safe_text

CATEGORY_HELP = "1 pipeline · 2 best case · 3 commit · 4 omitted · empty: stage's"
_WORDS = ("pipeline", "best case", "commit", "omitted", "stage")


@dataclass(frozen=True, slots=True)
class ForecastCall:
    """What the form saves: the category and the probability, None for the stage's."""

    category: ForecastCategory | None
    probability: int | None


class ForecastCallForm(FormScreen[ForecastCall | None]):
    """Call a deal: pipeline, best case, commit or omitted, and its own probability."""

    def __init__(self, *, deal: Deal, stage: Stage, error: str = "") -> None:
        self._stage = stage
        category = deal.forecast_category.label if deal.forecast_category else ""
        probability = "" if deal.probability is None else str(deal.probability)
        super().__init__(
            heading=Content.assemble("Forecast call · ", plain(deal.title)),
            error=error,
            fields=[
                FieldSpec("category", "Category", category, placeholder=CATEGORY_HELP,
                          suggester=SuggestFromList(_WORDS, case_sensitive=False),
                          select_on_focus=True),
                FieldSpec("probability", "Probability %", probability,
                          placeholder=f"0-100 · empty: the stage's {stage.probability}%",
                          max_length=4, select_on_focus=True),
            ],
            hint="enter: next field, then saves · esc cancels",
        )

    def check_field(self, name: str, text: str) -> Content:
        """Echo the category or probability the deal will have (the stage's when empty)."""
        if name == "category":
            category = clean_category(text)
            if category is None:
                return echo(f"= {stage_category(self._stage).label} "
                            f"(the default of {self._stage.name})")
            return echo(f"= {category.label}")
        probability = clean_probability(text)
        if probability is None:
            return echo(f"= {self._stage.probability}% ({self._stage.name}'s)")
        return echo(f"= {probability}% (its own, over {self._stage.name}'s "
                    f"{self._stage.probability}%)")

    def build_result(self) -> ForecastCall:
        """The category and probability typed (None: the stage's)."""
        return ForecastCall(clean_category(self.field_text("category")),
                            clean_probability(self.field_text("probability")))


def call_words(deal: Deal, stage: Stage) -> str:
    """The notice after a call: "Called 'Acme': commit at 60% (u undoes)"."""
    own = "" if deal.probability is None else " (its own)"
    return (f"Called '{safe_text(deal.title)}': {forecast_category(deal, stage).label} at "
            f"{win_probability(deal, stage)}%{own} (u undoes)")
