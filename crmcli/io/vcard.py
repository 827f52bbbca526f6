"""Contacts as vCards: written as vCard 3.0 (RFC 2426), read from vCard 2.1, 3.0 and 4.0 (RFC 6350).

Writing takes plain values (`Card`, filled by crmcli.core.exports.cards) and gives text: CRLF line
ends, lines folded at 75 octets without splitting a UTF-8 character, text values escaped (`\\\\`,
`\\,`, `\\;`, a newline as `\\n`). The full name is FN; N splits it: the last word is the family name,
the words before it the given name (crm keeps one name, so N is a guess that FN corrects).

Reading gives each card as a `readers.Record` (the line of its BEGIN, values under crm's own column
names: name, uid, title, org, emails and phones as `label:value`, tags, fields) for the import's
layouts (crmcli.core.importing). Folded lines are unfolded; QUOTED-PRINTABLE values (soft line
breaks, CHARSET) decoded; `tel:` URIs made plain numbers; TYPE read as `TYPE=work,voice`,
`TYPE=work;TYPE=voice` or a bare `WORK`. The label of an email or phone is its first TYPE that is not
internet, pref, voice or x400. PHOTO, LOGO, SOUND, KEY and unknown properties are skipped.

It imports nothing of the core.
"""

from __future__ import annotations

import codecs
import quopri
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, TextIO

from crmcli.io.readers import ReadError, Record, checked

FOLD_AT = 75  # octets per line, CRLF not counted (RFC 6350 3.2)
CRLF = "\r\n"
PRODID = "-//crmcli//crm export vcard//EN"
FIELD_PROPERTY = "X-CRMCLI-FIELD"  # a custom field other than notes: X-CRMCLI-FIELD;KEY=source:referral
COLUMNS = ["uid", "name", "title", "org", "emails", "phones", "tags", "fields"]
GENERIC_TYPES = frozenset({"internet", "pref", "voice", "x400"})
_LABEL = re.compile(r"^[A-Za-z][\w-]{0,19}$")  # what crm takes as a label (crmcli.core.validate)


# -- writing ---------------------------------------------------------------------------------------


