"""Reading mail (crmcli/io/mail.py): real-looking mails as mutt, Outlook, Gmail and phones write them,
decoded and trimmed to the writer's own words; mbox files and maildir folders; and any bytes at all
either read as a Mail or refused in one line (errors.Invalid), never another exception."""

from __future__ import annotations

import hashlib
import mailbox
import os
import re
from datetime import UTC, datetime
from email.headerregistry import Address as StdAddress
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from crmcli.errors import CrmError, Invalid
from crmcli.io.html_text import html_to_text
from crmcli.io.mail import Address, Mail, decode, decode_words, parse, read_mailbox, read_maildir, read_mbox, trim, unflow
from tests.io.mail_checks import assert_mail_or_refused

SAMPLES = Path(__file__).resolve().parent / "mail"
ACCEPTANCE = Path(__file__).resolve().parents[2] / "examples" / "mail" / "sample-reply.eml"


def sample(name: str) -> Mail:
    return parse((SAMPLES / name).read_bytes())


# -- real-looking mails ----------------------------------------------------------------------------------

def test_a_reply_saved_by_mutt() -> None:
    """multipart/alternative (the plain part wins), a folded UTF-8 encoded-word subject, an inline
    reply between quotes with its attribution line, a signature after "-- "."""
    mail = sample("mutt-reply.eml")
    assert mail.subject == "Re: Angebot für die neue Website – nächste Schritte"
    assert mail.sender == Address("Ann Lée", "ann@acme.example")  # the address lower-cased
    assert mail.to == (Address("Me Myself", "me@freelancer.example"),)
    assert mail.cc == (Address("", "bob@acme.example"), Address("Marsh, Carol", "carol@acme.example"))
    assert mail.date == datetime(2026, 12, 4, 9, 17, 42, tzinfo=UTC) and mail.date.utcoffset() is not None
    assert mail.message_id == "20261204091742.GA1234@acme.example"
    assert mail.in_reply_to == "20261203160000.GB99@freelancer.example"
    assert mail.references == ("20261201120000.GA1@freelancer.example", "20261203160000.GB99@freelancer.example")
    assert mail.text == ("Hi,\n\nthanks for the quote – it looks good. Two questions:\n\n"
                         "Could we start on 11 January instead? Our team is away until then.\n\n"
                         "That is fine, we keep our own.\n\nBest,\nAnn")


def test_the_readme_tour_mail() -> None:
    """examples/mail/sample-reply.eml, the mail the README pipes into `crm log --eml -`."""
    mail = parse(ACCEPTANCE.read_bytes())
    assert mail.subject == "Re: Your quote for the new website – a few questions"
    assert mail.sender == Address("Ann Lee", "ann@acme.example")
    assert mail.date == datetime(2026, 12, 4, 9, 17, 42, tzinfo=UTC)
    assert mail.message_id == "20261204091742.GA4711@acme.example"
    assert mail.text == ("Hi,\n\nthanks for the quote – it looks good. Could we start on 11 January instead?\n\n"
                         "The hosting is not included, you wrote: that is fine, we keep our own.\n\nBest,\nAnn")


def test_an_html_only_mail_becomes_text() -> None:
    """Blocks on their own lines, <br><br> an empty line, list items, links with their address when it
    is not their text, entities decoded, the head, style and script gone, Gmail's quoted reply (a
    blockquote after its attribution) dropped."""
    mail = sample("html-only.eml")
    assert mail.message_id == "CAF=html.1@mail.example"
    assert mail.text == ("Hello there,\n\nthe invoice is attached & paid:\n\n- Design – 1,200 EUR\n- Build\n\n"
                         "See the portal (https://acme.example/invoices/1043) or https://acme.example/ or write to "
                         "billing@acme.example.\n\nTotal 3,400 EUR\nBob")


def test_an_outlook_reply() -> None:
    """Windows-1252 (subject and body), a phone's signature, and Outlook's original below a rule and
    a From/Sent block: all of it dropped."""
    mail = sample("outlook-reply.eml")
    assert mail.subject == "RE: Café order – revised"
    assert mail.to == (Address("me@freelancer.example", "me@freelancer.example"),)
    assert mail.date == datetime(2026, 12, 7, 14, 30, tzinfo=UTC)
    assert mail.text == "Hello,\n\nthe revised order is fine – we’ll take 20 café tables.\n\nRegards\nCarol"


