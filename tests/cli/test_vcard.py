"""`crm export vcard` and `crm import contacts ... .vcf`: contacts out to address books and back."""

from __future__ import annotations

import json
from pathlib import Path

import vobject

from tests.conftest import Run

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "import" / "contacts.vcf"
DERIVED = ("id", "created", "updated", "last_contact", "cadence_days")  # vCard has no cadence


def _contacts(ok: Run, *db: str) -> list[dict]:
    rows = json.loads(ok(*db, "export", "contacts", "--format", "json").stdout)
    return sorted(({k: v for k, v in row.items() if k not in DERIVED} for row in rows), key=lambda r: r["uid"])


def _vcards(text: str) -> list:
    return list(vobject.readComponents(text))


def _more(ok: Run) -> None:
    ok("contacts", "edit", "Ann Lee", "--set-field", "notes=Met at the fair; wants a quote,\nthen a call")
    ok("contacts", "add", "Zoë van der Berg", "--email", "home:zoe@berg.example", "--phone", "mobile:+44 7700 900123",
       "--tag", "press", "--title", "Head of " + "very long titles " * 6)


def test_export_to_stdout_is_one_file_every_card_parses(ann: Run) -> None:
    _more(ann)
    result = ann("export", "vcard")
    assert result.stderr == ""
    cards = _vcards(result.stdout)
    assert [c.fn.value for c in cards] == ["Ann Lee", "Anna Berg", "Bob Marsh", "Zoë van der Berg"]
    ann_lee = cards[0]
    assert ann_lee.n.value.family == "Lee" and ann_lee.n.value.given == "Ann"
    assert ann_lee.org.value == ["Acme Ltd"] and ann_lee.title.value == "CTO"
    assert ann_lee.categories.value == ["client", "vip"]
    assert ann_lee.note.value == "Met at the fair; wants a quote,\nthen a call"
    assert ann_lee.tel.value == "+442079460000" and ann_lee.email.value == "ann@acme.example"
    assert ann_lee.email.params["TYPE"] == ["INTERNET", "PREF"]
    assert cards[2].email.params["TYPE"] == ["INTERNET", "work", "PREF"]
    uids = [c.uid.value for c in cards]
    assert uids == [r["uid"] for r in sorted(_contacts(ann), key=lambda r: r["name"])]
    raw = result.stdout_bytes  # (`stdout` reads CRLF as LF)
    assert raw.endswith(b"END:VCARD\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n")) and b"\r\n titles" in raw  # folded


def test_export_to_a_file_says_how_many(ann: Run, tmp_path: Path) -> None:
    target = tmp_path / "all.vcf"
    result = ann("export", "vcard", "-o", str(target))
    assert result.stdout == "" and result.stderr == f"wrote 3 contacts to {target}\n"
    assert target.read_bytes() == ann("export", "vcard").stdout_bytes
    assert len(_vcards(target.read_text())) == 3


def test_export_to_a_folder_writes_one_uid_vcf_per_contact(ann: Run, tmp_path: Path) -> None:
    folder = tmp_path / "contacts" / "crm"
    result = ann("export", "vcard", "-o", f"{folder}/")
    assert result.stderr == f"wrote 3 contacts to {folder}/\n"
    uids = sorted(r["uid"] for r in _contacts(ann))
    assert sorted(p.name for p in folder.iterdir()) == [f"{u}.vcf" for u in uids]
    for path in folder.iterdir():
        [card] = _vcards(path.read_text())
        assert f"{card.uid.value}.vcf" == path.name
    ann("contacts", "add", "Cy Dean")
    assert ann("export", "vcard", "-o", str(folder)).stderr == f"wrote 4 contacts to {folder}/\n"  # an existing one
    assert len(list(folder.iterdir())) == 4


