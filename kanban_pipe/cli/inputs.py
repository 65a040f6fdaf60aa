"""Reading command arguments: quick dates, amounts, multi-word text, usage errors."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import date

from kanban_pipe.domain.amounts import parse_amount
from kanban_pipe.domain.dates import parse_date
from kanban_pipe.domain.errors import InvalidInputError
from kanban_pipe.domain.models import QualificationFact

# Why a pipeline opened with --read-only refuses changes (the board's banner says it).
READ_ONLY_REASON = "started with --read-only"

FACTS = {"decision-maker": QualificationFact.DECISION_MAKER, "need": QualificationFact.NEED,
         "timeline": QualificationFact.TIMELINE}


def quick_date(text: str, today: date, option: str) -> date:
    """A quick date, with the option it came from named in the error."""
    try:
        return parse_date(text, today)
    except InvalidInputError as error:
        raise InvalidInputError(f"{option}: {error}") from None


def amount(text: str, currency: str, option: str = "--value") -> int:
    """An amount in minor units of `currency`, with the option it came from named in the error."""
    try:
        return parse_amount(text, currency)
    except InvalidInputError as error:
        raise InvalidInputError(f"{option}: {error}") from None


def words(parts: Sequence[str]) -> str:
    """Multi-word text given as several arguments, joined."""
    # Multi-word text may be given unquoted: `kanban-pipe next 12 Call Bob --due fri`.
    return " ".join(parts)


def usage_error(args: argparse.Namespace, message: str) -> None:
    """Print the command's usage with `message` and exit 2, like argparse's own errors."""
    args.parser.error(message)