def test_a_german_reply_in_latin_1_without_a_date() -> None:
    mail = sample("german-reply.eml")
    assert mail.subject == "AW: Grüße" and mail.sender == Address("Jürgen Müller", "juergen@mueller.example")
    assert mail.date is None
    assert mail.message_id == "juergen-1@mueller.example"  # written without its angle brackets
    assert mail.text == "Hallo,\n\nvielen Dank, das passt.\n\nGruß\nJürgen"


def test_a_french_reply_from_a_phone() -> None:
    """format=flowed (the soft line break joined), "Envoyé de mon iPhone", an attribution wrapped over
    two lines, a Date with a (CET) comment, a Message-ID in doubled brackets."""
    mail = sample("french-reply.eml")
    assert mail.subject == "Re: Réunion" and mail.sender == Address("Élodée Dupont", "elodee@dupont.example")
    assert mail.date == datetime(2026, 12, 8, 13, 5, tzinfo=UTC)
    assert mail.message_id == "weird@dupont.example"
    assert mail.text == ("Bonjour,\n\nC'est noté pour mardi, je vous envoie le dossier d'ici là, avec les plans et "
                         "le devis signé.")


def test_broken_charsets_give_replacement_characters() -> None:
    """An unknown charset (an encoded word's or the body's) read as UTF-8, else Windows-1252; bad UTF-8
    in a word that says UTF-8: U+FFFD; a NUL dropped; an unreadable Date: None."""
    mail = sample("broken-charset.eml")
    assert mail.subject == "café\ufffd ok"
    assert mail.text == "café crème € ÿend"
    assert mail.date is None and mail.message_id is None


def test_a_mail_whose_only_text_is_an_attachment_has_none() -> None:
    mail = sample("attachment-only.eml")
    assert mail.text == "" and mail.subject == "the files"


def _mail(body: str = "Hello", **headers: str) -> bytes:
    head = {"From": "Ann <ann@acme.example>", **headers}
    return ("".join(f"{k.replace('_', '-')}: {v}\n" for k, v in head.items()) + "\n" + body).encode("utf-8")


@pytest.mark.parametrize(("value", "expected"), [
    ("<a.1@acme.example>", "a.1@acme.example"),
    ("a.1@acme.example", "a.1@acme.example"),
    ("  <a.1@acme.example>  (the first)", "a.1@acme.example"),
    ("<<a.1@acme.example>>", "a.1@acme.example"),
    ("<a.1@acme.example> <b.2@acme.example>", "a.1@acme.example"),
    ("", None),
    ("<>", None),
    ("not an id at all", None),
    ("<" + "x" * 300 + "@acme.example>",
     "sha256:" + hashlib.sha256(("x" * 300 + "@acme.example").encode()).hexdigest()),
])
def test_message_id_forms(value: str, expected: str | None) -> None:
    """Without brackets; a bare id read as it is; one longer than any real id kept as its digest (a
    database index holds it, and the same mail still has the same id)."""
    assert parse(_mail(Message_ID=value)).message_id == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("=?utf-8?q?a_b?= =?utf-8?q?c?=", "a bc"),  # the space between two words is no text
    ("=?utf-8?q?a?= x =?UTF-8?Q?b?=", "a x b"),  # text between them is
    ("=?utf-8?b?w6k?=", "é"),  # base64 without its padding
    ("=?utf-8?b?w6k=?=", "é"),
    ("=?utf-8?b?QUJDREU?=", "ABCDE"),
    ("=?utf-8?b?w6#k?=", "é"),  # a stray character
    ("=?utf-8?b?####?=", ""),
    ("=?utf-8*en?q?=C3=A9?=", "é"),  # RFC 2231's language
    ("=?iso-8859-1?q?caf=E9?=", "café"),
    ("=?x-unknown?q?caf=E9?=", "café"),  # a charset Python lacks: UTF-8, else Windows-1252
    ("=?utf-8?q?caf=E9?=", "caf\ufffd"),  # not UTF-8 after all
    ("=?base64?q?x?=", "x"),  # a codec that is not a charset
    ('"=?utf-8?q?Lee,_Ann?="', '"Lee, Ann"'),
    ("raw \udcc3\udca9", "raw é"),  # 8-bit bytes as the parser keeps them: UTF-8...
    ("\udce9t\udce9", "été"),  # ... else Windows-1252
    ("a =?bogus ?= b", "a =?bogus ?= b"),
    ("", ""),
])
def test_decode_words(value: str, expected: str) -> None:
    assert decode_words(value) == expected


