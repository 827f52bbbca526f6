"""crmcli/io/vcard.py: text escaped, folded and read back; the vCard dialects other programs write."""

from __future__ import annotations

import io

import pytest
import vobject
from hypothesis import given
from hypothesis import strategies as st

from crmcli.io import vcard
from crmcli.io.readers import ReadError


def _cards(text: str) -> list[dict]:
    _, records = vcard.read(io.StringIO(text, newline=""))
    return [{"line": r.line, **r.values} for r in records]


def _unfolded(text: str) -> list[str]:
    return [line for _, line in vcard.unfold(io.StringIO(text, newline=""))]


def test_escape_and_unescape() -> None:
    raw = "a\\b, c; d\ne"
    assert vcard.escape(raw) == "a\\\\b\\, c\\; d\\ne"
    assert vcard.unescape(vcard.escape(raw)) == raw
    assert vcard.split_value(vcard.escape("Acme; Ltd") + ";Sales", ";") == ["Acme; Ltd", "Sales"]


def test_fold_keeps_lines_within_75_octets_and_never_splits_a_character() -> None:
    line = "NOTE:" + "é" * 100 + "x" * 80
    folded = vcard.fold(line)
    pieces = folded.split("\r\n")
    assert pieces[-1] == "" and all(len(p.encode("utf-8")) <= 75 for p in pieces)
    assert all(p.startswith(" ") for p in pieces[1:-1])
    assert _unfolded(folded) == [line]
    assert vcard.fold("FN:Ann") == "FN:Ann\r\n"


@given(st.text(min_size=0, max_size=300))
def test_any_text_survives_escape_fold_unfold(text: str) -> None:
    line = "NOTE:" + vcard.escape(text)
    [logical] = _unfolded(vcard.fold(line))
    prop = vcard.parse_line(logical)
    assert prop is not None and vcard.unescape(prop.value) == text.replace("\r\n", "\n").replace("\r", "\n")


def test_unfold_takes_crlf_and_lf_and_tab_continuations() -> None:
    assert _unfolded("FN:An\r\n n Lee\r\nNOTE:a\n\tb\n") == ["FN:Ann Lee", "NOTE:ab"]


def test_a_written_card_reads_back_and_parses_with_vobject() -> None:
    card = vcard.Card(uid="4b3c2f51-9a0e-4c57-8a42-6f1d2b7e9c10", name="Zoë van der Berg", title="CTO, R&D",
                      org="Acme; Ltd", emails=[("work", "zoe@acme.example"), (None, "z@home.example")],
                      phones=[("mobile", "+447700900123"), (None, "+442079460000")], tags=["client", "vip"],
                      note="Line one\nLine two, with; marks \\ and" + " long" * 30, fields={"source": "fair"},
                      rev="2026-03-06T23:10:37Z")
    text = vcard.card_text(card)
    assert text.endswith("END:VCARD\r\n") and "\n" not in text.replace("\r\n", "")
    assert "N:Berg;Zoë van der;;;\r\n" in text and "REV:20260306T231037Z\r\n" in text
    assert "EMAIL;TYPE=INTERNET,work,PREF:zoe@acme.example\r\n" in text
    assert "EMAIL;TYPE=INTERNET:z@home.example\r\n" in text
    parsed = next(vobject.readComponents(text))
    assert parsed.fn.value == "Zoë van der Berg" and parsed.org.value == ["Acme; Ltd"]
    assert parsed.note.value == card.note and parsed.categories.value == ["client", "vip"]
    assert [e.value for e in parsed.email_list] == ["zoe@acme.example", "z@home.example"]
    [back] = _cards(text)
    assert back == {"line": 1, "uid": card.uid, "name": card.name, "title": "CTO, R&D", "org": "Acme; Ltd",
                    "emails": ["work:zoe@acme.example", "z@home.example"],
                    "phones": ["mobile:+447700900123", "+442079460000"], "tags": ["client", "vip"],
                    "fields": {"notes": card.note, "source": "fair"}}


def test_vcard_21_quoted_printable_with_charset_and_soft_line_breaks() -> None:
    text = ("BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:M=FCller;J=FCrgen\r\n"
            "NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:Caf=C3=A9 on the=\r\n corner=0D=0Asecond line\r\n"
            "TEL;WORK;VOICE:+49 30 1234\r\nEMAIL;INTERNET;HOME:j@mueller.example\r\nEND:VCARD\r\n")
    [card] = _cards(text)
    assert card["name"] == "Jürgen Müller"
    assert card["fields"] == {"notes": "Café on the corner\nsecond line"}
    assert card["phones"] == ["work:+49 30 1234"] and card["emails"] == ["home:j@mueller.example"]


def test_vcard_40_tel_uris_and_both_type_forms() -> None:
    text = ("BEGIN:VCARD\nVERSION:4.0\nFN:Carlos Pérez\nUID:urn:uuid:9d8e7f60-1a2b-4c3d-8e9f-0a1b2c3d4e5f\n"
            'TEL;VALUE=uri;TYPE="cell,voice";PREF=1:tel:+34-600-123-456\n'
            "TEL;VALUE=uri;TYPE=voice;TYPE=work:tel:+34-910-000-111;ext=12\n"
            "item1.EMAIL;TYPE=pref,internet:c@sol.example\nEND:VCARD\n")
    [card] = _cards(text)
    assert card["phones"] == ["cell:+34-600-123-456", "work:+34-910-000-111"]
    assert card["emails"] == ["c@sol.example"] and card["uid"] == "urn:uuid:9d8e7f60-1a2b-4c3d-8e9f-0a1b2c3d4e5f"


def test_several_cards_named_by_their_begin_line_photo_and_unknown_skipped() -> None:
    text = ("BEGIN:VCARD\nVERSION:3.0\nN:Lee;Ann;;Dr.;\nORG:Acme;Sales\nCATEGORIES:a,b\\,c\nEND:VCARD\n\n"
            "BEGIN:VCARD\nVERSION:3.0\nFN:Priya Raman\nPHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQ\n AAAA:BBB;\n"
            "X-SOCIALPROFILE;TYPE=twitter:https://x.example/p\nEND:VCARD\n")
    first, second = _cards(text)
    assert (first["line"], first["name"], first["org"], first["tags"]) == (1, "Dr. Ann Lee", "Acme", ["a", "b,c"])
    assert (second["line"], second["name"], second["emails"], second["fields"]) == (8, "Priya Raman", [], {})


@pytest.mark.parametrize("text, line", [
    ("BEGIN:VCARD\nFN:Ann\n", 1),
    ("END:VCARD\n", 1),
    ("BEGIN:VCARD\nFN:Ann\nBEGIN:VCARD\nEND:VCARD\n", 1),
    ("BEGIN:VCARD\nFN:Ann\nno colon here\nEND:VCARD\n", 3),
])
def test_a_broken_file_names_its_line(text: str, line: int) -> None:
    with pytest.raises(ReadError) as caught:
        _cards(text)
    assert caught.value.line == line


@pytest.mark.parametrize("charset", ["undefined", "idna", "punycode", "rot13", "base64", "x-nope", "utf-16"])
def test_a_charset_python_cannot_decode_with_reads_as_utf8(charset: str) -> None:
    """Each of these raised (UnicodeError, LookupError...) or was taken for a file that is not UTF-8."""
    prop = vcard.parse_line(f"FN;ENCODING=QUOTED-PRINTABLE;CHARSET={charset}:Zo=C3=AB")
    assert prop is not None and isinstance(prop.value, str)
    if charset != "utf-16":  # a text encoding Python knows: read in it
        assert prop.value == "Zoë"
