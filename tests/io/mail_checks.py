"""What any mail crm reads must be, shared by tests/io/test_mail.py and the hostile-input proofs."""

from __future__ import annotations

from datetime import UTC

from crmcli.errors import Invalid
from crmcli.io.mail import parse


def assert_mail_or_refused(data: bytes) -> None:
    """A Mail whose every text a database stores, or errors.Invalid in one line."""
    try:
        mail = parse(data)
    except Invalid as refused:
        assert str(refused) and "\n" not in str(refused)
        return
    texts = [mail.subject, mail.text, mail.message_id or "", mail.in_reply_to or "", *mail.references]
    for address in (*([mail.sender] if mail.sender else []), *mail.to, *mail.cc):
        texts += [address.name, address.email]
        assert "@" in address.email and address.email == address.email.lower()
    for text in texts:
        text.encode("utf-8")  # no lone surrogate
        assert "\0" not in text and "\r" not in text
    assert "\n" not in mail.subject and mail.subject == mail.subject.strip()
    assert mail.date is None or mail.date.tzinfo == UTC
    for found in ([mail.message_id] if mail.message_id else []) + ([mail.in_reply_to] if mail.in_reply_to else []) \
            + list(mail.references):
        assert found and "<" not in found and ">" not in found and len(found) <= 250
