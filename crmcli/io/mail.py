"""Reading mail: one RFC 5322 message (as mutt, neomutt and aerc pipe it) into a `Mail`, and the
messages of an mbox file or a maildir folder one at a time.

The standard library's `email` package does the decoding (encoded words, transfer encodings,
charsets); this module picks the parts a CRM keeps: who wrote to whom, when, the subject, and the
body as plain text without the quoted reply and the signature.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Address:
    name: str  # the display name, decoded ("" when none)
    email: str  # the address as written, lower-cased


@dataclass(frozen=True)
class Mail:
    message_id: str | None  # without the angle brackets; None when the mail has none
    subject: str  # decoded, on one line ("" when none)
    sender: Address | None  # From
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    date: datetime | None  # aware UTC, from the Date header; None when missing or unreadable
    text: str  # the body as plain text, the quoted reply and the signature trimmed
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()


def parse(data: bytes) -> Mail:
    """One message from its bytes. Raises errors.Invalid with one line saying what is wrong when
    the bytes are not a mail crm can log (no From, nothing that looks like a header)."""
    from email import policy
    from email.parser import BytesParser
    from email.utils import getaddresses, parsedate_to_datetime

    from crmcli.errors import Invalid

    message = BytesParser(policy=policy.default).parsebytes(data)
    if message.get("From") is None:
        raise Invalid("not a mail: it has no From header")

    def addresses(header: str) -> tuple[Address, ...]:
        return tuple(Address(name, email.lower()) for name, email in getaddresses(message.get_all(header, []))
                     if email)

    senders = addresses("From")
    try:
        date = parsedate_to_datetime(str(message["Date"])) if message["Date"] else None
    except (TypeError, ValueError):
        date = None
    body = message.get_body(preferencelist=("plain", "html"))
    text = body.get_content() if body is not None else ""
    message_id = str(message["Message-ID"] or "").strip().strip("<>") or None
    return Mail(message_id=message_id, subject=" ".join(str(message["Subject"] or "").split()),
                sender=senders[0] if senders else None, to=addresses("To"), cc=addresses("Cc"),
                date=date, text=text.strip())
