"""Reading mail: one RFC 5322 message (as mutt, neomutt and aerc pipe it) into a `Mail`, and the
messages of an mbox file or a maildir folder one at a time.

The standard library's `email` package reads the structure (MIME parts, transfer encodings) with
policy.compat32, and this module decodes the headers (RFC 2047 encoded words, raw 8-bit text) and the
charsets itself: policy.default's header objects do the same at four times the cost (3 ms a mail,
an mbox import's whole budget). It picks the parts a CRM keeps: who wrote to whom, when, the
subject, and the body as plain text without the quoted reply and the signature.

What is kept of a mail, and why not more: the sender, the To and Cc addresses (lower-cased) with
their display names, the Date (aware UTC), the Message-ID, In-Reply-To and References (threading; an
id of over 250 characters, which no real mail has, as "sha256:" and its digest), the subject on one
line, and the body as plain text, trimmed (`trim`): the quoted reply and its attribution line ("On
Fri, 4 Dec 2026, Ann wrote:"), a forwarded Outlook original, the signature and a phone's "Sent from
my iPhone" are left out. The full original text is not kept: a quoted thread
carries other people's words (privacy), and the raw mail stays in the user's own mail store.
Attachments are ignored (never decoded); a mail whose only text is an attachment gives "".

The body: text/plain is preferred to text/html (multipart/alternative); HTML-only mail is turned
into text (crmcli.io.html_text). A part's declared charset is used with replacement characters for bad
bytes; an unknown or missing one is read as UTF-8, else Windows-1252, else Latin-1. Nothing a
message holds raises anything but errors.Invalid (bytes that are not a mail at all); text handed on
never holds a NUL or a lone surrogate (a database could not store it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

if TYPE_CHECKING:
    from email.message import Message


@dataclass(frozen=True)
class Address:
    name: str  # the display name, decoded ("" when none)
    email: str  # the address as written, lower-cased


@dataclass(frozen=True)
class Mail:
    message_id: str | None  # without the angle brackets; None when the mail has none
    subject: str  # decoded, on one line ("" when none)
    sender: Address | None  # From (None when it names no address)
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    date: datetime | None  # aware UTC, from the Date header; None when missing or unreadable
    text: str  # the body as plain text, the quoted reply and the signature trimmed
    in_reply_to: str | None = None  # a Message-ID, without the angle brackets
    references: tuple[str, ...] = ()  # Message-IDs of the thread, oldest first, without brackets


def parse(data: bytes) -> Mail:
    """One message from its bytes. Raises errors.Invalid with one line saying what is wrong when
    the bytes are not a mail crm can log (empty, no header, no From header)."""
    from email.parser import BytesParser  # its default policy is compat32: email.policy (25 ms) not loaded

    from crmcli.errors import Invalid

    if not data.strip():
        raise Invalid("not a mail: it is empty")
    if data.startswith(b"From "):  # an mbox's separator line: aerc pipes several marked mails so
        count = len(re.findall(rb"(?m)^From ", data))
        if count > 1:
            raise Invalid(f"these are {count} mails (an mbox), not one: log them as a mailbox")
    try:
        # compat32: the headers stay text, decoded here; policy.default's header objects cost ~3 ms a
        # mail (30 s for a 10,000-message mbox, an import's whole budget), compat32 and this ~0.7 ms
        message = BytesParser().parsebytes(data)
    except Exception:  # noqa: BLE001 - the parser is meant to record defects, not raise: say it in one line
        raise Invalid("not a mail: its headers cannot be read") from None
    headers = _Headers(message.raw_items())
    if "from" not in headers.values:
        raise Invalid("not a mail: it has no From header")
    senders = _addresses(headers.all("From"))
    message_id = _message_ids(headers.first("Message-ID"))
    replied = _message_ids(headers.first("In-Reply-To"))
    return Mail(message_id=message_id[0] if message_id else None,
                subject=" ".join(decode_words(headers.first("Subject")).split()),
                sender=senders[0] if senders else None, to=_addresses(headers.all("To")),
                cc=_addresses(headers.all("Cc")), date=_date(headers.first("Date")), text=trim(_body(message)),
                in_reply_to=replied[0] if replied else None,
                references=tuple(_message_ids(headers.first("References"))))


# -- headers ---------------------------------------------------------------------------------------------

class _Headers:
    """A message's header values by lower-cased name, unfolded (CR and LF taken out, RFC 5322 2.2.3),
    as written: raw 8-bit bytes kept as the parser's surrogate escapes until decoded."""

    def __init__(self, items: Any) -> None:
        self.values: dict[str, list[str]] = {}
        for name, value in items:
            self.values.setdefault(str(name).lower(), []).append(str(value).replace("\r", "").replace("\n", ""))

    def first(self, name: str) -> str:
        return next(iter(self.values.get(name.lower(), [])), "")

    def all(self, name: str) -> list[str]:
        return self.values.get(name.lower(), [])