def test_export_then_import_into_an_empty_database_keeps_every_contact(ann: Run, tmp_path: Path) -> None:
    _more(ann)
    exported = tmp_path / "all.vcf"
    ann("export", "vcard", "-o", str(exported))
    other = ("--db", str(tmp_path / "other.db"))
    first = ann(*other, "import", "contacts", str(exported))
    assert first.stderr.splitlines()[-1] == (f"imported {exported} (vCard): 4 created, 0 updated, 0 unchanged, "
                                             "0 skipped")
    assert _contacts(ann, *other) == _contacts(ann)
    again = ann(*other, "import", "contacts", str(exported))
    assert again.stderr.splitlines()[-1].endswith(": 0 created, 0 updated, 4 unchanged, 0 skipped")
    # A folder of <uid>.vcf reads back the same, and a second time changes nothing.
    folder = tmp_path / "cards"
    ann("export", "vcard", "-o", f"{folder}/")
    third = ("--db", str(tmp_path / "third.db"))
    assert ann(*third, "import", "contacts", str(folder)).stderr.endswith(": 4 created, 0 updated, 0 unchanged, "
                                                                          "0 skipped\n")
    assert _contacts(ann, *third) == _contacts(ann)
    # stdin with --format vcard
    fourth = ("--db", str(tmp_path / "fourth.db"))
    ann(*fourth, "import", "contacts", "-", "--format", "vcard", input=exported.read_text())
    assert _contacts(ann, *fourth) == _contacts(ann)


def test_the_example_file_imports(ok: Run) -> None:
    result = ok("import", "contacts", str(EXAMPLE))
    assert result.stderr.splitlines()[-1] == f"imported {EXAMPLE} (vCard): 3 created, 0 updated, 0 unchanged, 0 skipped"
    rows = {r["name"]: r for r in _contacts(ok)}
    zoe, carlos, priya = rows["Zoë Müller"], rows["Carlos Pérez"], rows["Priya Raman"]
    assert zoe["title"] == "Head of Sales for the German-speaking markets and the Nordic countries"
    assert zoe["org"] == "Nordlicht GmbH" and zoe["tags"] == ["trade-fair", "vip"]
    assert zoe["fields"] == {"notes": "Met at the Berlin fair – wants a quote for 40 seats."}
    assert zoe["emails"] == ["work:zoe.mueller@nordlicht.example"] and zoe["phones"] == ["work:+4930901820"]
    assert carlos["uid"] == "9d8e7f60-1a2b-4c3d-8e9f-0a1b2c3d4e5f"
    assert carlos["phones"] == ["cell:+34600123456", "work:+34910000111"]
    assert carlos["fields"] == {"notes": "Prefers WhatsApp, mornings only.\nSpanish or English."}
    assert priya["emails"] == ["priya@lotusdesign.example"] and priya["org"] == "Lotus Design Studio"
    assert ok("import", "contacts", str(EXAMPLE)).stderr.splitlines()[-1].endswith(": 0 created, 0 updated, "
                                                                                   "3 unchanged, 0 skipped")


def test_a_foreign_uid_is_kept_stable_and_a_bad_card_is_named_by_line(ok: Run, crm: Run, tmp_path: Path) -> None:
    source = tmp_path / "google.vcf"
    source.write_text("BEGIN:VCARD\nVERSION:3.0\nFN:Ann Lee\nUID:abc123@google.example\nEND:VCARD\n"
                      "BEGIN:VCARD\nVERSION:3.0\nEMAIL:nobody@x.example\nEND:VCARD\n")
    result = crm("import", "contacts", str(source))
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == f"{source}:6: no name: a contact needs one"
    ok("import", "contacts", str(source), "--skip-invalid")
    ok("import", "contacts", str(source), "--skip-invalid")
    assert [r["name"] for r in _contacts(ok)] == ["Ann Lee"]  # the same UID twice: one contact
    broken = tmp_path / "cut.vcf"
    broken.write_text("BEGIN:VCARD\nFN:Ann\n")
    result = crm("import", "contacts", str(broken))
    assert (result.exit_code, result.stderr) == (2, f"crm: {broken}:1: a vCard without END:VCARD; nothing imported\n")
    assert crm("import", "contacts", str(source), "--map", "FN=name").exit_code == 2