def test_in_reply_to_and_references() -> None:
    long = "r" * 300 + "@x.example"
    mail = parse(_mail(In_Reply_To="<p@x.example> (Bob's mail)",
                       References=f"<a@x.example>\n <b@x.example> junk <{long}>"))
    assert mail.in_reply_to == "p@x.example"
    assert mail.references == ("a@x.example", "b@x.example", "sha256:" + hashlib.sha256(long.encode()).hexdigest())
    assert parse(_mail()).references == () and parse(_mail()).in_reply_to is None


@pytest.mark.parametrize(("value", "expected"), [
    ("Fri, 4 Dec 2026 10:17:42 +0100", datetime(2026, 12, 4, 9, 17, 42, tzinfo=UTC)),
    ("Fri, 4 Dec 2026 10:17:42 -0000", datetime(2026, 12, 4, 10, 17, 42, tzinfo=UTC)),  # zone unknown: UTC
    ("4 Dec 2026 10:17 +1400", datetime(2026, 12, 3, 20, 17, tzinfo=UTC)),
    ("Fri, 4 Dec 26 10:17:42 GMT", datetime(2026, 12, 4, 10, 17, 42, tzinfo=UTC)),  # a two-digit year
    ("Fri, 4 Dec 2026 10:17:42 EST", datetime(2026, 12, 4, 15, 17, 42, tzinfo=UTC)),
    ("yesterday", None),
    ("Fri, 31 Feb 2026 10:00:00 +0000", None),
    ("Fri, 31 Dec 9999 23:00:00 -1400", None),  # past year 9999 in UTC
    ("Mon, 1 Jan 10000 00:00:00 +0000", None),
    ("", None),
])
def test_dates(value: str, expected: datetime | None) -> None:
    when = parse(_mail(Date=value)).date
    assert when == expected
    assert when is None or when.tzinfo == UTC


def test_addresses_without_an_at_are_left_out_and_groups_flattened() -> None:
    mail = parse(_mail(To="undisclosed-recipients:;", Cc="Team: Bob <BOB@Acme.Example>, carl@acme.example;, nobody"))
    assert mail.to == () and mail.cc == (Address("Bob", "bob@acme.example"), Address("", "carl@acme.example"))
    assert parse(_mail(From="just a name")).sender is None  # a From naming no address: a mail, no sender


def test_a_mail_to_thousands() -> None:
    """A To of 3,000 addresses (past the length the structured parser is given) reads them all, their
    names decoded, as a short one does."""
    many = b", ".join(b"=?utf-8?q?J=C3=BCr?= =?utf-8?q?gen?= %d <X%d@y.example>" % (n, n) for n in range(3_000))
    mail = parse(b"From: a@b.example\nTo: " + many + b"\nCc: " + many[:200] + b"\n\nx")
    assert len(many) > 20_000 and len(mail.to) == 3_000
    assert mail.to[0] == Address("Jürgen 0", "x0@y.example") and mail.to[-1] == Address("Jürgen 2999", "x2999@y.example")
    assert mail.cc[0] == mail.to[0]


def test_a_display_name_in_encoded_words_split_by_a_fold() -> None:
    """RFC 2047: the space between two encoded words is no space of the name (Python's header
    parser kept one: "Jür gen")."""
    mail = parse(b"From: =?utf-8?q?J=C3=BCr?=\n =?utf-8?q?gen?= <j@x.example>\n"
                 b"To: =?utf-8?q?J=C3=BCr?= =?utf-8?q?gen?= M\xc3\xbcller <k@x.example>\n\nx")
    assert mail.sender == Address("Jürgen", "j@x.example") and mail.to == (Address("Jürgen Müller", "k@x.example"),)


