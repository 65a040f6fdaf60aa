"""Checks on free text and codes a user types, with messages that say what to fix."""

from __future__ import annotations

import re

from kanban_pipe.domain.errors import InvalidInputError
from kanban_pipe.domain.models import ForecastCategory

MAX_TITLE = 200
MAX_TEXT = 2000
_CURRENCY_RE = re.compile(r"^[A-Z]{3}$")


def clean_text(value: str | None, field: str, *, required: bool = False,
               max_length: int = MAX_TEXT) -> str:
    """Trimmed text; refuse an empty required field or an over-long one."""
    text = (value or "").strip()
    if required and not text:
        raise InvalidInputError(f"{field} is required")
    if len(text) > max_length:
        raise InvalidInputError(
            f"{field} is too long ({len(text)} characters; at most {max_length})"
        )
    return text


def clean_title(value: str | None) -> str:
    """A deal title: required, at most MAX_TITLE characters."""
    return clean_text(value, "title", required=True, max_length=MAX_TITLE)


def clean_currency(value: str | None) -> str:
    """An ISO 4217-style three-letter currency code, upper-cased."""
    code = (value or "").strip().upper()
    if not _CURRENCY_RE.match(code):
        raise InvalidInputError(f"currency {value!r} is not a three-letter code like EUR or USD")
    return code


def clean_name(value: str | None, field: str) -> str:
    """A person's name (owner): required, one line, at most 100 characters."""
    text = clean_text(value, field, required=True, max_length=100)
    if "\n" in text:
        raise InvalidInputError(f"{field} must be one line")
    return text


# Words that hand a deal's forecast call or probability back to its stage.
STAGE_DEFAULT_WORDS = frozenset({"", "stage", "default", "none", "-"})
_CATEGORY_WORDS = {
    "1": ForecastCategory.PIPELINE, "pipeline": ForecastCategory.PIPELINE,
    "2": ForecastCategory.BEST_CASE, "best case": ForecastCategory.BEST_CASE,
    "best": ForecastCategory.BEST_CASE, "upside": ForecastCategory.BEST_CASE,
    "3": ForecastCategory.COMMIT, "commit": ForecastCategory.COMMIT,
    "4": ForecastCategory.OMITTED, "omitted": ForecastCategory.OMITTED,
    "omit": ForecastCategory.OMITTED,
}


def clean_category(value: str | None) -> ForecastCategory | None:
    """A forecast category typed as a word or 1-4 (pipeline, best case, commit, omitted);
    None for 'stage': the stage's default."""
    text = " ".join((value or "").strip().lower().replace("_", " ").replace("-", " ").split())
    if text in STAGE_DEFAULT_WORDS or (value or "").strip() == "-":
        return None
    if text in _CATEGORY_WORDS:
        return _CATEGORY_WORDS[text]
    raise InvalidInputError(f"forecast category {value!r} is not one of pipeline, best case, "
                            "commit, omitted (or 1-4, or 'stage' for the stage's default)")


def clean_probability(value: str | int | None) -> int | None:
    """A deal's own win probability, 0-100 (a trailing % allowed); None for 'stage'."""
    if isinstance(value, int):
        number = value
    else:
        text = (value or "").strip().lower().rstrip("%").strip()
        if text in STAGE_DEFAULT_WORDS:
            return None
        if not text.isdigit():
            raise InvalidInputError(f"probability {value!r} must be a whole number 0-100 "
                                    "(or 'stage' for the stage's)")
        number = int(text)
    if not 0 <= number <= 100:
        raise InvalidInputError(f"probability {number} must be between 0 and 100")
    return number
