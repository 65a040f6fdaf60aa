"""Money amounts as integer minor units: reading typed amounts and showing them."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, localcontext

from kanban_pipe.domain.errors import InvalidInputError

AMOUNT_FORMS_HELP = "12000, 12 000, 12,000.50, 12.5k or 1.2m"

# The largest amount accepted, in minor units: far above any deal, far below
# SQLite's 64-bit integer limit even after summing many of them.
MAX_MINOR = 10**15

_ZERO_DECIMAL = frozenset({"JPY", "KRW", "ISK", "CLP", "VND", "XOF", "XAF", "UGX", "PYG"})
_THREE_DECIMAL = frozenset({"BHD", "KWD", "OMR", "JOD", "TND"})

# No-break, thin and narrow no-break spaces come from pasting numbers out of
# spreadsheets and locale-formatted documents; all mean a plain grouping space.
_SPACES = str.maketrans({"\u00a0": " ", "\u2009": " ", "\u202f": " "})
_SUFFIXES: dict[str, int] = {"k": 3, "m": 6}

# [0-9] rather than \d: \d also matches Arabic-Indic and other digits.
_PLAIN = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_COMMA_GROUPED = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")
_SPACE_GROUPED = re.compile(r"[0-9]{1,3}(?: [0-9]{3})+(?:\.[0-9]+)?")
_DECIMAL_COMMA = re.compile(r"(?:[0-9]+|[0-9]{1,3}(?: [0-9]{3})+),[0-9]{1,2}")

# Long enough for any amount up to MAX_MINOR with generous decimals; longer input
# is refused outright so Decimal never has to round it.
_MAX_LENGTH = 40


def minor_digits(currency: str) -> int:
    """How many decimal digits the currency's minor unit has (2 unless known otherwise)."""
    code = currency.strip().upper()
    if code in _ZERO_DECIMAL:
        return 0
    if code in _THREE_DECIMAL:
        return 3
    return 2


def parse_amount(text: str, currency: str = "EUR") -> int:
    """Read a typed amount as minor units of `currency`, or raise InvalidInputError.

    Accepted: ``12000``, ``12 000`` (also no-break/thin spaces), ``12,000``,
    ``12,000.50``, ``12000.5`` and a ``k``/``m`` suffix in either case
    (``12.5k``, ``1.2M``). A comma is a thousands separator when groups of exactly
    three digits follow it; a single comma followed by one or two digits at the end
    is a decimal comma (``12,50`` is 12.50). Decimals are counted as written after
    the suffix is applied, so ``1.2345k`` (1234.5) is fine in EUR but ``12.345``
    and ``12.000`` are refused rather than guessed at.
    """
    shown = text.strip()
    cleaned = shown.translate(_SPACES)
    refusal = f"can't read '{shown}' as an amount; use {AMOUNT_FORMS_HELP}"
    if not cleaned or len(cleaned) > _MAX_LENGTH:
        raise InvalidInputError(refusal)
    # U+2212 is the typographic minus sign that word processors substitute.
    negative = cleaned[0] in "-\u2212"
    if negative:
        cleaned = cleaned[1:].lstrip()

    exponent = 0
    if cleaned and cleaned[-1].lower() in _SUFFIXES:
        exponent = _SUFFIXES[cleaned[-1].lower()]
        cleaned = cleaned[:-1].rstrip()

    number = _normalise_number(cleaned)
    if number is None:
        raise InvalidInputError(refusal)
    # Checked only once the rest reads as a number, so '-abc' gets the general message.
    if negative:
        raise InvalidInputError(f"an amount can't be negative: '{shown}'")

    code = currency.strip().upper()
    digits = minor_digits(code)
    with localcontext() as context:
        # Enough precision that scaleb below is always exact for input this short.
        context.prec = _MAX_LENGTH * 2
        minor = Decimal(number).scaleb(exponent + digits)
    if minor > MAX_MINOR:
        raise InvalidInputError(f"'{shown}' is too large an amount")
    exponent_left = minor.as_tuple().exponent
    if isinstance(exponent_left, int) and exponent_left < 0:
        allowed = "no decimal places" if digits == 0 else f"at most {digits} decimal places"
        raise InvalidInputError(
            f"'{shown}' has too many decimal places: {code} has {allowed}; use {AMOUNT_FORMS_HELP}"
        )
    return int(minor)


def _normalise_number(text: str) -> str | None:
    """The number as a plain Decimal literal (digits and one dot), or None if unreadable."""
    if _PLAIN.fullmatch(text):
        return text
    if _COMMA_GROUPED.fullmatch(text):
        return text.replace(",", "")
    if _SPACE_GROUPED.fullmatch(text):
        return text.replace(" ", "")
    if _DECIMAL_COMMA.fullmatch(text):
        return text.replace(" ", "").replace(",", ".")
    return None


def _split(minor: int, currency: str) -> tuple[str, int, int, int]:
    """Sign, whole units, fractional minor units and minor digits of an amount."""
    digits = minor_digits(currency)
    whole, fraction = divmod(abs(minor), 10**digits)
    return ("-" if minor < 0 else ""), whole, fraction, digits


def format_amount(minor: int, currency: str) -> str:
    """Full display: '12,000 EUR', '12,000.50 EUR' (decimals only when non-zero)."""
    sign, whole, fraction, digits = _split(minor, currency)
    decimals = f".{fraction:0{digits}d}" if fraction else ""
    return f"{sign}{whole:,}{decimals} {currency.strip().upper()}"


def format_compact(minor: int, currency: str) -> str:
    """Short display for cards and headers: '950 EUR', '12.5k EUR', '1.2m EUR'."""
    code = currency.strip().upper()
    sign = "-" if minor < 0 else ""
    units = Decimal(abs(minor)).scaleb(-minor_digits(code))
    if units < 1000:
        # Small amounts are short already; show them exactly rather than rounded.
        return sign + format_amount(abs(minor), code)
    # Rounding can carry into the next tier (999,960 -> 1,000.0k), so pick the tier
    # from the rounded value. Above the millions the m tier continues (1,500m), which
    # parse_amount reads back, rather than introducing a 'b' it would refuse.
    scaled = _one_decimal(units.scaleb(-3))
    suffix = "k"
    if scaled >= 1000:
        scaled = _one_decimal(units.scaleb(-6))
        suffix = "m"
    text = f"{scaled:,.1f}".removesuffix(".0")
    return f"{sign}{text}{suffix} {code}"


def _one_decimal(value: Decimal) -> Decimal:
    """Round half up to one decimal place."""
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def format_plain(minor: int, currency: str) -> str:
    """Machine-friendly decimal text without separators: '12000.50', '12000'."""
    sign, whole, fraction, digits = _split(minor, currency)
    decimals = f".{fraction:0{digits}d}" if fraction else ""
    return f"{sign}{whole}{decimals}"


def format_decimal(minor: int, currency: str) -> str:
    """The amount in whole units with every minor digit, for machines: '4500.50', '4500.00',
    '4500' (JPY): a script reading it cannot mistake the unit, as it could 450050."""
    sign, whole, fraction, digits = _split(minor, currency)
    return f"{sign}{whole}" + (f".{fraction:0{digits}d}" if digits else "")


# How a deal without a value ("no value", apart from a value of 0) is shown.
NO_VALUE = "—"


def value_text(minor: int | None, currency: str, *, compact: bool = True) -> str:
    """A deal's value as shown ('12k EUR', or '12,000 EUR' with compact=False); '—' for
    a deal without a value (None), which is not the same as 0."""
    if minor is None:
        return NO_VALUE
    return format_compact(minor, currency) if compact else format_amount(minor, currency)