@dataclass
class Card:
    """One contact as a vCard shows it; emails and phones as (label or None, value)."""

    uid: str
    name: str
    title: str | None = None
    org: str | None = None
    emails: list[tuple[str | None, str]] = field(default_factory=list)
    phones: list[tuple[str | None, str]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    note: str | None = None
    fields: dict[str, str] = field(default_factory=dict)  # other custom fields
    rev: str | None = None  # ISO 8601 UTC, `2026-03-06T23:10:37Z`


def escape(text: str) -> str:
    """A text value escaped as RFC 2426/6350 say: backslash, comma, semicolon, newline."""
    return (text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
            .replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n"))


def fold(line: str) -> str:
    """One content line folded at FOLD_AT octets (a continuation starts with a space, which counts),
    never inside a UTF-8 character; CRLF after each piece."""
    pieces, current, size = [], [], 0
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > FOLD_AT:
            pieces.append("".join(current))
            current, size = [" "], 1
        current.append(ch)
        size += width
    pieces.append("".join(current))
    return "".join(piece + CRLF for piece in pieces)


def _param(value: str) -> str:
    """A parameter value, quoted when it holds a character that would end it."""
    return f'"{value}"' if re.search(r'[;:,]', value) else value


def _name_parts(name: str) -> tuple[str, str]:
    words = name.split()
    if not words:
        return "", ""
    return words[-1], " ".join(words[:-1])


def _rev(moment: str) -> str:
    """`2026-03-06T23:10:37Z` -> `20260306T231037Z` (the basic form both versions read)."""
    return moment.replace("-", "").replace(":", "")


def card_text(card: Card) -> str:
    """The vCard 3.0 text of one contact."""
    family, given = _name_parts(card.name)
    lines = ["BEGIN:VCARD", "VERSION:3.0", f"PRODID:{PRODID}", f"FN:{escape(card.name)}",
             f"N:{escape(family)};{escape(given)};;;"]
    if card.org:
        lines.append(f"ORG:{escape(card.org)}")
    if card.title:
        lines.append(f"TITLE:{escape(card.title)}")
    for i, (label, address) in enumerate(card.emails):
        types = ["INTERNET", *([_param(label)] if label else []), *(["PREF"] if i == 0 else [])]
        lines.append(f"EMAIL;TYPE={','.join(types)}:{escape(address)}")
    for label, number in card.phones:
        lines.append(f"TEL;TYPE={_param(label)}:{escape(number)}" if label else f"TEL:{escape(number)}")
    if card.tags:
        lines.append(f"CATEGORIES:{','.join(escape(t) for t in card.tags)}")
    if card.note:
        lines.append(f"NOTE:{escape(card.note)}")
    for key, value in card.fields.items():
        lines.append(f"{FIELD_PROPERTY};KEY={_param(key)}:{escape(value)}")
    lines.append(f"UID:{escape(card.uid)}")
    if card.rev:
        lines.append(f"REV:{_rev(card.rev)}")
    lines.append("END:VCARD")
    return "".join(fold(line) for line in lines)


def write(cards: Iterable[Card], out: TextIO) -> int:
    """Every card to `out` (opened with newline="" or binary-safe text), one after another; the count."""
    count = 0
    for card in cards:
        out.write(card_text(card))
        count += 1
    return count


# -- reading ---------------------------------------------------------------------------------------


@dataclass
class Property:
    name: str                       # upper case, group dropped
    params: dict[str, list[str]]    # upper-case names; values as written (TYPE values lower case)
    value: str                      # raw (escapes still in; QUOTED-PRINTABLE decoded)


def unfold(lines: Iterable[str]) -> Iterator[tuple[int, str]]:
    """Logical lines with the physical line each starts on: a line beginning with a space or tab
    continues the one before (that one character dropped); a QUOTED-PRINTABLE value ending in `=`
    continues on the next line (a soft line break)."""
    current: str | None = None
    start = 0
    soft = False
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if number == 1 and line.startswith("\ufeff"):
            line = line[1:]
        if current is not None and (soft or (line[:1] in (" ", "\t"))):
            current = current[:-1] + line if soft else current + line[1:]
        else:
            if current is not None and current.strip():
                yield start, current
            current, start = line, number
        soft = current.endswith("=") and _is_qp(current)
    if current is not None and current.strip():
        yield start, current


def _is_qp(line: str) -> bool:
    head = _split_line(line)
    return head is not None and "QUOTED-PRINTABLE" in head[0].upper()


def _split_line(line: str) -> tuple[str, str] | None:
    """(name and parameters, value): split at the first colon outside double quotes."""
    quoted = False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == ":" and not quoted:
            return line[:i], line[i + 1:]
    return None


def _split_unquoted(text: str, sep: str) -> list[str]:
    parts, current, quoted = [], [], False
    for ch in text:
        if ch == '"':
            quoted = not quoted
            current.append(ch)
        elif ch == sep and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


BARE_ENCODINGS = {"QUOTED-PRINTABLE", "BASE64", "8BIT", "7BIT", "B"}


def parse_line(line: str) -> Property | None:
    """One unfolded content line; None when it is no property (no colon)."""
    split = _split_line(line)
    if split is None:
        return None
    head, value = split
    name, *raw_params = _split_unquoted(head, ";")
    name = name.rsplit(".", 1)[-1].strip().upper()  # `item1.EMAIL` -> EMAIL
    params: dict[str, list[str]] = {}
    for raw in raw_params:
        key, sep, val = raw.partition("=")
        if not sep:  # vCard 2.1: a bare WORK, PREF, QUOTED-PRINTABLE
            key, val = ("ENCODING", raw) if raw.strip().upper() in BARE_ENCODINGS else ("TYPE", raw)
        key = key.strip().upper()
        values = [v.strip() for v in val.replace('"', "").split(",")]  # TYPE=work,voice or TYPE="work,voice"
        if key == "TYPE":
            values = [v.lower() for v in values]
        params.setdefault(key, []).extend(v for v in values if v)
    encoding = [e.upper() for e in params.get("ENCODING", [])]
    if "QUOTED-PRINTABLE" in encoding:
        data = quopri.decodestring(value.encode("ascii", "replace"))
        value = _decoded(data, (params.get("CHARSET") or ["utf-8"])[0])
    return Property(name, params, value)


def _decoded(data: bytes, charset: str) -> str:
    """QUOTED-PRINTABLE bytes in the card's CHARSET; one Python does not know as a text encoding
    (`rot13`, `base64`, `undefined`), or that fails to decode (`idna`, `punycode` refuse "replace"),
    reads as UTF-8, bad bytes replaced."""
    try:
        info = codecs.lookup(charset)
        if getattr(info, "_is_text_encoding", True):
            return data.decode(info.name, "replace")
    except (LookupError, UnicodeError, ValueError, TypeError):
        pass
    return data.decode("utf-8", "replace")


_ESCAPED = re.compile(r"\\(.)", re.DOTALL)


def unescape(text: str) -> str:
    """A text value as meant: escapes undone, a decoded CRLF or CR (QUOTED-PRINTABLE's =0D=0A) a newline."""
    text = _ESCAPED.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), text)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_value(text: str, sep: str) -> list[str]:
    """A structured or list value split at `sep` where not escaped, each part unescaped."""
    parts, current, i = [], [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            current.append(text[i:i + 2])
            i += 2
            continue
        if ch == sep:
            parts.append(unescape("".join(current)))
            current = []
        else:
            current.append(ch)
        i += 1
    parts.append(unescape("".join(current)))
    return parts


def _label(prop: Property) -> str | None:
    for kind in prop.params.get("TYPE", []):
        if kind not in GENERIC_TYPES and _LABEL.match(kind):
            return kind
    return None


def _labelled(prop: Property, value: str) -> str:
    label = _label(prop)
    return f"{label}:{value}" if label else value


def _tel(prop: Property) -> str:
    value = unescape(prop.value).strip()
    if value.lower().startswith("tel:"):  # vCard 4.0 VALUE=uri: `tel:+1-555-555-0100;ext=12`
        value = value[4:].split(";", 1)[0]
    return value


def _values(props: list[Property]) -> dict[str, object]:
    """One card's properties under crm's own column names."""
    values: dict[str, object] = {c: None for c in COLUMNS}
    emails: list[str] = []
    phones: list[str] = []
    tags: list[str] = []
    fields: dict[str, str] = {}
    full = structured = None
    for prop in props:
        if prop.name == "FN":
            full = unescape(prop.value).strip() or full
        elif prop.name == "N":
            parts = split_value(prop.value, ";") + [""] * 5
            family, given, additional, prefix, suffix = parts[:5]
            structured = " ".join(p.strip() for p in (prefix, given, additional, family, suffix) if p.strip())
        elif prop.name == "ORG":
            values["org"] = split_value(prop.value, ";")[0].strip() or None
        elif prop.name == "TITLE":
            values["title"] = unescape(prop.value).strip() or None
        elif prop.name == "EMAIL":
            address = unescape(prop.value).strip()
            if address.lower().startswith("mailto:"):
                address = address[7:]
            if address:
                emails.append(_labelled(prop, address))
        elif prop.name == "TEL":
            number = _tel(prop)
            if number:
                phones.append(_labelled(prop, number))
        elif prop.name == "CATEGORIES":
            tags += [t.strip() for t in split_value(prop.value, ",") if t.strip()]
        elif prop.name == "NOTE":
            note = unescape(prop.value).strip()
            if note:
                fields["notes"] = f"{fields['notes']}\n{note}" if "notes" in fields else note
        elif prop.name == FIELD_PROPERTY:
            key = (prop.params.get("KEY") or [""])[0]
            if key:
                fields[key] = unescape(prop.value)
        elif prop.name == "UID":
            values["uid"] = unescape(prop.value).strip() or None
    values["name"] = full or structured
    values["emails"], values["phones"], values["tags"] = emails, phones, tags
    values["fields"] = fields
    return values


def read(stream: Iterable[str], first_line: int = 1) -> tuple[list[str], Iterator[Record]]:
    """The cards of a file, each a Record numbered by its BEGIN line (counted from `first_line`).
    Text that is no card at all (no BEGIN:VCARD in it, but not empty either) is a ReadError rather
    than an import of nothing; text crm cannot store is one too (readers.checked)."""

    def records() -> Iterator[Record]:
        begun: int | None = None
        props: list[Property] = []
        number = 0
        cards = 0
        first_text: int | None = None
        for number, line in unfold(stream):
            if first_text is None:
                first_text = number + first_line - 1
            number += first_line - 1
            prop = parse_line(line)
            if prop is None:
                if begun is not None:
                    raise ReadError(number, f"not a vCard line: {line[:40]!r}")
                continue
            if prop.name == "BEGIN" and prop.value.strip().upper() == "VCARD":
                if begun is not None:
                    raise ReadError(begun, "a vCard without END:VCARD")
                begun, props = number, []
            elif prop.name == "END" and prop.value.strip().upper() == "VCARD":
                if begun is None:
                    raise ReadError(number, "END:VCARD without BEGIN:VCARD")
                yield Record(begun, _values(props))
                cards += 1
                begun = None
            elif begun is not None:
                props.append(prop)
        if begun is not None:
            raise ReadError(begun, "a vCard without END:VCARD")
        if not cards and first_text is not None:
            raise ReadError(first_text, "no vCard here (no BEGIN:VCARD line): is this a vCard file?")
    return checked(list(COLUMNS), records())


@dataclass(frozen=True)
class Folder:
    """Several files read as one: each record's line counts on across the files; `where` names a
    line as `FILE:LINE` again."""

    starts: list[tuple[int, Path]]  # (first line number, file), in order

    def where(self, line: int) -> str:
        found = self.starts[0]
        for start in self.starts:
            if start[0] <= line:
                found = start
        return f"{found[1]}:{line - found[0] + 1}"


def read_folder(folder: Path) -> tuple[list[str], Iterator[Record], Folder]:
    """Every *.vcf in `folder` (sorted by name) as one stream of cards."""
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".vcf" and p.is_file())
    starts: list[tuple[int, Path]] = []
    offset = 1
    texts = []
    for path in files:
        try:
            with open(path, encoding="utf-8-sig", newline="") as stream:
                lines = stream.readlines()  # split at CRLF, LF or CR, as an open file is
        except UnicodeDecodeError:
            from crmcli.errors import Invalid

            raise Invalid(f"{path} is not UTF-8 text; save it as UTF-8 and import again") from None
        except OSError as err:
            from crmcli.errors import CrmError

            raise CrmError(f"cannot read {path}: {err.strerror or err}") from None
        starts.append((offset, path))
        texts.append((offset, lines))
        offset += len(lines)

    def records() -> Iterator[Record]:
        for first, lines in texts:
            yield from read(lines, first)[1]
    return list(COLUMNS), records(), Folder(starts or [(1, folder)])
