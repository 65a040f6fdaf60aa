"""Cell readers: formula guards undo exactly, the fast amount path agrees with the domain."""

from __future__ import annotations

import random
from datetime import date

import pytest

from kanban_pipe.domain.amounts import parse_amount
from kanban_pipe.domain.errors import InvalidInputError
from kanban_pipe.transfer.checks import ColumnChecker
from kanban_pipe.transfer.problems import Problems
from kanban_pipe.transfer.reader import ABSENT, sniff_delimiter
from kanban_pipe.transfer.values import (
    DateOrder,
    date_order_evidence,
    neutralise,
    read_amount,
    read_file_date,
    read_timestamp,
    restore,
)

TODAY = date(2026, 11, 25)


@pytest.mark.parametrize("cell", [
    "", "plain", "=1+1", "+49 30 1234", "-5", "@home", "\tx", "\rx", "'", "''", "'=x",
    "''=x", "'quoted'", "'90s", "=", "it's", "'-", "'''+",
])
def test_neutralise_then_restore_gives_back_the_cell(cell):
    guarded = neutralise(cell)
    assert not guarded or guarded[0] not in "=+-@\t\r"
    assert restore(guarded) == cell


def test_neutralise_restore_round_trip_on_random_cells():
    pick = random.Random(5)
    alphabet = "'=+-@\t\rab 1"
    for _ in range(3000):
        cell = "".join(pick.choice(alphabet) for _ in range(pick.randrange(6)))
        assert restore(neutralise(cell)) == cell


def test_fast_amount_path_agrees_with_parse_amount():
    pick = random.Random(11)
    samples = ["0", "7", "0012", "12000", "12000.5", "12000.50", "12000.505", "999999999999",
               "10000000000000", "10000000000001", "1.2", ".5", "5.", "1.000"]
    samples += [f"{pick.randrange(10**pick.randrange(1, 14))}.{pick.randrange(1000):0{n}d}"[
        :None if n else -1] for n in (0, 1, 2, 3) for _ in range(200)]
    for currency in ("EUR", "JPY", "KWD"):
        for text in samples:
            try:
                expected: int | str = parse_amount(text, currency)
            except InvalidInputError:
                expected = "refused"
            try:
                got: int | str = read_amount(text, currency)
            except InvalidInputError:
                got = "refused"
            assert got == expected, (text, currency)


def test_column_amounts_inline_path_agrees_with_read_amount():
    texts = ["12000", "12000.5", "0.01", "12.345", "1,000", "12k", "", "00", "5000000000000",
             "10000000000000", "10000000000001", "999999999999999", "١٢"]
    checker = ColumnChecker(list(range(len(texts))), Problems(), csv=True)
    got = checker.amounts(texts, texts, ["EUR"] * len(texts), "Amount", minor_json=False)
    for text, minor in zip(texts, got, strict=True):
        try:
            assert minor == read_amount(text, "EUR"), text
        except InvalidInputError:
            assert minor is ABSENT
    assert checker.problems.total == 4  # 12.345, two over the limit, Arabic-Indic digits


def test_amounts_with_the_rows_currency_mark():
    assert read_amount("$12,000.00", "USD") == 1_200_000
    assert read_amount("USD 12,000", "USD") == 1_200_000
    assert read_amount("12 000 EUR", "EUR") == 1_200_000
    with pytest.raises(InvalidInputError):
        read_amount("GBP 12", "USD")


@pytest.mark.parametrize(("values", "evidence"), [
    (["31/12/2026", "01/02/2026"], (True, False)),
    (["12/31/2026", "01/02/2026"], (False, True)),
    (["01/02/2026", "05/05/2026", "2026-12-31"], (False, False)),
    (["31.12.2026", "12/31/2026"], (True, True)),
])
def test_date_order_evidence(values, evidence):
    assert date_order_evidence(values) == evidence


@pytest.mark.parametrize(("text", "order", "expected"), [
    ("2026-12-31", None, date(2026, 12, 31)),
    ("2026/1/5", None, date(2026, 1, 5)),
    ("2026-12-31T00:00:00Z", None, date(2026, 12, 31)),
    ("2026-12-31 10:30", None, date(2026, 12, 31)),
    ("03/04/2026", DateOrder.DAY_FIRST, date(2026, 4, 3)),
    ("03/04/2026", DateOrder.MONTH_FIRST, date(2026, 3, 4)),
    ("03/04/26", DateOrder.DAY_FIRST, date(2026, 4, 3)),
    ("12/31/2026 5:00 PM", None, date(2026, 12, 31)),
    ("05-05-2026", None, date(2026, 5, 5)),
    ("Dec 3, 2027", None, date(2027, 12, 3)),
    ("3 December 2027", None, date(2027, 12, 3)),
])
def test_file_dates(text, order, expected):
    assert read_file_date(text, order, TODAY) == expected


def test_timestamps_are_stored_as_utc_seconds():
    assert read_timestamp("2026-11-25T10:00:00+00:00") == "2026-11-25T10:00:00+00:00"
    assert read_timestamp("2026-11-25T11:00:00.5+01:00") == "2026-11-25T10:00:00+00:00"
    assert read_timestamp("2026-11-25 10:00") == "2026-11-25T10:00:00+00:00"
    with pytest.raises(InvalidInputError, match="as a timestamp"):
        read_timestamp("yesterday")


@pytest.mark.parametrize(("text", "delimiter"), [
    ("a,b,c\n1,2,3\n", ","),
    ("a;b;c\n1,5;2;3\n", ";"),
    ("a\tb\n1\t2\n", "\t"),
    ("a|b\n1|2\n", "|"),
    ("title\nonly one column, with a comma\n", ","),
])
def test_sniffed_delimiters(text, delimiter):
    assert sniff_delimiter(text) == delimiter
