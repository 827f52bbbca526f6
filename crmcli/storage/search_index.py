"""The full-text index, kept in sync by triggers so no write path can forget it: FTS5 on SQLite
(here), PostgreSQL's full-text search on PostgreSQL (storage/search_pg.py, the same two indexes).

- `interaction_fts`: contentless index over each interaction's body (no second copy of the text)
  and the folded names of its people (`people`: "jose discount" finds the email from José that
  mentions a discount). A contentless index forgets a row only when told the very text it was
  given, so every change to what `people` reads is indexed by a BEFORE trigger that takes the row
  out (reading the text as it still is) and an AFTER trigger that puts it back: links added,
  removed or moved (a merge), a contact's name key changed; a contact about to be deleted first
  has its links deleted (by a trigger), so that its name is still there to be taken out.
- `entity_fts`: every record with a name, ranked together: contacts, organisations, deals,
  follow-ups and service cases; rowid = id * 5 + the kind's place in KINDS (`record_key`). It
  indexes the folded names (`name_key`: "Zoë Øster" -> "zoe oster") of contacts, organisations and
  deals so accents never matter, plus a contact's title, organisation and emails, an
  organisation's website, a deal's note, a follow-up's title and note, and a case's title.

Scripts written without spaces (Han, kana, Hangul, Thai, Lao, Khmer): FTS5's unicode61 tokenizer
makes a whole run of them one token, so `李` would never find "和李先生开会". Each of their
characters is therefore indexed as a token of its own (`spaced`: "和李先生" -> " 和  李  先  生 "),
and core/search.py sets apart the characters of a searched word the same way and asks for them as
a phrase: any part of a run is found. Text without such characters is indexed exactly as before.

The views `search_*` say what is indexed, spaced in plain SQL (`spaced_sql`), which the triggers
read: a write from any connection, the sqlite3 shell's included, keeps the index right. A rebuild
reads the same columns but spaces them with Python's `spaced` (registered as `crm_spaced`): the
same text (a test holds them equal) at a fraction of the SQL walk's cost on non-ASCII text; and it
gathers the people of every interaction at once.

The index is a derived structure (storage/migrations.py, DERIVED): a migration to the latest
version from below its definition's version drops it (`drop`, any earlier design of it too) and
makes it anew (`create`) after the numbered steps. Changing this DDL (or search_pg's) takes a new
numbered step and moving the index's version in DERIVED to it. Each function here serves both
databases.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Callable, Iterator, Sequence

from sqlalchemy.engine import Connection

TOKENIZER = "unicode61 remove_diacritics 2"

# Code points of the scripts written without spaces between words, and the CJK blocks between
# them (punctuation and symbols there are separators to FTS5 anyway, so setting them apart is harmless).
SPACELESS = (
    (0x0E00, 0x0EFF),    # Thai, Lao
    (0x1100, 0x11FF),    # Hangul jamo: what folding (NFKD) makes of syllables, in name keys
    (0x1780, 0x17FF),    # Khmer
    (0x2E80, 0x9FFF),    # CJK radicals and punctuation, Hiragana, Katakana, Bopomofo, Hangul compatibility jamo, Han
    (0xAC00, 0xD7FF),    # Hangul syllables
    (0xF900, 0xFAFF),    # CJK compatibility ideographs
    (0xFF65, 0xFFDC),    # half-width Katakana and Hangul
    (0x20000, 0x3FFFF),  # Han, supplementary planes
)
SPACELESS_CHAR = re.compile("[" + "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in SPACELESS) + "]")


def spaced(text: str) -> str:
    """Every character of a spaceless script set apart by spaces, as the index holds text."""
    return text if text.isascii() else SPACELESS_CHAR.sub(r" \g<0> ", text)


_COLUMN = re.compile(r"[a-z_.]+")


def _once(expr: str, make: Callable[[str], str]) -> str:
    """SQL for make(v) with v standing for `expr`, evaluated once (a column is simply repeated)."""
    return make(expr) if _COLUMN.fullmatch(expr) else f"(SELECT {make('v')} FROM (SELECT {expr} AS v))"


def _unless_ascii(v: str, sql: str) -> str:
    """`sql`, except for pure ASCII (as many bytes as characters), which needs no spacing: most text."""
    return f"CASE WHEN length(CAST({v} AS BLOB)) = length({v}) THEN {v} ELSE {sql} END"


def spaced_sql(expr: str) -> str:
    """SQL giving what `spaced(expr)` gives. ASCII is told by its length, other text without any of
    the scripts by a GLOB (~10 µs); only text with them is walked, character by character (the UTF-8
    lead byte gives each one's length; blob `substr` is direct, so the walk is linear, ~2 µs a character)."""
    def make(v: str) -> str:
        data = f"CAST({v} AS BLOB)"

        def width(lead: str) -> str:
            return f"(CASE WHEN {lead} < x'c0' THEN 1 WHEN {lead} < x'e0' THEN 2 WHEN {lead} < x'f0' THEN 3 ELSE 4 END)"

        char = f"substr({data}, k, n)"
        spaceless = " OR ".join(f"{char} BETWEEN x'{chr(lo).encode().hex()}' AND x'{chr(hi).encode().hex()}'"
                                for lo, hi in SPACELESS)
        walk = (f"(WITH RECURSIVE r(k, n) AS (SELECT 1, {width(f'substr({data}, 1, 1)')} UNION ALL "
                f"SELECT k + n, {width(f'substr({data}, k + n, 1)')} FROM r WHERE k + n <= length({data})) "
                f"SELECT group_concat(CASE WHEN {spaceless} THEN ' ' || CAST({char} AS TEXT) || ' ' "
                f"ELSE CAST({char} AS TEXT) END, '') FROM r)")
        ranges = "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in SPACELESS)
        return _unless_ascii(v, f"CASE WHEN {v} NOT GLOB '*[{ranges}]*' THEN {v} ELSE {walk} END")
    return _once(expr, make)


def _python_spaced(expr: str) -> str:
    """SQL calling `spaced` (as `crm_spaced`, registered by `rebuild`), but not for ASCII: a call
    for every row would add about 1 s to a rebuild of 1M interactions."""
    return _once(expr, lambda v: _unless_ascii(v, f"crm_spaced({v})"))


# A new kind goes at the end: a kind's place is in every rowid (the index is rebuilt all the same).
KINDS = ("contact", "organisation", "deal", "follow-up", "case")


def record_key(kind: str, id_sql: str) -> str:
    """SQL for the entity_fts rowid of record `id_sql` of `kind`."""
    return f"({id_sql}) * {len(KINDS)} + {KINDS.index(kind)}"


Spacer = Callable[[str], str]  # SQL expression -> SQL for it spaced


@dataclass(frozen=True)
class _Source:
    """Where the index rows of one kind come from: `columns` (name: SQL, or a function of the spacer
    giving the SQL spaced) of `table` (a FROM clause)."""

    view: str
    table: str
    id: str
    columns: tuple[tuple[str, str | Callable[[Spacer], str]], ...]

    def select(self, spacer: Spacer) -> str:
        spaced_columns = ", ".join(f"{sql(spacer) if callable(sql) else spacer(sql)} AS {name}"
                                   for name, sql in self.columns)
        return f"SELECT {self.id} AS id, {spaced_columns} FROM {self.table}"


def _links(indexed: bool = True) -> str:
    """The links (`ic`) of interactions to their contacts (`c`)."""
    return f"interaction_contact ic {'' if indexed else 'NOT INDEXED '}JOIN contact c ON c.id = ic.contact_id"


def _names(spacer: Spacer) -> str:
    """The folded names of a group of links' contacts, each spaced (cheaper than the whole list: a
    column needs no subquery of its own), in no set order: a contentless index is told the words
    to forget, not their order, so any order gives the same words."""
    return f"group_concat({spacer('c.name_key')}, ' ')"


def _people(spacer: Spacer) -> str:
    """An interaction's people (of `i`), as the view reads them for the triggers."""
    return f"coalesce((SELECT {_names(spacer)} FROM {_links()} WHERE ic.interaction_id = i.id), '')"


_INTERACTION = _Source("search_interaction", "interaction i", "i.id", (("body", "i.body"), ("people", _people)))
_RECORDS = {
    "contact": _Source("search_contact", "contact c LEFT JOIN organization o ON o.id = c.org_id", "c.id", (
        ("name", "c.name_key"),
        ("detail", "trim(coalesce(c.title, '') || ' ' || coalesce(o.name_key, '') || ' ' || coalesce((SELECT "
                   "group_concat(e.address, ' ') FROM contact_email e WHERE e.contact_id = c.id), ''))"))),
    "organisation": _Source("search_organisation", "organization o", "o.id",
                            (("name", "o.name_key"), ("detail", "coalesce(o.website, '')"))),
    "deal": _Source("search_deal", "deal d", "d.id", (("name", "d.name_key"), ("detail", "coalesce(d.note, '')"))),
    "follow-up": _Source("search_follow_up", "follow_up f", "f.id",
                         (("name", "f.title"), ("detail", "coalesce(f.note, '')"))),
    # A case by its title alone: its kind and status are words most cases share, its contact a record of its own.
    "case": _Source("search_case", "service_case k", "k.id", (("name", "k.title"), ("detail", lambda _: "''"))),
}
_VIEWS = (_INTERACTION, *_RECORDS.values())


def _index(kind: str, source: str, where: str = "") -> str:
    """INSERT the entity_fts rows of `kind` from `source` (its view, or a SELECT in brackets)."""
    return (f"INSERT INTO entity_fts (rowid, name, detail) SELECT {record_key(kind, 'id')}, name, detail "
            f"FROM {source} {where};")


def _refresh(kind: str, ref: str) -> str:
    """Statements replacing the entity_fts row of record `ref` of `kind` (from its view)."""
    return (f"DELETE FROM entity_fts WHERE rowid = {record_key(kind, ref)};"
            + _index(kind, _RECORDS[kind].view, f"WHERE id = {ref}"))


def _record_triggers(kind: str, table: str, columns: str, *, and_then: str = "") -> dict[str, str]:
    """Insert, update (of the indexed `columns`) and delete triggers for a record table."""
    stem = f"entity_fts_{table}"
    insert = _index(kind, _RECORDS[kind].view, "WHERE id = new.id")
    return {f"{stem}_ai": f"AFTER INSERT ON {table} BEGIN {insert} END",
            f"{stem}_au": f"AFTER UPDATE OF {columns} ON {table} BEGIN {_refresh(kind, 'new.id')}{and_then} END",
            f"{stem}_ad": f"AFTER DELETE ON {table} BEGIN DELETE FROM entity_fts WHERE rowid = "
                          f"{record_key(kind, 'old.id')}; END"}


# An external-content or contentless FTS5 table forgets a row only when told the text it indexed:
# read from the view before the row changes, added from it after.
def _interactions_in(where: str) -> str:
    return (f"INSERT INTO interaction_fts (rowid, body, people) SELECT id, body, people FROM search_interaction "
            f"WHERE {where};")


def _interactions_out(where: str) -> str:
    return (f"INSERT INTO interaction_fts (interaction_fts, rowid, body, people) "
            f"SELECT 'delete', id, body, people FROM search_interaction WHERE {where};")


def _reindexed(stem: str, op: str, event: str, where: str, when: str = "") -> dict[str, str]:
    """Triggers around `event` (e.g. "DELETE ON interaction_contact"): BEFORE it the interactions
    `where` names are taken out of the index, AFTER it they are put back as they are now."""
    return {f"{stem}_b{op}": f"BEFORE {event} {when} BEGIN {_interactions_out(where)} END",
            f"{stem}_a{op}": f"AFTER {event} {when} BEGIN {_interactions_in(where)} END"}


# A renamed organisation changes what its people are found by, too.
_ORG_PEOPLE = (f"DELETE FROM entity_fts WHERE rowid IN (SELECT {record_key('contact', 'id')} FROM contact "
               f"WHERE org_id = new.id);"
               + _index("contact", "search_contact", "WHERE id IN (SELECT id FROM contact WHERE org_id = new.id)"))

TRIGGERS = {
    "interaction_fts_ai": f"AFTER INSERT ON interaction BEGIN {_interactions_in('id = new.id')} END",
    "interaction_fts_bd": f"BEFORE DELETE ON interaction BEGIN {_interactions_out('id = old.id')} END",
    "interaction_fts_bu": f"BEFORE UPDATE OF body ON interaction BEGIN {_interactions_out('id = old.id')} END",
    "interaction_fts_au": f"AFTER UPDATE OF body ON interaction BEGIN {_interactions_in('id = new.id')} END",
    # People: a link's interaction, a renamed contact's interactions. (When an interaction is deleted,
    # the foreign key deletes its links after it: the view finds no interaction, nothing is done.)
    **_reindexed("interaction_fts_link", "i", "INSERT ON interaction_contact", "id = new.interaction_id"),
    **_reindexed("interaction_fts_link", "d", "DELETE ON interaction_contact", "id = old.interaction_id"),
    **_reindexed("interaction_fts_link", "u", "UPDATE OF contact_id, interaction_id ON interaction_contact",
                 "id IN (old.interaction_id, new.interaction_id)"),
    **_reindexed("interaction_fts_contact", "u", "UPDATE OF name_key ON contact",
                 "id IN (SELECT interaction_id FROM interaction_contact WHERE contact_id = new.id)",
                 "WHEN old.name_key IS NOT new.name_key"),
    # The foreign key deletes a contact's links after the contact, too late to read its name: first, then.
    "interaction_fts_contact_bd": "BEFORE DELETE ON contact BEGIN DELETE FROM interaction_contact "
                                  "WHERE contact_id = old.id; END",
    **_record_triggers("contact", "contact", "name_key, title, org_id"),
    "entity_fts_email_ai": f"AFTER INSERT ON contact_email BEGIN {_refresh('contact', 'new.contact_id')} END",
    "entity_fts_email_ad": f"AFTER DELETE ON contact_email BEGIN {_refresh('contact', 'old.contact_id')} END",
    "entity_fts_email_au": f"AFTER UPDATE ON contact_email BEGIN {_refresh('contact', 'old.contact_id')} "
                           f"{_refresh('contact', 'new.contact_id')} END",
    **_record_triggers("organisation", "organization", "name_key, website", and_then=_ORG_PEOPLE),
    **_record_triggers("deal", "deal", "name_key, note"),
    **_record_triggers("follow-up", "follow_up", "title, note"),
    **_record_triggers("case", "service_case", "title"),  # its contact deleted: the cascade's delete fires it
}


ENTITY_DDL = f"CREATE VIRTUAL TABLE entity_fts USING fts5(name, detail, tokenize='{TOKENIZER}', prefix='2 3')"
# A prefix index of 3 letters only: `quot*` stays fast, and a rebuild of 1M rows stays well under 10 s
# (prefix='2 3' doubled both the index and its build time). Contentless: it is handed the spaced
# text, which is not what the interaction table holds.
INTERACTION_DDL = (f"CREATE VIRTUAL TABLE interaction_fts USING fts5(body, people, content='', "
                   f"tokenize='{TOKENIZER}', prefix='3')")


def _postgres(conn: Connection) -> ModuleType | None:
    """The PostgreSQL index's module, when `conn` is to PostgreSQL."""
    if conn.dialect.name == "sqlite":
        return None
    from crmcli.storage import search_pg

    return search_pg


def create(conn: Connection) -> None:
    """Create the views, index tables and triggers, and fill the index from the current rows."""
    if (postgres := _postgres(conn)) is not None:
        postgres.create(conn)
        return
    for source in _VIEWS:
        conn.exec_driver_sql(f"CREATE VIEW {source.view} AS {source.select(spaced_sql)}")
    rebuild(conn)
    _create_triggers(conn)


def drop(conn: Connection) -> None:
    """Drop whatever search index a database has, of any earlier design (found by its names)."""
    if (postgres := _postgres(conn)) is not None:
        postgres.drop(conn)
        return
    for (name,) in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger' AND "
                                        "(name GLOB 'interaction_fts_*' OR name GLOB 'entity_fts_*')").all():
        conn.exec_driver_sql(f"DROP TRIGGER {name}")
    for source in _VIEWS:
        conn.exec_driver_sql(f"DROP VIEW IF EXISTS {source.view}")
    for table in ("interaction_fts", "entity_fts"):
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")


