"""Two people edited one deal: what each changed, and your edits applied over theirs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class FieldClash:
    """One field where their saved value and the value you typed differ."""

    name: str
    theirs: Any
    yours: Any
    they_changed: bool
    you_changed: bool

    @property
    def who(self) -> str:
        """Who changed the field since the form opened: 'both', 'they' or 'you'."""
        if self.they_changed and self.you_changed:
            return "both"
        return "they" if self.they_changed else "you"


def three_way(start: Mapping[str, Any], theirs: Mapping[str, Any],
              yours: Mapping[str, Any]) -> tuple[dict[str, Any], list[FieldClash]]:
    """Merge a form's values (`yours`) over the saved ones (`theirs`), both from `start`.

    Returns the merge (what "apply mine" saves: the fields you changed, theirs for the
    rest) and the fields to show, in `yours`' order: those that differ between the two
    sides and that someone changed.
    """
    merged = dict(theirs)
    clashes: list[FieldClash] = []
    for name, typed in yours.items():
        you_changed = typed != start[name]
        they_changed = theirs[name] != start[name]
        if you_changed:
            merged[name] = typed
        if (you_changed or they_changed) and typed != theirs[name]:
            clashes.append(FieldClash(name, theirs[name], typed, they_changed, you_changed))
    return merged, clashes