@pytest.mark.parametrize(("data", "message"), [
    (b"", "not a mail: it is empty"),
    (b"  \n\r\n", "not a mail: it is empty"),
    (b"Hello, this is just text.\nNo headers at all.\n", "not a mail: it has no From header"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", "not a mail: it has no From header"),
    (b"To: ann@acme.example\nSubject: who sent it?\n\nbody", "not a mail: it has no From header"),
    (b"BEGIN:VCARD\nVERSION:4.0\nFN:Ann\nEND:VCARD\n", "not a mail: it has no From header"),
])
def test_what_is_not_a_mail_is_refused_in_one_line(data: bytes, message: str) -> None:
    with pytest.raises(Invalid) as refused:
        parse(data)
    assert str(refused.value) == message and refused.value.exit_code == 2


def test_an_mbox_of_one_mail_is_that_mail_and_of_several_refused() -> None:
    """aerc pipes marked mails as an mbox: one is read (its "From " line skipped), several refused
    (logging the first with the others as its body would be wrong)."""
    one = b"From ann@acme.example Fri Dec  4 10:00:00 2026\n" + (SAMPLES / "mutt-reply.eml").read_bytes()
    assert parse(one) == sample("mutt-reply.eml")
    with pytest.raises(Invalid, match=r"^these are 2 mails \(an mbox\), not one: log them as a mailbox$"):
        parse(one + b"\nFrom bob@acme.example Fri Dec  4 11:00:00 2026\nFrom: bob@acme.example\n\nhi\n")


def test_hostile_headers_read_without_an_exception() -> None:
    """Thousands of nested comments made the standard library's address parser recurse too deep."""
    mail = parse(b"From: " + b"(" * 5_000 + b"a@b.example\nTo: " + b"<" * 5_000 + b"\nDate: " + b"9" * 5_000 +
                 b"\nSubject: =?utf-8?b?" + b"\xff" * 50 + b"?=\n\nhi")
    assert mail.sender is None and mail.to == () and mail.date is None and mail.text == "hi"


# -- trimming --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    # a top-posted reply above the quoted original and its attribution
    ("Yes, Tuesday works.\n\nOn Mon, 7 Dec 2026 at 09:00, Bob <bob@acme.example> wrote:\n> Tuesday?\n>\n> Bob\n",
     "Yes, Tuesday works."),
    # an attribution wrapped over two lines
    ("Fine.\n\nOn Mon, 7 Dec 2026 at 09:00, Bob Marsh <\nbob@acme.example> wrote:\n\n> Tuesday?\n", "Fine."),
    # inline answers between quotes stay, the quotes go
    ("Ann wrote:\n> one?\nYes.\n> two?\n\nNo.\n\n> three?\n", "Yes.\n\nNo."),
    # a quote not at the start of a line is text
    ("a > b, and x >= y\n", "a > b, and x >= y"),
    # a signature (RFC 3676 "-- ") and all after it; "--" without its space too
    ("Thanks\n-- \nAnn Lee\nAcme Ltd\n", "Thanks"),
    ("Thanks\n--\nAnn\n", "Thanks"),
    # phones' signatures, wherever they are
    ("Ok\n\nSent from my iPhone\n", "Ok"),
    ("Ok\nVon meinem iPhone gesendet\n", "Ok"),
    ("Ok\n\nGet Outlook for Android\n", "Ok"),
    # Outlook's original, in its two forms and in German
    ("Agreed.\n\n-----Original Message-----\nFrom: Me\nSent: Monday\nHi\n", "Agreed."),
    ("Agreed.\n\n________________________________\nFrom: Me <me@x.example>\nSent: Monday, 7 December 2026\n"
     "To: Ann\nSubject: Plan\n\nThe plan\n", "Agreed."),
    ("Passt.\n\nVon: Ich <me@x.example>\nGesendet: Montag, 7. Dezember 2026 09:00\nAn: Ann\n\nDer Plan\n", "Passt."),
    ("Le plan.\n\n-----Message d'origine-----\nDe : Moi\n", "Le plan."),
    # a "From:" in one's own text, with no Sent: after it, stays
    ("From: the desk of Ann\nWe agree.\n", "From: the desk of Ann\nWe agree."),
    # an attribution-like line with no quote after it stays
    ("My colleague wrote:\nthe numbers are fine.\n", "My colleague wrote:\nthe numbers are fine."),
    # blank lines: runs collapsed, none at either end, trailing spaces gone; CRLF read as LF
    ("\n\nA  \r\n\r\n\r\n\r\nB\t\n\n\n", "A\n\nB"),
    ("Am 07.12.2026 um 09:00 schrieb Bob Marsh <bob@acme.example>:\n> alles gut?\n", ""),
    ("Le lun. 7 déc. 2026 à 09:00, Bob <bob@acme.example> a écrit :\n> ça va ?\nOui.\n", "Oui."),
])
def test_trim(text: str, expected: str) -> None:
    assert trim(text) == expected


