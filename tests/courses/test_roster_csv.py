"""Reading enrolment files and writing CSV that spreadsheets will not run."""

from __future__ import annotations

import pytest

from courses.cohorts.roster_csv import RosterFileError, csv_lines, neutralise, read_roster

LIMITS = {"max_bytes": 10_000, "max_rows": 5}


def read(text: str | bytes, **limits):
    data = text.encode() if isinstance(text, str) else text
    return read_roster(data, **{**LIMITS, **limits})


def test_reads_rows_with_spreadsheet_row_numbers(app):
    rows = read(
        "Name,Email,Team\nAmina Yusuf, AMINA@Example.org ,A\n\nTom  Price,tom@example.org,B\n"
    )
    assert [(r.row_no, r.email, r.name, r.error) for r in rows] == [
        (2, "amina@example.org", "Amina Yusuf", None),
        (4, "tom@example.org", "Tom Price", None),
    ]


def test_a_cell_on_several_lines_keeps_the_row_numbers_a_spreadsheet_shows(app):
    # A spreadsheet cell with a line break (a note) is one row, written on two lines.
    rows = read(
        'email,name,note\namina@example.org,Amina,"Met in May,\nvia the co-op"\n'
        "not-an-address,Tom,\n\nsam@example.org,\"Sam\nSmith\",\nsam@example.org,Sam,\n"
    )
    assert [(r.row_no, r.email) for r in rows] == [
        (2, "amina@example.org"), (3, "not-an-address"), (5, "sam@example.org"),
        (6, "sam@example.org"),
    ]
    assert rows[2].name == "Sam Smith"


def test_a_byte_order_mark_is_fine(app):
    assert read("\ufeffemail,name\na@example.org,A\n".encode())[0].email == "a@example.org"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("email,name\n" + "x" * 10_000, "larger than 9 KB"),
        ("email,name\na@example.org,Ren\xe9\n".encode("latin-1"), "not UTF-8"),
        ("mail,full name\na@example.org,A\n", "Missing: “email”, “name”"),
        ("email\na@example.org\n", "Missing: “name”"),
        ("", "The file is empty."),
        ("email,name\n\n", "no learners"),
        ("email,name\n" + "a@example.org,A\n" * 6, "more than 5 rows"),
        (b"email,name\x00\n", "not a CSV text file"),
    ],
)
def test_whole_file_problems_are_explained(app, data, message):
    with pytest.raises(RosterFileError) as caught:
        read(data)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not-an-email,Ann", "is not a valid email address"),
        (",Ann", "The email address is empty."),
        ("ann@example.org,", "The name is empty."),
        ('ann@example.org,"=HYPERLINK(""http://evil.example"",""x"")"', "starts with “=”"),
        ("ann@example.org,+44 1234", "starts with “+”"),
        ("ann@example.org,@SUM(A1)", "starts with “@”"),
        ("=1+2,Ann", "starts with “=”"),
        ("ann@example.org," + "n" * 121, "longer than 120"),
        # The forms refuse control characters in a name (lms.input_guard); so does the file.
        ("ann@example.org,Ann\x1b[31m Red", "The name contains a control character"),
        ("ann@example.org,Ann\x07", "The name contains a control character"),
        ("ann@example.org", "fewer columns"),
    ],
)
def test_row_problems_name_their_row(app, line, message):
    rows = read(f"email,name\ngood@example.org,Good\n{line}\n")
    assert rows[0].error is None
    assert rows[1].row_no == 3
    assert message in rows[1].error


def test_exports_neutralise_formulas_in_every_cell(app):
    assert neutralise("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert [neutralise(v) for v in ("+1", "-1", "@x", "\tx", "fine", 12, None)] == [
        "'+1", "'-1", "'@x", "'\tx", "fine", "12", ""
    ]
    lines = list(csv_lines([["Name", "=cmd|' /C calc'!A0"], ["Ann", 50]]))
    assert lines == ["Name,'=cmd|' /C calc'!A0\r\n", "Ann,50\r\n"]
