"""Matching a file's stage and status words to the pipeline's stages, or planning new ones."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from kanban_pipe.domain.errors import InvalidInputError, KanbanPipeError
from kanban_pipe.domain.models import DealStatus, Stage
from kanban_pipe.domain.stages import find_stage, stage_key_from_name
from kanban_pipe.domain.validation import clean_text

# More new stages than this means a column was mapped wrongly (e.g. titles as stages).
MAX_NEW_STAGES = 30
_STATUSES = {status.value for status in DealStatus}
_CLOSED = {"won": "won", "dealwon": "won", "lost": "lost", "deallost": "lost"}


def closing_word(name: str) -> str | None:
    """'won' or 'lost' when a stage name means a closed deal, else None.

    'Closed Won', 'closedwon' (HubSpot's internal name), 'Closed Lost - Enterprise',
    'Won': closed-won and closed-lost rows say how a deal ended, they never become stages.
    """
    letters = re.sub(r"[^a-z]", "", name.casefold())
    for word in ("won", "lost"):
        if letters.startswith(f"closed{word}"):
            return word
    return _CLOSED.get(letters)


@dataclass(frozen=True, slots=True)
class NewStage:
    """A stage --create-stages adds: its key and the name the file gave it."""

    key: str
    name: str


@dataclass
class UnknownStage:
    """A stage name the pipeline lacks, how many deals use it and where first."""

    name: str
    deals: int
    first_line: int


@dataclass
class StageMatcher:
    """Turns (stage text, status text) into (stage key, status), remembering what's unknown."""

    stages: Sequence[Stage]
    stage_map: Sequence[tuple[str, str]] = ()
    create: bool = False
    unknown: dict[str, UnknownStage] = field(default_factory=dict)
    new_stages: dict[str, NewStage] = field(default_factory=dict)

    def __post_init__(self) -> None:
        ordered = sorted(self.stages, key=lambda s: s.position)
        self._by_name: dict[str, Stage] = {}
        for stage in ordered:
            self._by_name.setdefault(stage.key, stage)
            self._by_name.setdefault(stage.name.casefold(), stage)
        self._won = next((s for s in ordered if s.is_won), None)
        self._first = next((s for s in ordered if not s.is_won), ordered[0])
        self._mapped: dict[str, Stage] = {}
        for source, target in self.stage_map:
            try:
                self._mapped[source.casefold()] = find_stage(self.stages, target)
            except KanbanPipeError as error:
                raise InvalidInputError(f"--stage-map {source}={target}: {error}") from None
        self._keys = {s.key for s in self.stages}
        self._cache: dict[tuple[str, str], tuple[str | None, str, str | None]] = {}

    def resolve(self, stage_text: str, status_text: str
                ) -> tuple[str | None, str, str | None]:
        """(stage key or None, status, the unknown stage name or None); refuses clashes."""
        cache_key = (stage_text, status_text)
        found = self._cache.get(cache_key)
        if found is None:
            found = self._cache[cache_key] = self._resolve(stage_text, status_text)
        return found

    def note_unknown(self, name: str, deals: int, first_line: int) -> None:
        """Count deals of a stage the pipeline lacks (for the message that lists them)."""
        seen = self.unknown.get(name.casefold())
        if seen is None:
            self.unknown[name.casefold()] = UnknownStage(name, deals, first_line)
        else:
            seen.deals += deals
            seen.first_line = min(seen.first_line, first_line)

    def _resolve(self, stage_text: str, status_text: str
                 ) -> tuple[str | None, str, str | None]:
        name = stage_text.strip()
        status = status_text.strip().lower() or None
        if status is not None and status not in _STATUSES:
            raise InvalidInputError(
                f"status '{status_text.strip()}' is not one of open, won, lost, paused")
        folded = name.casefold()
        stage = self._mapped.get(folded) or self._by_name.get(folded)
        closing = None if stage or not name else closing_word(name)
        unknown = None
        if name and stage is None and closing is None:
            if self.create:
                stage = self._plan_stage(name)
            else:
                unknown = name
        if stage is not None and stage.is_won:
            closing = "won"
        if status is None:
            status = closing or DealStatus.OPEN.value
        elif closing is not None and closing != status:
            raise InvalidInputError(f"stage '{name}' says {closing} but status says {status}")
        if status == DealStatus.WON.value:
            if self._won is None:
                raise InvalidInputError("the pipeline has no won stage for a won deal")
            return self._won.key, status, None
        if unknown is not None:
            return None, status, unknown
        if status == DealStatus.LOST.value and stage is None:
            # Lost at a stage the file does not say: an unknown stage, not the first one.
            return None, status, None
        return (stage or self._first).key, status, None

    def _plan_stage(self, name: str) -> Stage:
        """A stage to create for `name` (one per name), with a key no other stage has."""
        label = clean_text(name, "stage name", required=True, max_length=40)
        planned = self.new_stages.get(label.casefold())
        if planned is None:
            if len(self.new_stages) >= MAX_NEW_STAGES:
                raise InvalidInputError(
                    f"more than {MAX_NEW_STAGES} new stages; is the stage column right?")
            base = key = stage_key_from_name(label)
            counter = 2
            while key in self._keys:
                key = f"{base[:29]}_{counter}"
                counter += 1
            self._keys.add(key)
            planned = self.new_stages[label.casefold()] = NewStage(key, label)
        # A stand-in Stage: only its key is read, and it is never the won stage.
        return Stage(planned.key, planned.name, 0, 0, 0)

    def unknown_message(self) -> str:
        """What the file's unknown stages are and the two ways to resolve them."""
        listed = sorted(self.unknown.values(), key=lambda u: u.first_line)
        names = ", ".join(
            f"'{u.name}' ({u.deals} deal{'s' if u.deals != 1 else ''}, first on line "
            f"{u.first_line})" for u in listed[:12])
        if len(listed) > 12:
            names += f" and {len(listed) - 12} more"
        known = ", ".join(s.key for s in sorted(self.stages, key=lambda s: s.position))
        return (f"unknown stages: {names}; map each to a stage with --stage-map "
                f"'{listed[0].name}=STAGE' (stages are: {known}), or add them to the "
                "pipeline with --create-stages")