quoted_mail_lines = st.lists(st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=20),
    st.sampled_from(["> quoted", ">", "", "-- ", "--", "Sent from my iPhone", "On Mon, Ann wrote:", "From: Me",
                     "Sent: Monday", "-----Original Message-----", "___", "Am Montag schrieb Ann:", "a écrit :",
                     "  ", "\r"])), max_size=30).map("\n".join)


@settings(max_examples=300, deadline=None)
@given(text=quoted_mail_lines)
def test_trim_keeps_no_quote_and_is_stable(text: str) -> None:
    """What trim keeps holds no quoted line, no blank line at its ends or two in a row, and trimming
    it again changes nothing."""
    kept = trim(text)
    lines = kept.split("\n")
    assert not any(line.startswith(">") for line in lines)
    assert "\n\n\n" not in kept and kept == kept.strip("\n")
    assert trim(kept) == kept


def test_unflow() -> None:
    """RFC 3676: a line ending in a space goes on; space-stuffing undone; DelSp=yes drops that space;
    quote depths kept apart; the signature separator "-- " is not a soft break."""
    assert unflow("one \ntwo\n three\n") == "one two\nthree\n"
    assert unflow("Zusammen\nge \nschrieben", delsp=True) == "Zusammen\ngeschrieben"
    assert unflow("> a \n> b\n>> c \nd\n") == "> a b\n>> c \nd\n"
    assert unflow("Ann\n-- \nsig") == "Ann\n-- \nsig"


@pytest.mark.parametrize(("data", "charset", "expected"), [
    ("café".encode("iso-8859-1"), "iso-8859-1", "café"),
    ("“ok” – €".encode("windows-1252"), "windows-1252", "“ok” – €"),
    ("Zoë".encode("utf-8"), None, "Zoë"),  # no charset: UTF-8 first
    ("“ok” – €".encode("windows-1252"), None, "“ok” – €"),  # not UTF-8: Windows-1252
    (b"\x81\x8d\x8f", None, "\x81\x8d\x8f"),  # bytes Windows-1252 has no letter for: Latin-1
    ("café".encode("utf-8"), "x-unknown", "café"),  # an unknown charset: guessed as for none
    (b"caf\xe9", "utf-8", "caf\ufffd"),  # a bad byte in the declared charset: U+FFFD
    (b"a\x00b\r\nc\rd", "us-ascii", "ab\nc\nd"),  # NUL dropped, line ends LF
    (b"abc", "base64", "abc"),  # a codec that is not a text encoding
    (b"\xff\xfe", "idna", "\xff\xfe"),  # a codec that refuses errors="replace"
])
def test_decode(data: bytes, charset: str | None, expected: str) -> None:
    assert decode(data, charset) == expected


