"""Full-text search over interaction bodies, contacts (names, emails, titles, organisation) and
organisations: one interface, an FTS5 implementation for SQLite and an ILIKE one for PostgreSQL.

Query language, the same on both: words are ANDed; `quot*` matches by prefix; "two words" is a
phrase. Case and accents never matter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crmcli.core.models import CONTACT_EMAIL, INTERACTION_CONTACT, Contact, Interaction, Organization
from crmcli.core.rows import Rows
from crmcli.core.text import fold, like_pattern
from crmcli.errors import Invalid

HIGHLIGHT = ("**", "**")  # around matched words in snippets (the table view shows them bold)
SNIPPET_WORDS = 12
SEARCH_COLUMNS = ("type", "id", "title", "when", "snippet", "rank")
_TERM = re.compile(r'"([^"]*)"|(\S+)')


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]   # folded; several = a phrase
    prefix: bool


def parse_query(text: str) -> list[Term]:
    terms = []
    for phrase, word in _TERM.findall(text):
        raw = phrase if phrase else word
        prefix = bool(word) and word.endswith("*")
        words = tuple(w for w in re.split(r"[^\w]+", fold(raw)) if w)
        if words:
            terms.append(Term(words, prefix))
    if not terms:
        raise Invalid(f"nothing to search for in {text!r}; give one or more words (quot* for a prefix)")
    return terms


def fts_query(terms: list[Term]) -> str:
    """FTS5 MATCH syntax with every word quoted, so user text can never be read as FTS operators."""
    return " ".join('"' + " ".join(t.words) + '"' + ("*" if t.prefix else "") for t in terms)


def search(conn: Connection, text: str, *, limit: int = 20, only: str | None = None) -> Rows:
    """Ranked hits: people and organisations first (few, and usually what is wanted), then
    interactions. Only the finding of ids differs between databases; the rest is shared.
    `only`: "contact", "organisation" or "interaction"."""
    terms = parse_query(text)
    sqlite = conn.dialect.name == "sqlite"
    entities: Ranked = []
    if only != "interaction":
        sign = {"contact": "AND rowid > 0", "organisation": "AND rowid < 0"}.get(only or "", "")
        entities = (_fts_ids(conn, "entity_fts", terms, limit, sign) if sqlite
                    else _like_entity_ids(conn, terms, limit, only))
    interactions: Ranked = []
    if only in (None, "interaction"):
        interactions = (_fts_ids(conn, "interaction_fts", terms, limit - len(entities)) if sqlite
                        else _like_interaction_ids(conn, terms, limit - len(entities)))
    hits = list(_entity_rows(conn, entities, terms)) + list(_interaction_rows(conn, interactions, terms))
    return Rows(SEARCH_COLUMNS, hits, time_columns=frozenset({"when"}),
                table_columns=("type", "id", "title", "when", "snippet"))


Ranked = list[tuple[int, float | None]]  # (rowid, rank), best first


def _fts_ids(conn: Connection, table: str, terms: list[Term], limit: int, condition: str = "") -> Ranked:
    if limit <= 0:
        return []
    return [(rowid, rank) for rowid, rank in conn.exec_driver_sql(
        f"SELECT rowid, rank FROM {table} WHERE {table} MATCH ? {condition} ORDER BY rank LIMIT ?",
        (fts_query(terms), limit))]


def _needles(terms: list[Term]) -> list[str]:
    return [like_pattern(" ".join(t.words)) for t in terms]


def _like_entity_ids(conn: Connection, terms: list[Term], limit: int, only: str | None) -> Ranked:
    c, o = Contact.__table__, Organization.__table__
    e = CONTACT_EMAIL
    emails = sa.select(sa.func.aggregate_strings(e.c.address, " ")).where(e.c.contact_id == c.c.id).scalar_subquery()
    haystack = sa.func.lower(sa.func.concat(c.c.name_key, " ", sa.func.coalesce(c.c.title, ""), " ",
                                            sa.func.coalesce(emails, "")))
    people = [] if only == "organisation" else conn.execute(
        sa.select(c.c.id).where(*[haystack.like(n, escape="\\") for n in _needles(terms)])
        .order_by(c.c.name_key).limit(limit)).scalars().all()
    orgs = [] if only == "contact" else conn.execute(
        sa.select(o.c.id).where(*[o.c.name_key.like(n, escape="\\") for n in _needles(terms)])
        .order_by(o.c.name_key).limit(max(limit - len(people), 0))).scalars().all()
    return [(cid, None) for cid in people] + [(-oid, None) for oid in orgs]


def _like_interaction_ids(conn: Connection, terms: list[Term], limit: int) -> Ranked:
    if limit <= 0:
        return []
    i = Interaction.__table__
    ids = conn.execute(sa.select(i.c.id).where(*[i.c.body.ilike(n, escape="\\") for n in _needles(terms)])
                       .order_by(i.c.occurred_at.desc()).limit(limit)).scalars().all()
    return [(iid, None) for iid in ids]


def _entity_rows(conn: Connection, ranked: Ranked, terms: list[Term]) -> Iterator[tuple[Any, ...]]:
    c, o, e = Contact.__table__, Organization.__table__, CONTACT_EMAIL
    people = {row.id: row for row in conn.execute(
        sa.select(c.c.id, c.c.name, c.c.title, o.c.name.label("org"),
                  sa.select(sa.func.aggregate_strings(e.c.address, " ")).where(e.c.contact_id == c.c.id)
                  .scalar_subquery().label("emails"))
        .select_from(c.outerjoin(o, o.c.id == c.c.org_id)).where(c.c.id.in_([r for r, _ in ranked if r > 0])))}
    orgs = {row.id: row for row in conn.execute(
        sa.select(o.c.id, o.c.name, o.c.website).where(o.c.id.in_([-r for r, _ in ranked if r < 0])))}
    for rowid, rank in ranked:
        if rowid > 0 and rowid in people:
            p = people[rowid]
            text = " ".join(x for x in (p.name, p.title, p.org, p.emails) if x)
            yield ("contact", rowid, p.name, None, snippet(text, terms), rank)
        elif rowid < 0 and -rowid in orgs:
            org = orgs[-rowid]
            yield ("organisation", -rowid, org.name, None, snippet(" ".join(filter(None, (org.name, org.website))),
                                                                    terms), rank)


def _interaction_rows(conn: Connection, ranked: Ranked, terms: list[Term]) -> Iterator[tuple[Any, ...]]:
    from crmcli.storage.sql import iso_utc

    i, ic, c = Interaction.__table__, INTERACTION_CONTACT, Contact.__table__
    names = sa.select(sa.func.aggregate_strings(c.c.name, ", ")).select_from(ic.join(c, c.c.id == ic.c.contact_id)) \
        .where(ic.c.interaction_id == i.c.id).scalar_subquery()
    found = {row.id: row for row in conn.execute(
        sa.select(i.c.id, i.c.kind, i.c.direction, names.label("names"), iso_utc(i.c.occurred_at).label("occurred"),
                  i.c.body).where(i.c.id.in_([r for r, _ in ranked])))}
    for iid, rank in ranked:
        if iid in found:
            row = found[iid]
            title = f"{row.kind}{' ' + row.direction if row.direction else ''} with {row.names or '(nobody)'}"
            yield ("interaction", iid, title, row.occurred, snippet(row.body, terms), rank)


def _matches(word: str, terms: list[Term]) -> bool:
    """Does this word of the text hold a searched word? Split as FTS5 tokenises (`ann@acme.example`
    holds `acme`, `Q3-quote` holds `quote`)."""
    parts = [p for p in re.split(r"[^\w]+", fold(word)) if p]
    return any(part == needle or (term.prefix and part.startswith(needle))
               for term in terms for needle in term.words for part in parts)


_EDGES = re.compile(r"^(\W*)(.*?)(\W*)$", re.S)


def _mark(word: str) -> str:
    """Highlight a word without its surrounding punctuation: `(invoice).` -> `(**invoice**).`"""
    before, core, after = _EDGES.match(word).groups()  # type: ignore[union-attr]
    return f"{before}{HIGHLIGHT[0]}{core}{HIGHLIGHT[1]}{after}" if core else word


def snippet(text: str, terms: list[Term]) -> str:
    """About SNIPPET_WORDS words around the first match, each matching word highlighted."""
    words = text.split()
    marks = [_matches(w, terms) for w in words]
    first = marks.index(True) if True in marks else 0
    lo = max(first - SNIPPET_WORDS // 3, 0)
    hi = min(lo + SNIPPET_WORDS, len(words))
    shown = [_mark(w) if marks[k] else w for k, w in enumerate(words[lo:hi], start=lo)]
    return ("… " if lo else "") + " ".join(shown) + (" …" if hi < len(words) else "")
