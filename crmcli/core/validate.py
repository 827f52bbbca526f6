"""Normalising what users type: emails, phones, tags, custom fields, labelled values."""

from __future__ import annotations

import re
from typing import Sequence

from crmcli.errors import Invalid

_LABELLED = re.compile(r"^([A-Za-z][\w-]{0,19}):(?!//)(.+)$")
_TAG = re.compile(r"^[\w][\w\-:/.+]*$")
_FIELD_KEY = re.compile(r"^[A-Za-z_][\w.-]*$")


def split_label(raw: str) -> tuple[str | None, str]:
    """`work:ann@acme.example` -> ("work", "ann@acme.example"); no prefix -> (None, raw)."""
    match = _LABELLED.match(raw.strip())
    if match:
        return match.group(1).lower(), match.group(2).strip()
    return None, raw.strip()


# The everyday address (ASCII dot-atom local part, LDH domain labels, alphabetic TLD) is checked
# here; anything else goes to email-validator, which costs ~25 ms to import (its regexes are built
# at import time) and would otherwise be paid by every `crm contacts add -e ...`. A property test
# checks that every address accepted here is accepted, and normalised the same, by email-validator.
_PLAIN_EMAIL = re.compile(
    r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
SPECIAL_USE_DOMAINS = frozenset({"arpa", "invalid", "local", "localhost", "onion", "test"})


def plain_email(raw: str) -> str | None:
    """The normalised form of an everyday ASCII address, or None to let email-validator decide."""
    candidate = raw.strip().lower()
    if len(candidate) > 254 or not _PLAIN_EMAIL.match(candidate):
        return None
    local, _, domain = candidate.rpartition("@")
    if len(local) > 64 or "--" in domain or domain.rsplit(".", 1)[-1] in SPECIAL_USE_DOMAINS:
        return None
    return candidate


def email(raw: str) -> str:
    """Syntax check and normalise (lower-cased, NFC); no DNS, so it works offline and in cron."""
    plain = plain_email(raw)
    if plain is not None:
        return plain
    from email_validator import EmailNotValidError, validate_email

    try:
        result = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as err:
        raise Invalid(f"invalid email {raw!r}: {err}") from None
    return result.normalized.lower()


def phone(raw: str, region: str | None) -> str:
    """E.164 form of a phone number; numbers without +country need a default region."""
    import phonenumbers

    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as err:
        hint = None if region or raw.strip().startswith("+") else "phone_region"
        raise Invalid(f"invalid phone number {raw!r}: {str(err._msg).rstrip('.')}", hint=hint) from None
    # A number of a plausible length is kept even where the numbering plan does not list it (new
    # ranges, fictional 555 numbers, private networks): refusing those would lose real data. Only
    # numbers that cannot be dialled from elsewhere are refused, with phonenumbers' reason.
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason != phonenumbers.ValidationResult.IS_POSSIBLE:
        raise Invalid(f"invalid phone number {raw!r}: {_PHONE_REASONS.get(reason, 'not a dialable number')}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_PHONE_REASONS = {  # phonenumbers.ValidationResult values (not imported at start-up: see above)
    1: "no such country calling code",  # INVALID_COUNTRY_CODE
    2: "too short for its country",  # TOO_SHORT
    3: "too long for its country",  # TOO_LONG
    4: "a local number without its area code",  # IS_POSSIBLE_LOCAL_ONLY
    5: "wrong number of digits for its country",  # INVALID_LENGTH
}


def phone_display(e164: str) -> str:
    """International format for people: +44 20 7946 0000."""
    import phonenumbers

    try:
        return phonenumbers.format_number(phonenumbers.parse(e164, None),
                                          phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return e164


def tag(raw: str) -> str:
    name = raw.strip().lower()
    if not _TAG.match(name):
        raise Invalid(f"invalid tag {raw!r}: use letters, digits and - _ : / . + (no spaces or commas)")
    return name


def field(raw: str) -> tuple[str, str]:
    """`source=referral` -> ("source", "referral")."""
    key, sep, value = raw.partition("=")
    key = key.strip()
    if not sep or not _FIELD_KEY.match(key):
        raise Invalid(f"invalid field {raw!r}: write KEY=VALUE, KEY starting with a letter (e.g. source=referral)")
    return key, value.strip()


def field_key(raw: str) -> str:
    key = raw.strip()
    if not _FIELD_KEY.match(key):
        raise Invalid(f"invalid field name {raw!r}")
    return key


def one_line(raw: str | None) -> str | None:
    """A short text kept on one line, its spaces collapsed (a do-not-contact reason); None when blank."""
    return " ".join((raw or "").split()) or None


def name(raw: str, what: str = "name") -> str:
    cleaned = " ".join(raw.split())
    if not cleaned:
        raise Invalid(f"the {what} cannot be empty")
    return cleaned


def one_of(value: str, allowed: Sequence[str], what: str) -> str:
    """`value` as one of `allowed` (any case, spaces around it ignored), else one clear line."""
    chosen = value.strip().lower()
    if chosen not in allowed:
        raise Invalid(f"unknown {what} {value.strip()!r}; use one of: {', '.join(allowed)}")
    return chosen
