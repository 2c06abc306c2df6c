"""Dates with their precision."""

from __future__ import annotations

import pytest

from conftest import PRECISION_LABELS
from peacekb.models import PartialDate
from peacekb.pages import precision_label


@pytest.mark.parametrize(
    ("text", "precision", "human"),
    [
        ("2014", "year", "2014"),
        ("2014-04", "month", "April 2014"),
        ("2014-04-10", "day", "10 April 2014"),
        ("circa 2024-05-29", "day", "circa 29 May 2024"),
        ("before 2023-10-31", "day", "before 31 October 2023"),
        ("after 2021", "year", "after 2021"),
    ],
)
def test_parse_keeps_precision(text: str, precision: str, human: str) -> None:
    date = PartialDate.parse(text)
    assert date.precision == precision
    assert date.human() == human
    assert str(date) == text


@pytest.mark.parametrize(
    "text",
    [
        "2014-13",
        "2014-02-30",
        "14-04-10",
        "April 2014",
        "about 2014",
        "2014-04-10\n",  # "$" would match before the newline
        "٢٠١٤-٠٤-١٠",  # Arabic-Indic digits, which "\d" would take
        "２０１４",  # fullwidth digits
        "0000",
        "0000-01-01",
    ],
)
def test_rejects_what_is_not_a_date(text: str) -> None:
    with pytest.raises(ValueError):
        PartialDate.parse(text)


def test_year_zero_is_named_in_the_message() -> None:
    with pytest.raises(ValueError, match="there is no year 0; the first year is 0001"):
        PartialDate.parse("circa 0000-02")


def test_the_first_year() -> None:
    date = PartialDate.parse("0001-01-01")
    assert date.human() == "1 January 1"
    assert date.latest() == (1, 1, 1)


def test_less_precise_dates_sort_after_the_days_they_contain() -> None:
    dates = [PartialDate.parse(t) for t in ["2014", "2014-04", "2014-04-10", "2013-12-31"]]
    ordered = [str(d) for d in sorted(dates, key=PartialDate.sort_key)]
    assert ordered == ["2013-12-31", "2014-04-10", "2014-04", "2014"]


def test_bounds_of_a_month() -> None:
    date = PartialDate.parse("2024-02")
    assert date.earliest() == (2024, 2, 1)
    assert date.latest() == (2024, 2, 29)


@pytest.mark.parametrize(("text", "label"), PRECISION_LABELS.items())
def test_every_precision_label_agrees_with_its_qualifier(text: str, label: str) -> None:
    assert precision_label(PartialDate.parse(text)) == label
