"""Money: amounts as people type them, stored as integer minor units with an ISO 4217 code.

Never a float: "12,000.50" EUR is 1200050 cents, and every sum, weighting and report is integer
arithmetic (a weighted value is value x percent / 100, kept exact as a Decimal). How a typed amount
reads ("12.000,50" or "12,000.50") depends on the locale's decimal mark; only the truly ambiguous
case (one separator before exactly three digits) needs it, everything else reads the same anywhere.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from decimal import Decimal

from crmcli.errors import Invalid

# ISO 4217 active codes and their minor units (decimal places). Two unless listed here.
_ZERO = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_THREE = "BHD IQD JOD KWD LYD OMR TND"
_FOUR = "CLF UYW"
_TWO = (
    "AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF "
    "CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD "
    "HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT "
    "MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR "
    "SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU "
    "UZS VED VES WST XCD XCG YER ZAR ZMW ZWG"
)
MINOR_DIGITS: dict[str, int] = {
    **{code: 2 for code in _TWO.split()}, **{code: 0 for code in _ZERO.split()},
    **{code: 3 for code in _THREE.split()}, **{code: 4 for code in _FOUR.split()},
}
MAX_MINOR = 10**15  # well inside a 64-bit integer after summing thousands of deals

# Languages that write a decimal comma (1.234,56); the rest write a decimal point (1,234.56).
_COMMA_LANGUAGES = frozenset(
    "af az be bg bs ca cs da de el es et eu fi fo fr gl hr hu hy id is it ka kk ky lt lv mk mn nb nl nn no pl "
    "pt ro ru sk sl sq sr sv tr uk uz vi".split())
_POINT_REGIONS = frozenset({"CH", "LI", "MX"})  # de_CH, it_CH, es_MX... write a decimal point
# Languages known to write a decimal point. A locale setting must be in one of these two lists: an
# amount is never read in a locale whose decimal mark is a guess.
_POINT_LANGUAGES = frozenset(
    "am ar bn cy en fil ga gd gu ha he hi ig iw ja kn ko ml mr ms mt my ne pa si sw ta te th tl ur yo yue zh "
    "zu".split())
_LOCALE = re.compile(r"(?P<language>[a-z]{2,3})(?:[_-](?P<territory>[a-z]{2}|[0-9]{3}))?"
                     r"(?P<rest>(?:\.[a-z0-9_-]+)?(?:@[a-z0-9_-]+)?)", re.IGNORECASE | re.ASCII)


def currency(code: str) -> str:
    """A known ISO 4217 code, upper-cased, or a clear error."""
    cleaned = code.strip().upper()
    if cleaned not in MINOR_DIGITS:
        hint = " (a three-letter ISO 4217 code such as EUR, USD, GBP, JPY)"
        raise Invalid(f"unknown currency {code.strip()!r}{hint}")
    return cleaned


def locale_name(value: str) -> str:
    """A locale amounts can be read in, as en_US (language lower case, territory upper case), or a
    clear error. Valid: LANGUAGE[_TERRITORY][.CODESET][@MODIFIER] (en_US, de_DE, fr_CH.UTF-8, es_419)
    in a language whose decimal mark is known here, or C / POSIX (a decimal point). The system need
    not have that locale installed: reading an amount needs only its decimal mark."""
    text = value.strip()
    if text in ("C", "POSIX") or text.startswith("C."):
        return text
    match = _LOCALE.fullmatch(text)
    if match is None:
        raise Invalid(f"cannot read the locale {text!r}; write a language and country such as en_US, de_DE or pt_BR")
    language, territory = match["language"].lower(), match["territory"]
    if language not in _COMMA_LANGUAGES and language not in _POINT_LANGUAGES:
        raise Invalid(f"unknown locale {text!r}: no decimal mark is known for the language {language!r} "
                      "(a language and country such as en_US, de_DE or pt_BR)")
    return language + (f"_{territory.upper()}" if territory else "") + match["rest"]


def decimal_mark(locale: str | None) -> str:
    """The decimal mark of a locale such as en_US, de_DE or fr_CH.UTF-8 ('.' when unknown)."""
    if not locale:
        return "."
    name = locale.split(".")[0].split("@")[0]
    language, _, region = name.replace("-", "_").partition("_")
    if region.upper() in _POINT_REGIONS and language.lower() in ("de", "it", "rm", "es"):
        return "."
    return "," if language.lower() in _COMMA_LANGUAGES else "."


def environment_locale() -> str | None:
    """The locale numbers are written in here, as the C library would choose it."""
    for name in ("LC_ALL", "LC_NUMERIC", "LANG"):
        value = os.environ.get(name)
        if value:
            return None if value in ("C", "POSIX") or value.startswith("C.") else value
    return None


_GROUPED = re.compile(r"\d{1,3}(?:X\d{3})+")  # digits grouped by thousands; X is the group mark


def parse(text: str, code: str, *, locale: str | None = None) -> int:
    """`"12,000.50"`, `"12.000,50"`, `"12 000"`, `"12000"` -> minor units of `code` (1200050 for EUR).
    Refuses negative amounts, malformed grouping, and more decimals than the currency has."""
    code = currency(code)
    raw = text.strip()
    cleaned = re.sub(r"[\s\u00a0\u202f'’]", "", raw)  # spaces and apostrophes only ever group digits
    if cleaned.startswith("-"):
        raise Invalid(f"an amount cannot be negative: {raw!r}")
    cleaned = cleaned.lstrip("+")
    if not cleaned or not re.fullmatch(r"[\d.,]+", cleaned) or not cleaned[0].isdigit() or not cleaned[-1].isdigit():
        raise Invalid(f"cannot read the amount {raw!r}; write it like 12000, 12,000.50 or 12.000,50")
    if len(cleaned) > 64:  # far past MAX_MINOR in any grouping; int() would refuse 4,300 digits itself
        from crmcli.core.text import quoted

        raise Invalid(f"the amount {quoted(raw, 40)} is too large")
    whole, fraction = _split(cleaned, decimal_mark(locale), raw)
    digits = MINOR_DIGITS[code]
    if len(fraction) > digits:
        places = "no decimals" if digits == 0 else f"{digits} decimal place{'s' if digits > 1 else ''}"
        thousands = len(fraction) == 3 and digits < 3
        raise Invalid(f"{code} has {places}: cannot store {raw!r} exactly" + (" (thousands?)" if thousands else ""),
                      hint="locale" if thousands else None)
    minor = int(whole) * 10**digits + int(fraction.ljust(digits, "0") or 0)
    if minor >= MAX_MINOR:
        raise Invalid(f"the amount {raw!r} is too large")
    return minor


def _split(cleaned: str, mark: str, raw: str) -> tuple[str, str]:
    """(whole digits, fraction digits). The last separator is the decimal mark when both kinds occur
    or it is followed by other than three digits; a lone one before exactly three digits follows
    the locale."""
    seps = [ch for ch in cleaned if ch in ".,"]
    if not seps:
        return cleaned, ""
    last = max(cleaned.rfind("."), cleaned.rfind(","))
    tail = cleaned[last + 1:]
    kinds = set(seps)
    if len(kinds) == 2 or (len(seps) == 1 and (len(tail) != 3 or cleaned[last] == mark)):
        whole, fraction = cleaned[:last], tail
        if len(kinds) == 2 and cleaned[last] in whole:
            raise Invalid(f"cannot read the amount {raw!r}: the decimal mark comes more than once")
    else:
        whole, fraction = cleaned, ""
    group = next((ch for ch in ".," if ch in whole), None)
    if group is not None:
        if not _GROUPED.fullmatch(whole.replace(group, "X")):
            raise Invalid(f"cannot read the amount {raw!r}: digits are grouped in threes (12,000,000)")
        whole = whole.replace(group, "")
    return whole, fraction


@dataclass(frozen=True)
class Amount:
    """Minor units of a currency, possibly fractional (a weighted value: 1205 x 33 % = 397.65 cents)."""

    minor: Decimal | int
    code: str

    @classmethod
    def from_plain(cls, text: str, code: str) -> "Amount":
        """Back from `plain()` text ("7499.9925"), exactly."""
        return cls(Decimal(text).scaleb(MINOR_DIGITS.get(code, 2)), code)

    @property
    def major(self) -> Decimal:
        return Decimal(self.minor).scaleb(-MINOR_DIGITS.get(self.code, 2))

    def __str__(self) -> str:
        # What every machine format writes for a value (CSV and TSV cells, JSON strings).
        return self.plain()

    def plain(self) -> str:
        """For scripts: a dot, no grouping, at least the currency's decimals, exact ("3.9765")."""
        digits = MINOR_DIGITS.get(self.code, 2)
        value = self.major
        text = f"{value:.{digits}f}"
        exact = format(value.normalize(), "f")
        return exact if len(exact.split(".")[-1]) > digits and "." in exact else text

    def display(self, locale: str | None = None, *, with_code: bool = True) -> str:
        """For people: grouped in the locale's style, rounded to the currency's decimals."""
        digits = MINOR_DIGITS.get(self.code, 2)
        text = f"{self.major:,.{digits}f}"
        if decimal_mark(locale) == ",":
            text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
        return f"{text} {self.code}" if with_code else text


def weighted(minor: int, percent: int) -> Decimal:
    """value x probability, exact: minor units times percent over one hundred."""
    return Decimal(minor * percent) / 100
