"""Checks on free text and codes a user types, with messages that say what to fix."""

from __future__ import annotations

import re

from kanban_pipe.domain.errors import InvalidInputError

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