def _create_triggers(conn: Connection) -> None:
    for name, body in TRIGGERS.items():
        conn.exec_driver_sql(f"CREATE TRIGGER {name} {body}")


def _drop_triggers(conn: Connection) -> None:
    for name in TRIGGERS:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")


def rebuild(conn: Connection) -> None:
    """Make both indexes anew from the tables (`crm db reindex`; after bulk loads)."""
    if (postgres := _postgres(conn)) is not None:
        postgres.rebuild(conn)
        return
    conn.connection.driver_connection.create_function(  # type: ignore[union-attr]
        "crm_spaced", 1, lambda text: None if text is None else spaced(text), deterministic=True)
    conn.exec_driver_sql("PRAGMA cache_size = -262144")  # 256 MiB for the build: the index is written at random
    # 'delete-all' empties the contentless index at once (dropping it frees its pages one by one,
    # ~1 s at 1M interactions); emptying entity_fts row by row costs more than making it anew.
    conn.exec_driver_sql(INTERACTION_DDL.replace("TABLE", "TABLE IF NOT EXISTS", 1))
    conn.exec_driver_sql("INSERT INTO interaction_fts (interaction_fts) VALUES ('delete-all')")
    conn.exec_driver_sql("DROP TABLE IF EXISTS entity_fts")
    conn.exec_driver_sql(ENTITY_DDL)
    # Every interaction's people gathered in one pass over the links (a sort) rather than looked up
    # interaction by interaction through the links' index: at 1M interactions ~1.5 s less.
    conn.exec_driver_sql("CREATE TEMP TABLE crm_people (id INTEGER PRIMARY KEY, names TEXT NOT NULL)")
    conn.exec_driver_sql(f"INSERT INTO crm_people SELECT ic.interaction_id, {_names(_python_spaced)} "
                         f"FROM {_links(indexed=False)} GROUP BY ic.interaction_id")
    conn.exec_driver_sql(f"INSERT INTO interaction_fts (rowid, body, people) SELECT i.id, {_python_spaced('i.body')}, "
                         "coalesce(p.names, '') FROM interaction i LEFT JOIN crm_people p ON p.id = i.id")
    conn.exec_driver_sql("DROP TABLE crm_people")
    for kind, source in _RECORDS.items():
        conn.exec_driver_sql(_index(kind, f"({source.select(_python_spaced)})"))
    conn.exec_driver_sql("PRAGMA cache_size = -2000")


