"""Money as people type it, stored as integer minor units; and deal stages from the config."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmcli.core import money, stages
from crmcli.errors import Invalid


@pytest.mark.parametrize(("text", "code", "locale", "minor"), [
    ("12000", "EUR", None, 1_200_000),
    ("12,000.50", "EUR", None, 1_200_050),
    ("12.000,50", "EUR", None, 1_200_050),       # both marks: the last one is the decimal mark
    ("12.000,50", "EUR", "en_US", 1_200_050),
    ("12,000", "USD", "en_US", 1_200_000),       # one mark before three digits: the locale decides
    ("12.000", "EUR", "de_DE.UTF-8", 1_200_000),
    ("12'000.50", "CHF", "de_CH", 1_200_050),
    ("12 000,50", "EUR", "fr_FR", 1_200_050),
    ("1,234,567.8", "USD", None, 123_456_780),
    ("12,5", "EUR", None, 1_250),                # not three digits after it: a decimal mark anywhere
    ("0.99", "usd", None, 99),
    ("12,000", "JPY", None, 12_000),             # no minor unit
    ("1.5", "KWD", None, 1_500),                 # three minor digits
    ("1.234", "BHD", None, 1_234),
    ("+7", "GBP", None, 700),
])
def test_amounts_read_as_people_write_them(text: str, code: str, locale: str | None, minor: int) -> None:
    assert money.parse(text, code, locale=locale) == minor


@pytest.mark.parametrize(("text", "code", "locale", "message"), [
    ("12,000", "EUR", "de_DE", "EUR has 2 decimal places"),  # 12,000 in German is 12 with 3 decimals
    ("1.5", "JPY", None, "JPY has no decimals"),
    ("12.345", "EUR", None, "EUR has 2 decimal places"),
    ("-5", "EUR", None, "cannot be negative"),
    ("12,00,000", "EUR", None, "grouped in threes"),
    ("1.234.56", "EUR", None, "grouped in threes"),
    ("1,234.56,7", "EUR", None, "more than once"),
    ("twelve", "EUR", None, "cannot read the amount"),
    ("", "EUR", None, "cannot read the amount"),
    ("12e3", "EUR", None, "cannot read the amount"),
    ("10", "XYZ", None, "unknown currency 'XYZ'"),
    ("10", "EURO", None, "unknown currency"),
    ("10000000000000", "EUR", None, "too large"),
])
def test_bad_amounts_and_currencies_are_clear_errors(text: str, code: str, locale: str | None, message: str) -> None:
    with pytest.raises(Invalid, match=message):
        money.parse(text, code, locale=locale)


def test_formatting_follows_the_currency_and_locale() -> None:
    assert money.Amount(1_200_050, "EUR").display() == "12,000.50 EUR"
    assert money.Amount(1_200_050, "EUR").display("de_DE") == "12.000,50 EUR"
    assert money.Amount(12_000, "JPY").display() == "12,000 JPY"
    assert money.Amount(1_500, "KWD").plain() == "1.500"
    assert money.Amount(money.weighted(1205, 33), "EUR").plain() == "3.9765"  # exact, never rounded for scripts
    assert money.Amount(money.weighted(1_200_050, 60), "EUR").plain() == "7200.30"


CODES = st.sampled_from(sorted(money.MINOR_DIGITS))


@given(minor=st.integers(min_value=0, max_value=money.MAX_MINOR - 1), code=CODES,
       locale=st.sampled_from([None, "en_US", "de_DE", "fr_FR", "de_CH"]))
def test_what_crm_shows_reads_back_to_the_same_minor_units(minor: int, code: str, locale: str | None) -> None:
    amount = money.Amount(minor, code)
    assert money.parse(amount.plain(), code, locale="en_US") == minor
    assert money.parse(amount.display(locale, with_code=False), code, locale=locale) == minor


@given(minor=st.integers(min_value=0, max_value=10**12), percent=st.integers(min_value=0, max_value=100))
def test_weighting_is_exact(minor: int, percent: int) -> None:
    assert money.weighted(minor, percent) * 100 == minor * percent
    assert Decimal(money.Amount(money.weighted(minor, percent), "EUR").plain()) * 100 * 100 == minor * percent


def test_default_stages_and_the_text_form() -> None:
    default = stages.DEFAULT
    assert [(s.name, s.probability, s.outcome) for s in default.all] == [
        ("lead", 10, "open"), ("qualified", 25, "open"), ("proposal", 50, "open"), ("negotiation", 75, "open"),
        ("won", 100, "won"), ("lost", 0, "lost")]
    again = stages.parse(str(default))
    assert again == default
    assert stages.parse([s.as_table() for s in default.all]) == default


@pytest.mark.parametrize(("text", "message"), [
    ("lead:10:30d, lead:20:30d, won:100:won, lost:0:lost", "each name once"),
    ("lead:10:30d, lost:0:lost", "at least one won stage"),
    ("lead:110:30d, won:100:won, lost:0:lost", "from 0 to 100"),
    ("lead, won:100:won, lost:0:lost", "NAME:PERCENT"),
    ("lead:10:soon, won:100:won, lost:0:lost", "rot days"),
])
def test_bad_stage_settings_are_refused(text: str, message: str) -> None:
    with pytest.raises(Invalid, match=message):
        stages.parse(text)


def test_unknown_stage_lists_the_valid_ones() -> None:
    with pytest.raises(Invalid, match="the stages are: lead, qualified, proposal, negotiation, won, lost"):
        stages.DEFAULT.get("closing")