@pytest.mark.parametrize(("client", "html", "expected"), [
    ("Thunderbird", '<html><body><p>Yes, Tuesday.</p><div class="moz-cite-prefix">On 07.12.26 09:00, Bob Marsh wrote:'
     '<br></div><blockquote type="cite"><p>Tuesday?</p></blockquote><pre class="moz-signature" cols="72">-- \nBob'
     "</pre></body></html>", "Yes, Tuesday."),
    ("Outlook", '<html><body><div class=WordSection1><p class=MsoNormal>Agreed.<o:p></o:p></p><p class=MsoNormal>'
     '<o:p>&nbsp;</o:p></p><div style="border:none;border-top:solid #E1E1E1 1.0pt"><p class=MsoNormal><b>From:</b>'
     " Me &lt;me@x.example&gt;<br><b>Sent:</b> Monday, December 7, 2026 9:00 AM<br><b>To:</b> Carol<br>"
     "<b>Subject:</b> Plan</p></div><p>The plan</p></div></body></html>", "Agreed."),
    ("Apple Mail", '<html><body dir="auto">Fine by me.<br><br><div dir="ltr">Sent from my iPhone</div>'
     '<div dir="ltr"><br><blockquote type="cite">On 7 Dec 2026, at 09:00, Bob &lt;bob@x.example&gt; wrote:<br><br>'
     '</blockquote></div><blockquote type="cite"><div dir="ltr">Tuesday?</div></blockquote></body></html>',
     "Fine by me."),
])
def test_html_replies_of_the_common_clients_are_trimmed(client: str, html: str, expected: str) -> None:
    """An HTML-only reply as each client writes it: its quote (a blockquote), the attribution, the
    signature, Outlook's header block and a phone's line left out."""
    assert parse(_mail(html, Content_Type="text/html; charset=utf-8")).text == expected


@pytest.mark.parametrize(("html", "expected"), [
    ("<p>One</p><p>Two</p>", "One\n\nTwo"),
    ("a<br>b<br><br>c", "a\nb\n\nc"),
    ("<ul><li>x<ul><li>y</li></ul></li><li>z</li></ul>", "- x\n  - y\n- z"),
    ('<a href="https://x.example/a">here</a>', "here (https://x.example/a)"),
    ('<a href="mailto:ann@x.example">ann@x.example</a>', "ann@x.example"),
    ('<a href="#top">top</a> <a href="javascript:go()">go</a>', "top go"),
    ("<head><title>T</title><style>p{}</style></head><body>&lt;b&gt; &amp; &eacute;&#233;&#x263A;</body>",
     "<b> & éé☺"),
    ("<html><head><title>no end<body>Hi", "Hi"),  # a head never closed
    ("<pre>a\n   b</pre>", "a\n   b"),
    ("<div>said:</div><blockquote>q<p>r</p></blockquote>after", "said:\n\n> q\n\n> r\n\nafter"),
    ("<![if foo]>x<!bad> <? pi ?>y", "x y"),
    ("", ""),
])
def test_html_to_text(html: str, expected: str) -> None:
    assert html_to_text(html) == expected


# -- any bytes at all ------------------------------------------------------------------------------------

REAL = [p.read_bytes() for p in sorted(SAMPLES.glob("*.eml"))]


def _mutated(data: bytes, cuts: list[tuple[int, int, bytes]]) -> bytes:
    for start, length, insert in cuts:
        start %= len(data) + 1
        data = data[:start] + insert + data[start + length:]
    return data


HEADERISH = [b"\n", b"\r\n", b"\n\n", b":", b"=?", b"?=", b"=?utf-8?b?", b"=?x?q?=FF", b"<", b">", b"(", b")", b'"',
             b"\\", b"\x00", b"\xff", b"\xe9", b"boundary=", b"--", b"Content-Type: multipart/mixed; boundary=x\n",
             b"Content-Transfer-Encoding: base64\n", b"charset=", b"format=flowed", b"text/html", b"<p>", b"<!["]
mutations = st.lists(st.tuples(st.integers(0, 5_000), st.integers(0, 40),
                               st.one_of(st.binary(max_size=12), st.sampled_from(HEADERISH))), min_size=1, max_size=6)


FUZZ = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@FUZZ
@given(data=st.binary(max_size=2_000))
@example(data=b"From: a@b.example\n\n<html>")
@example(data=b"From: a@b.example\nContent-Type: text/html\n\n<![if x]>")
def test_any_bytes(data: bytes) -> None:
    assert_mail_or_refused(data)


@FUZZ
@given(which=st.integers(0, len(REAL) - 1), cuts=mutations)
def test_real_mails_changed_at_random(which: int, cuts: list[tuple[int, int, bytes]]) -> None:
    assert_mail_or_refused(_mutated(REAL[which], cuts))


printable = st.text(st.characters(exclude_categories=("Cs", "Cc", "Zl", "Zp")), max_size=40)


