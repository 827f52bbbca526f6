"""The mail the benchmarks log (bench/run.py: `crm log --eml`, `crm import mail`), written with the
standard library from the dataset's own contact addresses, deterministic (fixed seed and dates).

- `eml(path, addresses, n)`: one multipart mail of about 200 KB, as a mail client pipes it: a
  multipart/mixed of a multipart/alternative (a plain-text part with a long quoted thread and a
  signature, which logging trims, and its HTML twin) and a PDF attachment (never decoded). From the
  first address, to the user, Cc the next two; `n` makes its Message-ID new on every run.
- `mbox(path, addresses, count)`: `count` messages of a few KB each in one mbox file; nine in ten
  from or to a dataset contact (as a client's folder would hold), one in ten from a stranger.
"""

from __future__ import annotations

import mailbox
import random
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

ME = "me@bench.example"
SENT = datetime(2026, 10, 1, 9, 0, tzinfo=timezone.utc)  # before the dataset's anchor (2026-11-01)
WORDS = ("quote invoice deadline meeting project design review budget contract delivery schedule "
         "proposal timeline thanks please attached revised update question answer call next week").split()


def _prose(rng: random.Random, words: int) -> str:
    lines, line = [], []
    for _ in range(words):
        line.append(rng.choice(WORDS))
        if len(line) == 12:
            lines.append(" ".join(line))
            line = []
    return "\n".join(lines + [" ".join(line)])


def eml(path: Path, addresses: list[str], n: int) -> Path:
    rng = random.Random(14)
    mail = EmailMessage()
    mail["From"] = f"Ivan Brennan <{addresses[0]}>"
    mail["To"] = f"Me <{ME}>"
    mail["Cc"] = ", ".join(addresses[1:3])
    mail["Subject"] = "Re: the revised quote for the café project"
    mail["Date"] = format_datetime(SENT)
    mail["Message-ID"] = f"<bench-{n}@bench.example>"
    reply = _prose(rng, 400)
    thread = "\n".join("> " + line for line in _prose(rng, 10_200).splitlines())
    plain = f"{reply}\n\nOn Tue, 29 Sep 2026 at 10:00, Me <{ME}> wrote:\n{thread}\n\n-- \nIvan Brennan\nGranite Design\n"
    mail.set_content(plain)
    html = "".join(f"<p>{line}</p>" for line in plain.splitlines())
    mail.add_alternative(f"<html><body>{html}</body></html>", subtype="html")
    mail.add_attachment(rng.randbytes(20_000), maintype="application", subtype="pdf", filename="quote.pdf")
    path.write_bytes(bytes(mail))
    return path


def mbox(path: Path, addresses: list[str], count: int) -> Path:
    """Written once, then kept (the file name carries the count)."""
    if path.exists():
        return path
    rng = random.Random(10_000)
    part = path.with_name(path.name + ".part")
    part.unlink(missing_ok=True)
    box = mailbox.mbox(str(part))
    for n in range(count):
        mail = EmailMessage()
        contact = rng.choice(addresses)
        stranger = f"stranger{n}@elsewhere.example"
        sender, to = (contact, ME) if n % 10 < 6 else (ME, contact) if n % 10 < 9 else (stranger, ME)
        mail["From"], mail["To"] = sender, to
        if n % 7 == 0:
            mail["Cc"] = rng.choice(addresses)
        mail["Subject"] = f"Re: {rng.choice(WORDS)} {rng.choice(WORDS)} #{n}"
        mail["Date"] = format_datetime(SENT - timedelta(minutes=37 * (count - n)))
        mail["Message-ID"] = f"<mbox-{n}@bench.example>"
        body = _prose(rng, rng.randint(30, 300))
        quoted = "\n".join("> " + line for line in _prose(rng, rng.randint(0, 200)).splitlines())
        mail.set_content(f"{body}\n\nOn Mon, Me wrote:\n{quoted}\n")
        box.add(mail)
    box.flush()
    box.close()
    part.rename(path)
    return path
