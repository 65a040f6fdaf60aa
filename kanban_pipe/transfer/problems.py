"""Problems found in an import file, listed by line, column and value; the refusal error."""

from __future__ import annotations

from dataclasses import dataclass, field

from kanban_pipe.domain.errors import InvalidInputError

SHOWN_PROBLEMS = 20
_PREVIEW = 40


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason a file can't be imported; line is None for file-wide problems."""

    line: int | None
    column: str | None
    value: object
    reason: str
    unit: str = "line"

    def __str__(self) -> str:
        where = [f"{self.unit} {self.line}"] if self.line is not None else []
        if self.column is not None:
            where.append(f"column {self.column!r}")
            where.append(f"value {preview(self.value)}")
        return (", ".join(where) + ": " if where else "") + self.reason


def preview(value: object) -> str:
    """A cell value short enough for a message: long text is cut, with its length said."""
    text = "" if value is None else str(value)
    if len(text) <= _PREVIEW:
        return repr(text)
    return f"{text[:_PREVIEW]!r}… ({len(text):,} characters)"


@dataclass
class Problems:
    """Every problem counted; the first SHOWN_PROBLEMS by line kept (file-wide ones first).

    Columns are checked one after another, so problems arrive out of line order; the
    smallest lines seen so far are kept, which never drops one that belongs in the list.
    """

    kept: list[Problem] = field(default_factory=list)
    total: int = 0
    unit: str = "line"

    def add(self, line: int | None, column: str | None, value: object, reason: str) -> None:
        """Count a problem, keeping it if it may be among the first by line."""
        self.total += 1
        self.kept.append(Problem(line, column, value, reason, self.unit))
        if len(self.kept) > 10 * SHOWN_PROBLEMS:
            self.kept = self.shown

    def add_first(self, reason: str) -> None:
        """A file-wide problem, shown before the row problems."""
        self.add(None, None, None, reason)

    @property
    def shown(self) -> list[Problem]:
        """The problems to list: file-wide ones, then by line (stable within a line)."""
        order = sorted(range(len(self.kept)), key=lambda i: (
            self.kept[i].line is not None, self.kept[i].line or 0, i))
        return [self.kept[i] for i in order[:SHOWN_PROBLEMS]]

    def __bool__(self) -> bool:
        return self.total > 0


class ImportRefusedError(InvalidInputError):
    """An import stopped before writing anything; `details` lists what to fix."""

    def __init__(self, file_name: str, problems: Problems) -> None:
        self.file_name = file_name
        self.problems = problems
        count = problems.total
        super().__init__(
            f"{file_name}: {count} problem{'s' if count != 1 else ''} found; nothing was "
            "imported" + (" (listed above)" if count > 1 else f": {problems.shown[0]}"))

    def details(self) -> list[str]:
        """The problems as lines to show, then how many more there are."""
        shown = self.problems.shown
        lines = [str(problem) for problem in shown]
        hidden = self.problems.total - len(shown)
        if hidden > 0:
            lines.append(f"… and {hidden:,} more problem{'s' if hidden != 1 else ''}")
        return lines