# A contact's index row is written when it is inserted, then again for each email added to it:
# records inserted in bulk (imports) have these triggers wait, and each new record is indexed once.
_INSERT_TRIGGERS = {"contact": ("entity_fts_contact_ai", "entity_fts_email_ai"),
                    "organisation": ("entity_fts_organization_ai",),
                    # an interaction's text is indexed when inserted, then out and in again per link
                    "interaction": ("interaction_fts_ai", "interaction_fts_link_bi", "interaction_fts_link_ai")}


@contextmanager
def indexed_once(conn: Connection, kind: str, ids: Callable[[], Sequence[int]]) -> Iterator[None]:
    """Inside: inserting records of `kind` (contacts with their emails, organisations, or
    interactions with their links) writes no index row; after: the records `ids()` names (the ones
    inserted) are indexed, each once. Any
    other change inside is indexed as usual. (PostgreSQL: the triggers index each as it comes.)"""
    if conn.dialect.name != "sqlite":
        yield
        return
    for name in _INSERT_TRIGGERS[kind]:
        conn.exec_driver_sql(f"DROP TRIGGER {name}")
    try:
        yield
    finally:
        for name in _INSERT_TRIGGERS[kind]:
            conn.exec_driver_sql(f"CREATE TRIGGER {name} {TRIGGERS[name]}")
    inserted = list(ids())
    for start in range(0, len(inserted), 5_000):  # under SQLite's limit of bound values
        chunk = inserted[start:start + 5_000]
        where = f"id IN ({', '.join('?' * len(chunk))})"
        conn.exec_driver_sql(_interactions_in(where) if kind == "interaction" else
                             _index(kind, _RECORDS[kind].view, f"WHERE {where}"), tuple(chunk))


@contextmanager
def suspended(conn: Connection) -> Iterator[None]:
    """Bulk loads: row-by-row index upkeep off while they insert, one rebuild at the end."""
    if (postgres := _postgres(conn)) is not None:
        postgres.suspend(conn, True)
        yield
        postgres.suspend(conn, False)
        postgres.rebuild(conn)
        return
    _drop_triggers(conn)
    yield
    _create_triggers(conn)
    rebuild(conn)