@settings(max_examples=200, deadline=None)
@given(subject=printable, name=printable, local=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_%+-]{0,19}", fullmatch=True),
       body=st.lists(printable.filter(lambda s: s.strip() and not s.startswith((">", "-", "Sent", "Get"))),
                     min_size=1, max_size=5))
def test_what_the_standard_library_writes_reads_back(subject: str, name: str, local: str, body: list[str]) -> None:
    """A mail written by Python's email package (encoded words, quoted-printable or base64 as it
    chooses) gives back its subject and sender as written, spaces collapsed, and its body's lines."""
    message = EmailMessage()
    message["From"] = StdAddress(display_name=name, addr_spec=f"{local}@Acme.example")
    message["Subject"] = subject
    message.set_content("\n".join(body))
    mail = parse(message.as_bytes())
    assert mail.subject == " ".join(subject.split())
    assert mail.sender == Address(" ".join(name.split()), f"{local}@acme.example".lower())
    assert mail.text.split("\n") == [line.rstrip() for line in trim("\n".join(body)).split("\n")]


# -- mailboxes -------------------------------------------------------------------------------------------

def _message(subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Ann Lee <ann@acme.example>"
    message["Subject"] = subject
    message.set_content(body)
    return message


def test_an_mbox_written_by_the_standard_library(tmp_path: Path) -> None:
    """Each message with its position; a body's "From " line (quoted ">From " in the file) read back;
    the blank line between messages is no message's."""
    box = mailbox.mbox(tmp_path / "box")
    for n in range(1, 4):
        box.add(_message(f"number {n}", f"Hello {n}\nFrom here on we agree.\n"))
    box.close()
    read = list(read_mbox(tmp_path / "box"))
    assert [label for label, _ in read] == ["message 1 (line 1)", "message 2 (line 11)", "message 3 (line 21)"]
    mails = [parse(data) for _, data in read]
    assert [m.subject for m in mails] == ["number 1", "number 2", "number 3"]
    assert mails[1].text == "Hello 2\nFrom here on we agree."
    assert all(not data.endswith(b"\n\n") for _, data in read)


def _written_as_mboxrd(mails: list[bytes]) -> bytes:
    """An mbox as mboxrd writers make it: a "From " line before each mail, every line of it matching
    >*From quoted with one more ">", a blank line after it."""
    return b"".join(b"From x@y.example Fri Dec  4 10:17:42 2026\n" + re.sub(rb"(?m)^(>*From )", rb">\1", mail) + b"\n"
                    for mail in mails)


@settings(max_examples=200, deadline=None)
@given(mails=st.lists(st.one_of(st.binary(max_size=200), st.lists(st.sampled_from(
    [b"From ", b">From ", b">>From x", b"\n", b"\r\n", b"\r", b"From: a@b.example", b"", b" ", b"x"]), max_size=12)
    .map(b"".join)).map(lambda m: m if m.endswith(b"\n") else m + b"\n"), max_size=5))
def test_an_mbox_reads_back_what_was_written(tmp_path_factory: pytest.TempPathFactory, mails: list[bytes]) -> None:
    """Any mails (each ending in a line break, as a mail does), written as an mboxrd, read back byte
    for byte, each at the line its "From " line is on."""
    path = tmp_path_factory.mktemp("mbox") / "box"
    path.write_bytes(_written_as_mboxrd(mails))
    read = list(read_mbox(path))
    assert [data for _, data in read] == mails
    starts, line = [], 1
    for mail in mails:
        starts.append(line)
        line += 2 + mail.count(b"\n")
    assert [label for label, _ in read] == [f"message {n} (line {start})" for n, start in enumerate(starts, 1)]


def test_mboxrd_quoting_is_undone_one_level(tmp_path: Path) -> None:
    (tmp_path / "rd").write_bytes(b"From ann@acme.example Fri Dec  4 10:00:00 2026\r\nFrom: ann@acme.example\r\n"
                                  b"Subject: q\r\n\r\n>From the start\r\n>>From here, quoted once\r\n>From: not quoted\r\n\r\n"
                                  b"From bob@acme.example Fri Dec  4 11:00:00 2026\r\nFrom: bob@acme.example\r\n\r\nx\r\n")
    (first, one), (second, two) = read_mbox(tmp_path / "rd")
    assert (first, second) == ("message 1 (line 1)", "message 2 (line 9)")
    assert one.endswith(b"\r\n\r\nFrom the start\r\n>From here, quoted once\r\n>From: not quoted\r\n")
    assert parse(two).sender == Address("", "bob@acme.example")


def test_an_empty_mbox_has_no_messages_and_a_text_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty").write_bytes(b"\n\n")
    assert list(read_mbox(tmp_path / "empty")) == []
    (tmp_path / "one.eml").write_bytes(b"\nFrom: ann@acme.example\nSubject: a single mail\n\nhi\n")
    with pytest.raises(Invalid, match=r"^.*one.eml is not an mbox file: line 2 is not a 'From ' line starting a "
                                      r"message$"):
        list(read_mailbox(tmp_path / "one.eml"))


def _deliver(folder: Path, name: str, subject: str) -> None:
    (folder / name).write_bytes(_message(subject, "x").as_bytes())


def test_a_maildir_in_order_of_delivery(tmp_path: Path) -> None:
    """new/ and cur/ read, tmp/ (deliveries not done) and dot files not; delivery time first (the
    seconds, then the microseconds of an M part), then the name; a name of another form last, a
    control character in it escaped (the name is shown in a message line)."""
    root = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True)
    _deliver(root / "cur", "1796547600.M5P1.host:2,S", "third")
    _deliver(root / "new", "1796547600.M40P2.host", "fourth")
    _deliver(root / "cur", "1796547599.M999999P3.host:2,RS", "second")
    _deliver(root / "new", "999999999.host", "first")  # fewer digits: earlier, not later by name
    _deliver(root / "cur", "odd-name", "last")
    _deliver(root / "tmp", "1796547500.M1P1.host", "not delivered yet")
    _deliver(root / "cur", ".hidden", "not a message")
    _deliver(root / "cur", "z\nnewline\x1b", "named by a hostile hand")
    read = list(read_mailbox(root))
    assert [label for label, _ in read] == ["new/999999999.host", "cur/1796547599.M999999P3.host:2,RS",
                                            "cur/1796547600.M5P1.host:2,S", "new/1796547600.M40P2.host",
                                            "cur/odd-name", "cur/z\\nnewline\\x1b"]
    assert [parse(data).subject for _, data in read] == ["first", "second", "third", "fourth", "last",
                                                         "named by a hostile hand"]
    assert list(read_maildir(root)) == read  # the same, asked for by name


