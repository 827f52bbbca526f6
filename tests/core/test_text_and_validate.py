from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmcli.core import validate
from crmcli.core.text import fold, like_pattern
from crmcli.errors import Invalid


@pytest.mark.parametrize(("raw", "folded"), [
    ("Zoë Øster", "zoe oster"), ("JOSÉ  Núñez", "jose nunez"), ("Łukasz Wójcik", "lukasz wojcik"),
    ("Straße", "strasse"), ("Æsa Þór", "aesa thor"), ("  ann   lee ", "ann lee"),
])
def test_fold(raw: str, folded: str) -> None:
    assert fold(raw) == folded


@given(st.text())
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


@given(st.text(st.characters(max_codepoint=127)))
def test_fold_of_ascii_text_takes_the_short_way_to_the_same_key(text: str) -> None:
    import unicodedata

    slow = " ".join("".join(ch for ch in unicodedata.normalize("NFKD", text)
                            if not unicodedata.combining(ch)).casefold().split())
    assert fold(text) == slow


def test_like_pattern_escapes_wildcards() -> None:
    assert like_pattern("50%_off\\") == "%50\\%\\_off\\\\%"


@pytest.mark.parametrize(("raw", "region", "e164"), [
    ("+44 20 7946 0000", None, "+442079460000"), ("020 7946 0000", "GB", "+442079460000"),
    ("(202) 555-0143", "US", "+12025550143"), ("+49 30 901820", None, "+4930901820"),
])
def test_phone_normalised_to_e164(raw: str, region: str | None, e164: str) -> None:
    assert validate.phone(raw, region) == e164


@pytest.mark.parametrize("raw", ["12", "not a phone", "+44 20", "020 7946 0000"])
def test_bad_phone(raw: str) -> None:
    with pytest.raises(Invalid):
        validate.phone(raw, None)


def test_email_normalised_without_dns() -> None:
    assert validate.email(" Ann.Lee@ACME.Example ") == "ann.lee@acme.example"
    assert validate.email("zoë@øster.example") == "zoë@øster.example"
    for bad in ("ann", "ann@", "@acme.example", "ann@acme", "a b@c.example"):
        with pytest.raises(Invalid):
            validate.email(bad)


def test_labels_fields_and_tags() -> None:
    assert validate.split_label("mobile:+44 7700 900123") == ("mobile", "+44 7700 900123")
    assert validate.split_label("ann@acme.example") == (None, "ann@acme.example")
    assert validate.field("source = referral") == ("source", "referral")
    assert validate.field("url=https://x.example/?a=b") == ("url", "https://x.example/?a=b")
    assert validate.tag(" VIP ") == "vip"
    for bad in ("two words", "a,b", ""):
        with pytest.raises(Invalid):
            validate.tag(bad)


ATEXT = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+/=?^_`{|}~-."


@given(st.one_of(
    st.emails(),
    st.from_regex(r"\A[a-zA-Z0-9._%+-]{1,70}@[a-zA-Z0-9.-]{1,70}\.[a-zA-Z]{1,70}\Z"),
    st.builds(lambda a, b, c: f"{a}@{b}.{c}", st.text(ATEXT, min_size=1, max_size=70),
              st.text("abc-1.", min_size=1, max_size=70), st.sampled_from(["com", "test", "local", "x", "example"])),
))
def test_fast_email_path_agrees_with_email_validator(address: str) -> None:
    """Whatever the fast path accepts, email-validator accepts and normalises to the same text."""
    from email_validator import EmailNotValidError, validate_email

    fast = validate.plain_email(address)
    if fast is None:
        return
    try:
        slow = validate_email(address, check_deliverability=False).normalized.lower()
    except EmailNotValidError as err:
        raise AssertionError(f"fast path accepted {address!r}, email-validator refused: {err}") from None
    assert fast == slow


def test_special_use_domains_match_the_library() -> None:
    import email_validator

    assert validate.SPECIAL_USE_DOMAINS == set(email_validator.SPECIAL_USE_DOMAIN_NAMES)
    assert validate.plain_email("ann@printer.local") is None
    assert validate.plain_email("Ann.Lee+crm@Acme.Example") == "ann.lee+crm@acme.example"


@given(st.text(st.characters(codec="utf-8")))
def test_printable_leaves_no_control_character_and_changes_only_them(text: str) -> None:
    from crmcli.core.text import printable

    shown = printable(text)
    assert len(shown) == len(text)
    assert not any(ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 or ch in "\u2028\u2029\u202a\u202b\u202c\u202d\u202e"
                   "\u2066\u2067\u2068\u2069" for ch in shown)
    assert all(a == b for a, b in zip(text, shown) if a.isprintable() and a != "\u2028" and a != "\u2029")


def test_printable_shows_an_escape_and_keeps_plain_text_as_it_is() -> None:
    from crmcli.core.text import printable

    assert printable("Ann\x1b[31m red\tlate") == "Ann␛[31m red late"
    assert printable("Zoë Øster: quote") == "Zoë Øster: quote"
