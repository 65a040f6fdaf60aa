"""Every kind of bad import file is refused with its reason, and nothing is written."""

from __future__ import annotations

import pytest

from kanban_pipe.transfer import reader

HEADER = "Deal - Title,Deal - Value,Deal - Expected close date\n"


@pytest.fixture
def existing(store, counts):
    """A pipeline that already holds one deal, so 'nothing written' is tested against data."""
    pipeline = store()
    pipeline.add_deal("Existing deal", value=5000)
    assert counts() == (1, 1)
    return counts()


def refused(result, *expected: str) -> None:
    assert result.code == 1
    assert result.out == ""
    for text in expected:
        assert text in result.err, result.err
    # The last line is the one error line of every command.
    assert result.err.splitlines()[-1].startswith("kanban-pipe: error: ")


def test_wrong_encoding_names_the_line_and_how_to_fix(run, sample, counts, existing):
    data = (HEADER + "Caf\u00e9 deal,100,2026-12-01\n").encode("latin-1")
    result = run("import", sample("latin.csv", data))
    refused(result, "latin.csv is not valid utf-8-sig text (line 2, byte 0xe9)",
            "--encoding cp1252")
    assert counts() == existing
    fixed = run("import", sample("latin.csv", data), "--encoding", "latin-1")
    assert fixed.code == 0, fixed.err
    assert counts()[0] == existing[0] + 1


def test_unknown_encoding_name(run, sample, counts, existing):
    result = run("import", sample("a.csv", HEADER), "--encoding", "klingon")
    refused(result, "--encoding 'klingon' is not an encoding Python knows")
    assert counts() == existing


def test_missing_title_column(run, sample, counts, existing):
    result = run("import", sample("notitle.csv", "Amount,Stage\n100,Lead\n"))
    refused(result, "notitle.csv has no title column", "its columns are: 'Amount', 'Stage'",
            "--map COLUMN=title")
    assert counts() == existing


@pytest.mark.parametrize(("value", "reason"), [
    ("abc", "can't read 'abc' as an amount"),
    ("NaN", "can't read 'NaN' as an amount"),
    ("-50", "an amount can't be negative: '-50'"),
    ("12.345", "'12.345' has too many decimal places"),
    ("1e9", "can't read '1e9' as an amount"),
])
def test_bad_amounts(run, sample, counts, existing, value, reason):
    text = HEADER + f"Good,100,2026-12-01\nBad,{value},2026-12-01\n"
    result = run("import", sample("amount.csv", text))
    refused(result, f"line 3, column 'Deal - Value', value '{value}': {reason}")
    assert counts() == existing


@pytest.mark.parametrize(("value", "reason"), [
    ("2026-02-30", "'2026-02-30' is not a real date"),
    ("31/02/2026", "'31/02/2026' is not a real date"),
    ("someday", "can't read 'someday' as a date"),
    ("12/2026", "can't read '12/2026' as a date"),
    ("03/04", "'03/04' has no year"),
])
def test_bad_dates(run, sample, counts, existing, value, reason):
    result = run("import", sample("date.csv", HEADER + f"Bad,100,{value}\n"))
    refused(result, f"line 2, column 'Deal - Expected close date', value '{value}': {reason}")
    assert counts() == existing


def test_ambiguous_dates_need_dayfirst_or_monthfirst(run, sample, query, counts, existing):
    path = sample("ambiguous.csv", HEADER + "A,1,03/04/2026\nB,2,05/05/2026\nC,3,11/12/2026\n")
    result = run("import", path)
    refused(result, "line 2, column 'Deal - Expected close date', value '03/04/2026': "
                    "'03/04/2026' is ambiguous", "--dayfirst or --monthfirst",
            "line 4, column 'Deal - Expected close date', value '11/12/2026'")
    assert "05/05/2026" not in result.err  # the same either way round
    assert counts() == existing
    assert run("import", path, "--dayfirst").code == 0
    assert [r["expected_close"] for r in query(
        "SELECT expected_close FROM deals WHERE source_ref IS NOT NULL ORDER BY id")] == [
        "2026-04-03", "2026-05-05", "2026-12-11"]


def test_monthfirst_refuses_a_day_first_date(run, sample, counts, existing):
    path = sample("mixed.csv", HEADER + "A,1,03/04/2026\nB,2,25/12/2026\n")
    result = run("import", path, "--monthfirst")
    refused(result, "value '25/12/2026': '25/12/2026' is not a month-first date")
    assert counts() == existing