def test_a_maildir_made_by_the_standard_library(tmp_path: Path) -> None:
    box = mailbox.Maildir(tmp_path / "md")
    for n in range(5):
        box.add(_message(f"m{n}", "x"))
    assert sorted(parse(data).subject for _, data in read_mailbox(tmp_path / "md")) == [f"m{n}" for n in range(5)]


def test_what_is_neither_an_mbox_nor_a_maildir(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    with pytest.raises(Invalid, match="is neither an mbox file nor a maildir folder"):
        read_mailbox(tmp_path / "folder")
    with pytest.raises(CrmError, match="^cannot read .*missing: no such file or folder$") as missing:
        read_mailbox(tmp_path / "missing")
    assert missing.value.exit_code == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_mbox(tmp_path: Path) -> None:
    (tmp_path / "box").write_bytes(b"From x\n")
    (tmp_path / "box").chmod(0)
    with pytest.raises(CrmError, match="^cannot read .*box: Permission denied$"):
        read_mailbox(tmp_path / "box")


def test_an_mbox_is_read_a_message_at_a_time(tmp_path: Path) -> None:
    """The reader holds one message: the first comes before the file is read to its end (a file
    still being written is read as far as it is)."""
    path = tmp_path / "growing"
    path.write_bytes(b"From a\nFrom: a@b.example\n\none\n\nFrom b\nFrom: b@b.example\n\ntwo\n")
    messages = read_mbox(path)
    assert next(messages)[0] == "message 1 (line 1)"
    with path.open("ab") as more:
        more.write(b"\nFrom c\nFrom: c@b.example\n\nthree\n")
    assert [label for label, _ in messages] == ["message 2 (line 6)", "message 3 (line 11)"]