_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([QqBb])\?([^?]*)\?=")


def decode_words(value: str) -> str:
    """A header value with its RFC 2047 encoded words decoded (the space between two adjacent words
    is no text of its own); a word in a charset Python does not know, or with bad bytes, gives
    replacement characters or a guess (see `decode`), never an exception; raw 8-bit text read as
    UTF-8, else Windows-1252."""
    out: list[str] = []
    end = 0
    for word in _ENCODED_WORD.finditer(value):
        between = value[end:word.start()]
        if not (out and end and not between.strip()):
            out.append(_clean(between))
        out.append(_word(word.group(1), word.group(2).upper(), word.group(3)))
        end = word.end()
    out.append(_clean(value[end:]))
    return "".join(out)


def _word(charset: str, encoding: str, text: str) -> str:
    import binascii

    raw = text.encode("utf-8", "surrogateescape")
    if encoding == "Q":  # RFC 2047 4.2: "_" is a space, =XX a byte
        data = re.sub(rb"=([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw.replace(b"_", b" "))
    else:
        raw = re.sub(rb"[^A-Za-z0-9+/]", b"", raw)  # padding and stray characters: counted anew
        try:
            data = binascii.a2b_base64(raw + b"=" * (-len(raw) % 4))
        except (binascii.Error, ValueError):  # a length no base64 has (one character past a group)
            data = binascii.a2b_base64(raw[:len(raw) // 4 * 4])
    return decode(data, charset.split("*", 1)[0])  # RFC 2231: "utf-8*en" names a language too


def _addresses(values: list[str]) -> tuple[Address, ...]:
    """Every address of these header values with an @ in it, lower-cased, groups flattened, display
    names decoded."""
    from email.utils import getaddresses

    try:
        found = getaddresses(values)
    except Exception:  # noqa: BLE001 - RecursionError on thousands of nested comments, say
        return ()
    result = []
    for display, spec in found:
        email = _clean(spec).strip().strip("<>").lower()
        if "@" in email and not any(c.isspace() for c in email):
            result.append(Address(" ".join(decode_words(display).split()), email))
    return tuple(result)


def _message_ids(value: str) -> list[str]:
    """The ids in a Message-ID, In-Reply-To or References value, without brackets; a bare id too."""
    value = _clean(value)
    ids = re.findall(r"<([^<>\s]+)>", value)
    bare = value.strip()
    if not ids and bare and not any(c.isspace() or c in "<>" for c in bare):
        ids = [bare]
    return [_bounded(found) for found in ids]


def _bounded(message_id: str) -> str:
    """An id as written, or one longer than any real one (a hostile mail's) as a digest of it: the
    same mail still has the same id, and a database's index takes it (PostgreSQL's has a size limit)."""
    if len(message_id) <= 250:
        return message_id
    from hashlib import sha256

    return "sha256:" + sha256(message_id.encode("utf-8")).hexdigest()


def _date(value: str) -> datetime | None:
    from datetime import UTC
    from email.utils import parsedate_to_datetime

    if not value.strip():
        return None
    try:
        when = parsedate_to_datetime(" ".join(_clean(value).split()))
        # "-0000" (RFC 5322: the zone is unknown) gives a naive time: it is read as UTC
        return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    except Exception:  # noqa: BLE001 - any unreadable date is no date (ValueError, OverflowError...)
        return None


# -- the body --------------------------------------------------------------------------------------------

def _body(message: Message) -> str:
    """The text of the body: the plain part, else the HTML one turned into text; "" when the mail's
    only text is an attachment or it has none."""
    try:
        candidates = list(_text_parts(message))
    except Exception:  # noqa: BLE001 - a structure nested past what recursion follows, say: no body
        return ""
    for kind in ("plain", "html"):
        for found, part in candidates:
            if found != kind:
                continue
            text = _part_text(part, kind)
            if text.strip():
                return text
            break  # the first part of a kind is the body of that kind, empty or not
    return ""


def _text_parts(part: Message) -> Iterator[tuple[str, Message]]:
    """The parts that may be the body, in order, as the email package's get_body finds them: text/plain
    and text/html parts that are not attachments, in multiparts; of a multipart/related its root."""
    if part.get_content_disposition() == "attachment":
        return
    maintype, subtype = part.get_content_maintype(), part.get_content_subtype()
    if maintype == "text":
        if subtype in ("plain", "html"):
            yield subtype, part
        return
    if maintype != "multipart" or not part.is_multipart():
        return
    children = part.get_payload()
    if subtype == "related" and children:
        start = part.get_param("start")
        root = next((child for child in children if start and child.get("content-id") == start), children[0])
        yield from _text_parts(root)
        return
    for child in children:
        yield from _text_parts(child)


def _part_text(part: Message, kind: str) -> str:
    from email.utils import collapse_rfc2231_value

    try:
        payload = part.get_payload(decode=True)
        charset = part.get_content_charset()
        flowed = collapse_rfc2231_value(part.get_param("format") or "").lower() == "flowed"
        delsp = collapse_rfc2231_value(part.get_param("delsp") or "").lower() == "yes"
    except Exception:  # noqa: BLE001 - broken parameters: read it as undeclared text
        payload, charset, flowed, delsp = _payload_bytes(part), None, False, False
    if not isinstance(payload, bytes):
        return ""
    text = decode(payload, charset)
    if kind == "html":
        from crmcli.io.html_text import html_to_text

        return _clean(html_to_text(text))
    return unflow(text, delsp=delsp) if flowed else text


def _payload_bytes(part: Any) -> bytes | None:
    try:
        payload = part.get_payload()
        return payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else None
    except Exception:  # noqa: BLE001
        return None


def decode(data: bytes, charset: str | None) -> str:
    """Bytes as text: in `charset` when Python knows it (bad bytes become U+FFFD), else UTF-8, else
    Windows-1252, else Latin-1 (which reads any byte). No NUL, no lone surrogate in the result."""
    if charset:
        try:
            return _clean(data.decode(charset, "replace"))
        except (LookupError, UnicodeError, ValueError, TypeError):
            pass  # unknown charset (or a codec that is not text): guess as for none
    for guess in ("utf-8", "cp1252"):
        try:
            return _clean(data.decode(guess))
        except UnicodeDecodeError:
            pass
    return _clean(data.decode("latin-1"))


def _clean(text: str) -> str:
    """Text a database stores: raw 8-bit bytes kept by the parser (surrogate escapes) read as UTF-8
    or Windows-1252, any other lone surrogate as U+FFFD, NUL dropped, line ends as LF."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        try:
            raw = text.encode("utf-8", "surrogateescape")
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("cp1252", "replace")
        except UnicodeEncodeError:
            text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return text.replace("\0", "").replace("\r\n", "\n").replace("\r", "\n")


def unflow(text: str, *, delsp: bool = False) -> str:
    """RFC 3676 format=flowed text as its paragraphs: a line ending in a space goes on with the next
    line of the same quote depth; the space a sender put before a leading space, ">" or "From " goes."""
    out: list[tuple[int, str]] = []
    joining = False
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        body = line[depth:]
        if body.startswith(" "):
            body = body[1:]
        flowed = body.endswith(" ") and body != "-- "
        if delsp and flowed:
            body = body[:-1]
        if joining and out and out[-1][0] == depth:
            out[-1] = (depth, out[-1][1] + body)
        else:
            out.append((depth, body))
        joining = flowed
    return "\n".join((">" * depth + " " + body if depth else body) for depth, body in out)


# -- trimming --------------------------------------------------------------------------------------------

_ATTRIBUTION = re.compile(
    r"(wrote|writes|schrieb|a écrit|a ecrit|escribió|ha scritto|schreef|skrev|napisał|kirjoitti|написал\(а\)|написал)"
    r"\s*:\s*$", re.IGNORECASE)
_ATTRIBUTION_START = re.compile(r"^(On|Am|Le|El|Il|Op|Den|W dniu|Em)\s", re.IGNORECASE)
# "Am 03.12.2026 um 17:00 schrieb Ann Lee <ann@acme.example>:": the verb before the name
_ATTRIBUTION_INNER = re.compile(r"\s(wrote|schrieb|a écrit|escribió|ha scritto|schreef|skrev)\s.*:\s*$", re.IGNORECASE)
_ORIGINAL = re.compile(r"^\s*-{2,}\s*(Original Message|Ursprüngliche Nachricht|Message d'origine|Original-Nachricht|"
                       r"Mensaje original|Messaggio originale)\s*-{2,}\s*$", re.IGNORECASE)
_OUTLOOK_FROM = re.compile(r"^\s*\*?(From|Von|De|Da)\s?:\*?(\s|$)", re.IGNORECASE)
_OUTLOOK_NEXT = re.compile(r"^\s*\*?(Sent|Date|Gesendet|Datum|Envoyé|Inviato|Enviado)\s?:\*?(\s|$)", re.IGNORECASE)
_MOBILE = re.compile(r"^\s*(Sent from my .{1,40}|Sent from (Mail|Outlook|Yahoo Mail) for .{1,40}|Get Outlook for .{1,40}"
                     r"|Sent from my (iPhone|iPad|Android|BlackBerry).*|Von meinem .{1,40} gesendet|Envoyé de mon .{1,40}"
                     r"|Enviado desde mi .{1,40}|Inviato da .{1,40})\s*$", re.IGNORECASE)


def trim(text: str) -> str:
    """The writer's own words of a mail body: lines quoted with ">" and the attribution line before
    them ("On ..., Ann wrote:", "Am ... schrieb ...:", "Le ... a écrit :") dropped, and everything from
    an Outlook "-----Original Message-----" or "From: ... / Sent: ..." block on, or from a signature
    ("-- " on its own line, RFC 3676) on; a phone's "Sent from my iPhone" line dropped. Text between
    quoted blocks (an inline reply) stays. Trailing spaces and runs of blank lines go."""
    kept: list[str] = []  # the lines without quotes (a quoted block: one ">"), attributions or phones'
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line.startswith(">"):
            if not (kept and kept[-1] == ">"):
                _drop_attribution(kept)
                kept.append(">")  # a marker: one quoted block, whatever its length
            continue
        if _MOBILE.match(line):
            continue
        kept.append(line.rstrip())
    result: list[str] = []
    for line in kept[:_cut(kept)]:
        if line == ">" or (not line and (not result or not result[-1])):
            if line == ">" and result and result[-1]:
                result.append("")  # the text before a quote and after it stay apart
            continue
        result.append(line)
    return "\n".join(result).strip("\n")


def _cut(lines: list[str]) -> int:
    """Where the writer's text ends: a signature or an Outlook original's start (len(lines) if none)."""
    for i, line in enumerate(lines):
        if line.rstrip() == "--" or _ORIGINAL.match(line):
            return _before_blanks(lines, i)
        if _OUTLOOK_FROM.match(line) and any(_OUTLOOK_NEXT.match(following) for following in _next_lines(lines, i)):
            start = _before_blanks(lines, i)
            if start and set(lines[start - 1].strip()) == {"_"}:  # Outlook on the web's rule above it
                start = _before_blanks(lines, start - 1)
            return start
    return len(lines)


def _next_lines(lines: list[str], i: int, count: int = 3) -> list[str]:
    """The `count` lines after line `i` that are text (not blank, not a quoted block's marker)."""
    found: list[str] = []
    for j in range(i + 1, len(lines)):
        if len(found) == count:
            break
        if lines[j] and lines[j] != ">":
            found.append(lines[j])
    return found


def _before_blanks(lines: list[str], i: int) -> int:
    while i and lines[i - 1] in ("", ">"):
        i -= 1
    return i


def _attribution(line: str) -> bool:
    return bool(_ATTRIBUTION.search(line) or (_ATTRIBUTION_START.match(line) and _ATTRIBUTION_INNER.search(line)))


def _drop_attribution(kept: list[str]) -> None:
    """Drops the attribution line (or the two lines of a wrapped one) before a quoted block."""
    end = len(kept)
    while end and not kept[end - 1]:
        end -= 1
    if not end or kept[end - 1] == ">":
        return
    last = kept[end - 1]
    before = kept[end - 2] if end >= 2 and kept[end - 2] not in ("", ">") else ""
    if _ATTRIBUTION_START.match(before) and not _ATTRIBUTION_START.match(last) \
            and _attribution(f"{before} {last}"):
        del kept[end - 2:]  # wrapped: "Le mar. 8 déc. 2026 à 10:00, Me <me@x.example> a" / "écrit :"
    elif _attribution(last):
        del kept[end - 1:]


# -- mailboxes -------------------------------------------------------------------------------------------

def read_mailbox(path: Path) -> Iterator[tuple[str, bytes]]:
    """The messages of an mbox file or a maildir folder (one with cur/ and new/), each as (where it
    is, its bytes), read one at a time. errors.Invalid when `path` is neither; CrmError when it
    cannot be read."""
    from crmcli.errors import CrmError, Invalid

    try:
        if path.is_file():
            return read_mbox(path)
        if path.is_dir() and (path / "cur").is_dir() and (path / "new").is_dir():
            return read_maildir(path)
        if not path.exists():
            raise CrmError(f"cannot read {path}: no such file or folder")
    except OSError as err:
        raise CrmError(f"cannot read {path}: {err.strerror or err}") from None
    raise Invalid(f"{path} is neither an mbox file nor a maildir folder (a folder with cur/, new/ and tmp/)")


def read_mbox(path: Path) -> Iterator[tuple[str, bytes]]:
    """The messages of an mbox file, each as ("message N (line L)", bytes), streamed: one message in
    memory at a time. A message starts at a line beginning with "From " (as Python's mailbox module
    splits); mboxrd quoting (">From ", ">>From " in a body) is undone; the blank line before the next
    "From " is the separator, not the message's. errors.Invalid when the file does not start so."""
    from crmcli.errors import CrmError, Invalid

    try:
        stream = open(path, "rb")  # noqa: SIM115 - closed when the generator ends
    except OSError as err:
        raise CrmError(f"cannot read {path}: {err.strerror or err}") from None

    def messages() -> Iterator[tuple[str, bytes]]:
        with stream:
            count, start, lines = 0, 0, None
            try:
                for number, line in enumerate(stream, 1):
                    if line.startswith(b"From "):
                        if lines is not None:
                            yield f"message {count} (line {start})", _mbox_message(lines)
                        count, start, lines = count + 1, number, []
                    elif lines is None:
                        if line.strip():
                            raise Invalid(f"{path} is not an mbox file: line {number} is not a 'From ' line "
                                          "starting a message")
                    else:
                        lines.append(line[1:] if re.match(rb">+From ", line) else line)
            except OSError as err:
                raise CrmError(f"cannot read {path}: {err.strerror or err}") from None
            if lines is not None:
                yield f"message {count} (line {start})", _mbox_message(lines)
    return messages()


def _mbox_message(lines: list[bytes]) -> bytes:
    if lines and not lines[-1].strip():
        lines.pop()  # the separator before the next message
    return b"".join(lines)


_DELIVERED = re.compile(r"^(\d{1,18})(?:\.(?:[^.]*?M(\d{1,18}))?)?")


def read_maildir(path: Path) -> Iterator[tuple[str, bytes]]:
    """The messages of a maildir folder (new/ and cur/; tmp/ holds deliveries not yet done), each as
    ("cur/NAME", bytes), a control character in NAME escaped ("\\n"), in order of delivery (the time
    a maildir name starts with), then by name."""
    from crmcli.errors import CrmError

    try:
        names = [f"{sub}/{entry.name}" for sub in ("cur", "new") for entry in (path / sub).iterdir()
                 if not entry.name.startswith(".") and entry.is_file()]
    except OSError as err:
        raise CrmError(f"cannot read {path}: {err.strerror or err}") from None

    def order(name: str) -> tuple[int, int, int, str]:
        found = _DELIVERED.match(name.split("/", 1)[1])
        if not found:
            return (1, 0, 0, name)  # not a maildir name: after the others
        return (0, int(found.group(1)), int(found.group(2) or 0), name)

    def messages() -> Iterator[tuple[str, bytes]]:
        for name in sorted(names, key=order):
            try:
                data = (path / name).read_bytes()
            except OSError as err:
                raise CrmError(f"cannot read {path / name}: {err.strerror or err}") from None
            # a name is shown in messages: a control character in it (a newline) written as an escape
            yield "".join(c if c.isprintable() else repr(c)[1:-1] for c in name), data
    return messages()
