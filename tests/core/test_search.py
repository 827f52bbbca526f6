"""The search service on a temp database (`db`: SQLite and PostgreSQL alike): scripts without spaces found
by any part of a word, deals and follow-ups ranked with contacts and organisations, the index kept
in step by triggers (on SQLite from any connection) and rebuilt to the same thing, and the snippets."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Connection

from crmcli.core.search import HIT_TYPES, fts_query, parse_query, search, snippet
from crmcli.core.text import fold
from crmcli.errors import Invalid
from crmcli.storage import search_index
from crmcli.storage.database import Database

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _insert(conn: Connection, table: str, **values: Any) -> None:
    stamps = {"created_at": NOW, "updated_at": NOW}
    row = {"uid": f"{table}-{values['id']}", **stamps, **values}
    conn.execute(sa.text(f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join(':' + k for k in row)})"), row)


def contact(conn: Connection, cid: int, name: str, **extra: Any) -> None:
    _insert(conn, "contact", id=cid, name=name, name_key=fold(name), **extra)


def interaction(conn: Connection, iid: int, body: str, *contacts: int) -> None:
    _insert(conn, "interaction", id=iid, kind="call", body=body, occurred_at=NOW)
    for cid in contacts:
        conn.execute(sa.text("INSERT INTO interaction_contact VALUES (:c, :i, :at)"), {"c": cid, "i": iid, "at": NOW})


def follow_up(conn: Connection, fid: int, cid: int, title: str, **extra: Any) -> None:
    _insert(conn, "follow_up", id=fid, contact_id=cid, title=title, due_at=NOW, all_day=False, **extra)


def deal(conn: Connection, did: int, name: str, **extra: Any) -> None:
    _insert(conn, "deal", id=did, name=name, name_key=fold(name), value_minor=100, currency="EUR", stage="lead",
            status="open", stage_changed_at=NOW, **extra)


def hits(conn: Connection, text: str, **options: Any) -> list[tuple[str, int]]:
    return [(row[0], row[1]) for row in search(conn, text, **options).rows]


def test_one_cjk_character_finds_the_names_and_text_it_is_part_of(db: Database) -> None:
    with db.connect(write=True) as conn:
        contact(conn, 1, "李小龙")
        contact(conn, 2, "王芳")
        interaction(conn, 1, "昨天和李先生开会，讨论了报价", 2)
        assert hits(conn, "李") == [("contact", 1), ("interaction", 1)]
        assert hits(conn, "小龙") == [("contact", 1)]
        assert hits(conn, "先生开") == [("interaction", 1)]
        assert hits(conn, "龙小") == [] and hits(conn, "李开") == []  # the characters in that order, side by side
        assert hits(conn, "李 报价") == [("interaction", 1)]  # every word, as in Latin text
        assert hits(conn, "报*") == [("interaction", 1)]


def test_mixed_words_korean_and_japanese(db: Database) -> None:
    with db.connect(write=True) as conn:
        contact(conn, 1, "김철수")    # its name key is folded: Hangul syllables taken apart
        contact(conn, 2, "渡辺ガク")  # ... and kana without voicing marks
        interaction(conn, 1, "김철수가 왔다", 1)
        interaction(conn, 2, "ガス代を払った。Q3报价单", 2)
        assert hits(conn, "철수") == [("contact", 1), ("interaction", 1)]
        assert hits(conn, "ガク") == [("contact", 2), ("interaction", 2)]  # the second by its person's name
        assert hits(conn, "カク") == [("contact", 2), ("interaction", 2)]  # names are folded, there too
        assert hits(conn, "ガス") == [("interaction", 2)]
        assert hits(conn, "カス") == []  # text as written keeps its voicing marks
        assert hits(conn, "q3报价") == [("interaction", 2)]


def test_latin_queries_are_as_before_and_cjk_words_are_phrases_of_characters() -> None:
    latin = parse_query('quot* "asked for a discount" José')
    assert fts_query(latin) == fts_query(latin, names=True) == '"quot"* AND "asked for a discount" AND "jose"'
    assert fts_query(parse_query("李先生 q3报价*")) == '"李 先 生" AND "q3 报 价"*'
    assert fts_query(parse_query("ガク"), names=True) == '("カ ク" OR "ガ ク")'  # folded names, text as written
    assert fts_query(parse_query("ガク")) == '"ガ ク"'


def test_follow_ups_and_deals_are_found_titled_and_filtered(db: Database) -> None:
    with db.connect(write=True) as conn:
        contact(conn, 1, "Ann Lee")
        follow_up(conn, 1, 1, "Send the revised quote", note="mention the 合同")
        follow_up(conn, 2, 1, "Call back", note="about the quote", done_at=NOW)
        deal(conn, 1, "Quote renewal", note="合同续签")
        interaction(conn, 1, "Talked about the quote", 1)
        rows = {(r[0], r[1]): r for r in search(conn, "quote").rows}
        assert set(rows) == {("follow-up", 1), ("follow-up", 2), ("deal", 1), ("interaction", 1)}
        assert rows[("follow-up", 1)][2:5] == ("follow-up for Ann Lee", "2026-03-02T09:00:00Z",
                                               "Send the revised **quote** mention the 合同")
        assert rows[("follow-up", 2)][2] == "follow-up for Ann Lee (done)"
        assert rows[("deal", 1)][2:5] == ("Quote renewal", None, "**Quote** renewal 合同续签")
        assert hits(conn, "quote", only="deal") == [("deal", 1)]
        assert sorted(hits(conn, "quote", only="follow-up")) == [("follow-up", 1), ("follow-up", 2)]
        assert sorted(hits(conn, "合同")) == [("deal", 1), ("follow-up", 1)]
        assert hits(conn, "合同", only="interaction") == []


def test_records_of_every_kind_are_ranked_together(db: Database) -> None:
    with db.connect(write=True) as conn:
        contact(conn, 1, "Ann Lee", title="zephyr project lead for the northern region and the islands")
        deal(conn, 1, "Zephyr")
        interaction(conn, 1, "Zephyr", 1)
        rows = list(search(conn, "zephyr").rows)
        assert [(r[0], r[1]) for r in rows] == [("deal", 1), ("contact", 1), ("interaction", 1)]
        assert rows[0][5] < rows[1][5]  # by rank, not by kind: the deal's short name matches best
        assert hits(conn, "zephyr", limit=2) == [("deal", 1), ("contact", 1)]


def test_accents_case_prefixes_and_phrases(db: Database) -> None:
    with db.connect(write=True) as conn:
        contact(conn, 1, "José Núñez", title="Zoë's & Søn")
        contact(conn, 2, "Ann Lee")
        interaction(conn, 1, "Met JOSÉ at the Café; asked for a discount of 10% on the quotation", 2)
        interaction(conn, 2, "Quota reached, the big discount is off", 2)
        assert hits(conn, "jose") == [("contact", 1), ("interaction", 1)]  # in a name and in a text
        assert hits(conn, "CAFE") == hits(conn, "café") == [("interaction", 1)]
        assert hits(conn, "zoe") == [("contact", 1)]
        assert sorted(hits(conn, "quot*")) == [("interaction", 1), ("interaction", 2)]
        assert hits(conn, "quot") == [] and hits(conn, "quotat*") == [("interaction", 1)]
        assert hits(conn, '"of 10"') == [("interaction", 1)] and hits(conn, '"big discount"') == [("interaction", 2)]
        assert hits(conn, '"the discount"') == [] and hits(conn, "big disc*") == [("interaction", 2)]
        row = search(conn, "cafe quot*", only="interaction").rows[0]
        assert row[4] == "Met JOSÉ at the **Café**; asked for a discount of 10% on …"  # the same on both


def test_operators_are_plain_words(db: Database) -> None:
    """Nothing a user types is read as FTS5 or tsquery syntax, and a word of punctuation alone finds nothing."""
    with db.connect(write=True) as conn:
        contact(conn, 1, "Ann Lee")
        interaction(conn, 1, "Discount and not the quote (yet) - or:maybe", 1)
        for text in ("discount & !quote", "discount |", "(discount) <-> quote", "quote:* or:maybe", "'yet'",
                     "NOT discount", "discount AND - quote", "\\discount"):
            assert hits(conn, text) == [("interaction", 1)], text
        assert hits(conn, "_") == [] and hits(conn, "discount _") == []


def test_a_name_match_ranks_above_a_note_match(db: Database) -> None:
    with db.connect(write=True) as conn:
        deal(conn, 1, "Lighthouse", note="next to the harbour")
        deal(conn, 2, "Harbour")
        follow_up(conn, 1, contact(conn, 1, "Ann Lee") or 1, "Call back", note="the harbour deal")
        rows = search(conn, "harbour").rows
        assert [(r[0], r[1]) for r in rows][0] == ("deal", 2) and rows[0][5] < rows[1][5]


def test_unknown_type_is_refused_without_naming_a_flag(db: Database) -> None:
    with db.connect() as conn, pytest.raises(Invalid) as refused:
        search(conn, "x", only="fax")
    assert "'fax'" in str(refused.value) and all(t in str(refused.value) for t in HIT_TYPES)
    assert "--" not in str(refused.value)


def test_triggers_follow_edits_and_deletes(db: Database) -> None:
    with db.connect(write=True) as conn:
        contact(conn, 1, "Ann Lee")
        contact(conn, 2, "Bob Marsh")
        follow_up(conn, 1, 1, "发送报价单")
        follow_up(conn, 2, 2, "Call Bob")
        deal(conn, 1, "Renewal")
        interaction(conn, 1, "和李先生开会", 1)
        conn.exec_driver_sql("UPDATE follow_up SET title = '寄合同' WHERE id = 1")
        conn.exec_driver_sql("UPDATE deal SET name = 'Upsell', name_key = 'upsell', note = '合同' WHERE id = 1")
        conn.exec_driver_sql("UPDATE interaction SET body = '和王先生吃饭' WHERE id = 1")
        assert hits(conn, "报价") == [] and hits(conn, "renewal") == [] and hits(conn, "李") == []
        assert sorted(hits(conn, "合同")) == [("deal", 1), ("follow-up", 1)]
        assert hits(conn, "upsell") == [("deal", 1)] and hits(conn, "王先") == [("interaction", 1)]
        conn.exec_driver_sql("DELETE FROM contact WHERE id = 2")  # its follow-ups go with it
        conn.exec_driver_sql("DELETE FROM deal WHERE id = 1")
        conn.exec_driver_sql("DELETE FROM interaction WHERE id = 1")
        assert hits(conn, "bob") == [] and hits(conn, "合同") == [("follow-up", 1)] and hits(conn, "先生") == []
        assert_index_sound(conn)


def assert_index_sound(conn: Connection) -> None:
    """SQLite: the contentless index forgot each row with the very text it was given (else it would
    be corrupt). PostgreSQL: the index rows are what a rebuild would make, no more, no fewer."""
    if conn.dialect.name == "sqlite":
        for table in ("interaction_fts", "entity_fts"):
            conn.exec_driver_sql(f"INSERT INTO {table} ({table}, rank) VALUES ('integrity-check', 1)")
        return
    from crmcli.storage import search_pg

    for table, select in search_pg.sources().items():
        kept = f"SELECT rowid, doc FROM {table}"
        differing = f"(({kept}) EXCEPT ({select})) UNION ALL (({select}) EXCEPT ({kept}))"
        assert conn.exec_driver_sql(f"SELECT count(*) FROM ({differing}) AS d").scalar() == 0, table


def test_a_bulk_load_is_indexed_once_at_the_end(db: Database) -> None:
    with db.connect(write=True) as conn:
        with search_index.suspended(conn):  # what db copy and import all do
            contact(conn, 1, "José Núñez")
            interaction(conn, 1, "Asked for a discount", 1)
            assert hits(conn, "discount") == [] and hits(conn, "jose") == []  # the triggers waited
        assert hits(conn, "jose discount") == [("interaction", 1)] and hits(conn, "nunez")[0] == ("contact", 1)
        contact(conn, 2, "Ann Lee")  # and work again
        assert hits(conn, "ann") == [("contact", 2)]
        assert_index_sound(conn)


@pytest.mark.sqlite_only("the sqlite3 shell writes to the file")
def test_writes_from_another_program_keep_the_index_right(db: Database) -> None:
    """The triggers need nothing crm registers: the sqlite3 shell can still write."""
    con = sqlite3.connect(db.path)  # type: ignore[arg-type]
    con.execute("INSERT INTO contact (id, uid, name, name_key, created_at, updated_at) "
                "VALUES (1, 'c-1', '李小龙', '李小龙', '2026-03-02 09:00:00', '2026-03-02 09:00:00')")
    con.execute("INSERT INTO interaction (id, uid, kind, body, occurred_at, created_at, updated_at) "
                "VALUES (1, 'i-1', 'call', '和李先生开会', '2026-03-02 09:00:00', '2026-03-02 09:00:00', "
                "'2026-03-02 09:00:00')")
    con.execute("UPDATE interaction SET body = '和李先生吃饭' WHERE id = 1")
    con.commit()
    con.close()
    with db.connect() as conn:
        assert hits(conn, "小龙") == [("contact", 1)]
        assert hits(conn, "吃饭") == [("interaction", 1)] and hits(conn, "开会") == []


def test_a_rebuild_indexes_what_the_triggers_did(db: Database) -> None:
    queries = ("李", "先生", "ann", "quot*", "合同", "철수", "ガス", "zoe", "stra*", "acme")
    with db.connect(write=True) as conn:
        _insert(conn, "organization", id=1, name="Acme 株式会社", name_key="acme 株式会社", website="acme.example")
        contact(conn, 1, "Zoë Øster", title="総務部長", org_id=1)
        contact(conn, 2, "김철수")
        conn.exec_driver_sql("INSERT INTO contact_email (contact_id, address, position) "
                             "VALUES (1, 'ann@acme.example', 0)")
        interaction(conn, 1, "Quotation: ガス代 und Straße – “quoted”", 1)
        interaction(conn, 2, "和李先生开会", 2)
        follow_up(conn, 1, 1, "寄合同", note="quote")
        deal(conn, 1, "合同 renewal", note="Ann's")
        by_triggers = {q: hits(conn, q) for q in queries}
        search_index.rebuild(conn)
        assert {q: hits(conn, q) for q in queries} == by_triggers
        assert all(by_triggers.values())


_SCRIPTS = st.sampled_from(["abc xyz", "éüøß", "李小龙先生", "ガクカク", "김철수", "สวัสดี", "–“”€", "𠀀𪚥", " ，。、"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_SCRIPTS, st.integers(0, 20)), max_size=8).map(
    lambda parts: "".join(text[i % len(text):] for text, i in parts)))
def test_spacing_in_sql_equals_spacing_in_python(text: str) -> None:
    """Triggers space text in SQL, a rebuild in Python: they must give the index the same text."""
    con = sqlite3.connect(":memory:")
    try:
        assert con.execute(f"SELECT {search_index.spaced_sql('?')}", (text,)).fetchone()[0] == search_index.spaced(text)
    finally:
        con.close()


def test_snippets_highlight_the_matched_part_of_a_run() -> None:
    assert snippet("昨天和李先生开会", parse_query("李先生")) == "昨天和**李先生**开会"
    assert snippet("和李 先生", parse_query("李先生")) == "和**李** **先生**"
    assert snippet("See the (invoice).", parse_query("invoice")) == "See the (**invoice**)."
    assert snippet("ann@acme.example", parse_query("acme")) == "ann@**acme**.example"
    assert snippet("สวัสดีครับ", parse_query("สวัส")) == "**สวัส**ดีครับ"  # the vowel sign with its letter
    assert snippet("김철수가 왔다", parse_query("철수")) == "김**철수**가 왔다"
    # A character counts half a word: 24 of them, 8 before the match (a third of the room).
    assert snippet("前言" * 20 + "李先生" + "后记" * 20, parse_query("李")) == \
        "… " + "前言" * 4 + "**李**先生" + "后记" * 6 + "后 …"


def test_latin_snippets_are_as_before() -> None:
    words = " ".join(f"w{n}" for n in range(30))
    assert snippet(words.replace("w10", "quote"), parse_query("quot*")) == \
        "… w6 w7 w8 w9 **quote** w11 w12 w13 w14 w15 w16 w17 …"
    assert snippet("Asked for a discount, for once", parse_query('"for a discount"')) == \
        "Asked **for** **a** **discount**, **for** once"