def test_oversized_fields(run, sample, counts, existing):
    megabyte_title = "x" * 1_048_576
    text = (HEADER + f"{megabyte_title},100,2026-12-01\n"
            + "Fine,1,2026-12-01\n"
            + "Long org," + "1,2026-12-01\n")
    result = run("import", sample("huge.csv", text))
    refused(result, "line 2, column 'Deal - Title', value 'xxxxxxxx",
            "(1,048,576 characters): title is too long (1048576 characters; at most 200)")
    assert counts() == existing
    org = "Title,Organization\nOk," + "o" * 201 + "\n"
    result = run("import", sample("org.csv", org))
    refused(result, "organization is too long (201 characters; at most 200)")
    assert counts() == existing


def test_too_many_columns(run, sample, counts, existing):
    header = "Title," + ",".join(f"extra{i}" for i in range(200)) + "\n"
    result = run("import", sample("wide.csv", header + "A" + "," * 200 + "\n"))
    refused(result, "wide.csv has 201 columns; the import limit is 200")
    assert counts() == existing


def test_file_too_large(run, sample, counts, existing, monkeypatch):
    monkeypatch.setattr(reader, "MAX_FILE_BYTES", 1024)
    result = run("import", sample("big.csv", HEADER + "A,1,2026-12-01\n" * 100))
    refused(result, "big.csv is 1,553 bytes; the import limit is 1,024 bytes: split it")
    assert counts() == existing


def test_row_with_too_many_cells_and_duplicate_ids(run, sample, counts, existing):
    text = "Record ID,Deal Name,Amount\n1,A,10\n2,B,20,oops\n1,C,30\n"
    result = run("import", sample("ids.csv", text))
    refused(result, "line 3: the row has 4 cells but the header has 3 columns",
            "line 4, column 'Record ID', value '1': the same id is on line 2")
    assert counts() == existing


def test_only_the_first_twenty_problems_are_listed_then_a_count(run, sample, counts, existing):
    text = HEADER + "".join(f"Deal {i},bad,2026-12-01\n" for i in range(35))
    result = run("import", sample("many.csv", text))
    lines = result.err.splitlines()
    assert len(lines) == 22
    assert lines[0].startswith("many.csv: line 2, column 'Deal - Value', value 'bad'")
    assert lines[19].startswith("many.csv: line 21,")
    assert lines[20] == "many.csv: … and 15 more problems"
    assert lines[21] == "kanban-pipe: error: many.csv: 35 problems found; nothing was " \
                        "imported (listed above)"
    assert counts() == existing


def test_problems_are_listed_in_line_order_across_columns(run, sample, existing):
    text = HEADER + "A,1,2026-13-01\nB,x,2026-12-01\n"
    result = run("import", sample("order.csv", text))
    lines = result.err.splitlines()
    assert lines[0].startswith("order.csv: line 2, column 'Deal - Expected close date'")
    assert lines[1].startswith("order.csv: line 3, column 'Deal - Value'")


def test_empty_and_missing_files(run, sample, counts):
    assert "empty.csv is empty" in run("import", sample("empty.csv", "")).err
    missing = run("import", "/no/such/file.csv")
    assert missing.code == 1 and "no file /no/such/file.csv" in missing.err
    assert counts() == (0, 0)


def test_bad_timestamps_and_flags_in_own_columns(run, sample, counts, existing):
    text = ("title,created_at,last_activity_at,need_confirmed\n"
            "A,2026-13-01T00:00:00+00:00,2026-01-01T00:00:00+00:00,yes\n"
            "B,,soon,maybe\n")
    result = run("import", sample("own.csv", text))
    refused(result,
            "line 2, column 'created_at', value '2026-13-01T00:00:00+00:00': "
            "'2026-13-01T00:00:00+00:00' is not a real date",
            "line 3, column 'last_activity_at', value 'soon': can't read 'soon' as a timestamp",
            "line 3, column 'need_confirmed', value 'maybe': can't read 'maybe' as yes or no")
    assert counts() == existing


def test_an_overlong_source_id_is_refused(run, sample, counts, existing):
    text = "Record ID,Deal Name\n" + "9" * 300 + ",Deal\n"
    result = run("import", sample("ids.csv", text))
    refused(result, "line 2, column 'Record ID'", "an id is at most 200 characters")
    assert counts() == existing
