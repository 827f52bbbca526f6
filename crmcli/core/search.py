"""Full-text search over interaction bodies and the records with names: contacts (names, emails,
titles, organisation), organisations, deals (name, note), follow-ups (title, note) and service
cases (title); an interaction is found by its people's names too. One interface over two indexes
of the same design: FTS5 on SQLite (storage/search_index.py), tsvectors on PostgreSQL
(storage/search_pg.py).

Query language, the same on both: words are ANDed; `quot*` matches by prefix; "two words" is a
phrase. Case and accents never matter. In scripts written without spaces (Chinese, Japanese,
Korean, Thai...) any part of a word matches: `李` finds 李小龙 and 和李先生开会 (the index holds
each of their characters as a token, see storage/search_index.py; a word of them is asked for as
the phrase of its characters).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crmcli.core.models import (CONTACT_EMAIL, INTERACTION_CONTACT, Contact, Deal, FollowUp, Interaction, Organization,
                                 ServiceCase)
from crmcli.core.rows import Rows
from crmcli.core.text import fold
from crmcli.errors import Invalid
from crmcli.storage.search_index import KINDS, SPACELESS_CHAR, spaced

HIGHLIGHT = ("**", "**")  # around matched words in snippets (the table view shows them bold)
SNIPPET_WORDS = 12
SEARCH_COLUMNS = ("type", "id", "title", "when", "snippet", "rank")
HIT_TYPES = (*KINDS, "interaction")  # the records ranked together, then the history
_TERM = re.compile(r'"([^"]*)"|(\S+)')
_WORD_GAP = re.compile(r"[^\w]+")


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]   # folded; several = a phrase
    prefix: bool
    # The same words as typed in scripts without spaces, folded elsewhere. They differ where folding
    # changes such a script (kana lose their voicing marks, Hangul syllables come apart): names are
    # indexed folded (name keys), other text as written, so a term is looked for in both forms.
    typed: tuple[str, ...] = ()

    def forms(self, *, names: bool) -> list[tuple[str, ...]]:
        """The forms to look for: as typed in text as written; in both where names are folded."""
        typed = self.typed or self.words
        return [self.words, typed] if names and typed != self.words else [typed]


def _fold_typed(text: str) -> str:
    """`fold`, except that characters of spaceless scripts stay as typed (composed)."""
    return "".join(ch if SPACELESS_CHAR.match(ch) else " " if ch.isspace() else fold(ch)
                   for ch in unicodedata.normalize("NFC", text))


def _words(text: str) -> tuple[str, ...]:
    return tuple(w for w in _WORD_GAP.split(text) if w)


def parse_query(text: str) -> list[Term]:
    terms = []
    for phrase, word in _TERM.findall(text):
        raw = phrase if phrase else word
        prefix = bool(word) and word.endswith("*")
        words = _words(fold(raw))
        if words:
            terms.append(Term(words, prefix, _words(_fold_typed(raw))))
    if not terms:
        raise Invalid(f"nothing to search for in {text!r}; give one or more words (quot* for a prefix)")
    return terms


def _phrase(words: tuple[str, ...], prefix: bool) -> str:
    """One FTS5 phrase, every character of a spaceless script a token of its own, as in the index."""
    return '"' + " ".join(" ".join(spaced(w).split()) for w in words) + '"' + ("*" if prefix else "")


def fts_query(terms: list[Term], *, names: bool = False, people: bool = False) -> str:
    """FTS5 MATCH syntax with every word quoted, so user text can never be read as FTS operators.
    `names`: for entity_fts, which holds folded names as well as text as written. `people`: for
    interaction_fts, whose body is text as written and whose people are folded names (a term
    whose forms differ is looked for in each column in its own form)."""
    parts = []
    for term in terms:
        forms = term.forms(names=names or people)
        if people and len(forms) == 2:
            phrases = [f"body : {_phrase(forms[1], term.prefix)}", f"people : {_phrase(forms[0], term.prefix)}"]
        else:
            phrases = [_phrase(form, term.prefix) for form in forms]
        parts.append(phrases[0] if len(phrases) == 1 else "(" + " OR ".join(phrases) + ")")
    return " AND ".join(parts)  # spelled out: FTS5 has no implicit AND next to a bracket


Hit = tuple[str, int, float | None]  # (type, id, rank), best first


def search(conn: Connection, text: str, *, limit: int = 20, only: str | None = None) -> Rows:
    """Ranked hits: the records with names first (contacts, organisations, deals, follow-ups and
    cases, ranked together: few, and usually what is wanted), then interactions. Only the finding
    of ids differs between databases; the rest is shared. `only`: one of HIT_TYPES."""
    if only is not None and only not in HIT_TYPES:
        raise Invalid(f"unknown hit type {only!r}; use one of: {', '.join(HIT_TYPES)}")
    terms = parse_query(text)
    finder = _Fts5(conn, terms) if conn.dialect.name == "sqlite" else _TsQuery(conn, terms)
    records: list[Hit] = []
    if only != "interaction":
        records = finder.records(limit, only)
    interactions: list[Hit] = []
    if only in (None, "interaction") and limit > len(records):
        interactions = finder.interactions(limit - len(records))
    return Rows(SEARCH_COLUMNS, list(_hit_rows(conn, records + interactions, terms)),
                time_columns=frozenset({"when"}), table_columns=("type", "id", "title", "when", "snippet"))


def _kind_filter(only: str | None) -> str:
    """SQL keeping the entity rows of one kind (see search_index.record_key), if asked."""
    return f"AND rowid % {len(KINDS)} = {KINDS.index(only)}" if only else ""


def _records(rows: Iterable[Any]) -> list[Hit]:
    return [(KINDS[rowid % len(KINDS)], rowid // len(KINDS), rank) for rowid, rank in rows]


# -- finding: FTS5 on SQLite ---------------------------------------------------------------------

@dataclass(frozen=True)
class _Fts5:
    conn: Connection
    terms: list[Term]

    def records(self, limit: int, only: str | None) -> list[Hit]:
        return _records(self.conn.exec_driver_sql(
            f"SELECT rowid, rank FROM entity_fts WHERE entity_fts MATCH ? {_kind_filter(only)} ORDER BY rank LIMIT ?",
            (fts_query(self.terms, names=True), limit)))

    def interactions(self, limit: int) -> list[Hit]:
        return [("interaction", rowid, rank) for rowid, rank in self.conn.exec_driver_sql(
            "SELECT rowid, rank FROM interaction_fts WHERE interaction_fts MATCH ? ORDER BY rank LIMIT ?",
            (fts_query(self.terms, people=True), limit))]


# -- finding: full-text search on PostgreSQL -------------------------------------------------------

def ts_query(terms: list[Term], words: dict[str, list[str]], *, people: bool = False) -> str | None:
    """The tsquery of `terms`, the counterpart of `fts_query` (same `people`; names are always
    looked for in both forms, as in entity_fts): every term, in any of its forms, each form the
    phrase of the words PostgreSQL makes of it (`words`: a form's text -> its words, in order),
    the last word of a prefix term by prefix. In interaction_fts weights mark the columns: D the
    body, A the people. None when a term has no words at all (nothing can match)."""
    parts = []
    for term in terms:
        forms = term.forms(names=True)
        weighted = list(zip(forms[::-1], "DA")) if people and len(forms) == 2 else [(form, "") for form in forms]
        phrases = [_ts_phrase(words[" ".join(form)], term.prefix, weight)
                   for form, weight in weighted if words.get(" ".join(form))]
        if not phrases:
            return None
        parts.append("(" + " | ".join(phrases) + ")")
    return " & ".join(parts)


def _ts_phrase(words: list[str], prefix: bool, weight: str) -> str:
    """`'q3' <-> '报' <-> '价':*`: each word quoted (never read as an operator), flags after it."""
    last = len(words) - 1
    flagged = []
    for n, word in enumerate(words):
        flags = ("*" if prefix and n == last else "") + weight
        quoted = "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"
        flagged.append(f"{quoted}:{flags}" if flags else quoted)
    return " <-> ".join(flagged)


# Each text's words as the index makes them (the same function, so both sides agree), in order.
_TS_WORDS = sa.text(
    "SELECT t.text, array_agg(w.lexeme ORDER BY p.p) FROM unnest(CAST(:texts AS text[])) AS t(text) "
    "CROSS JOIN LATERAL unnest(to_tsvector('simple', crm_search_text(t.text))) AS w "
    "CROSS JOIN LATERAL unnest(w.positions) AS p(p) GROUP BY t.text")
# Ranked as FTS5's bm25 is, in spirit: weighted matches, divided by 1 + log(the document's length)
# (normalisation 1), so short documents come first; negated, so that lower is better on both.
_TS_RANKED = ("SELECT rowid, -ts_rank(doc, CAST(:query AS tsquery), 1) AS rank FROM {table} "
              "WHERE doc @@ CAST(:query AS tsquery) {condition} ORDER BY rank, rowid LIMIT :limit")


class _TsQuery:
    def __init__(self, conn: Connection, terms: list[Term]) -> None:
        self.conn = conn
        texts = sorted({" ".join(form) for term in terms for form in term.forms(names=True)})
        words = {text: list(found) for text, found in conn.execute(_TS_WORDS, {"texts": texts})}
        self.names = ts_query(terms, words)
        self.people = ts_query(terms, words, people=True)

    def _ranked(self, table: str, query: str | None, limit: int, condition: str = "") -> list[Any]:
        if query is None:
            return []
        return list(self.conn.execute(sa.text(_TS_RANKED.format(table=table, condition=condition)),
                                      {"query": query, "limit": limit}))

    def records(self, limit: int, only: str | None) -> list[Hit]:
        return _records(self._ranked("entity_fts", self.names, limit, _kind_filter(only)))

    def interactions(self, limit: int) -> list[Hit]:
        return [("interaction", rowid, rank) for rowid, rank in self._ranked("interaction_fts", self.people, limit)]


# -- what a hit shows: title, when, and the text its snippet is cut from ---------------------------

Shown = dict[int, tuple[str, str | None, str]]  # id -> (title, when, text)


def _joined(*parts: str | None) -> str:
    return " ".join(p for p in parts if p)


def _contacts(conn: Connection, ids: list[int]) -> Shown:
    c, o, e = Contact.__table__, Organization.__table__, CONTACT_EMAIL
    emails = sa.select(sa.func.aggregate_strings(e.c.address, " ")).where(e.c.contact_id == c.c.id).scalar_subquery()
    return {row.id: (row.name, None, _joined(row.name, row.title, row.org, row.emails)) for row in conn.execute(
        sa.select(c.c.id, c.c.name, c.c.title, o.c.name.label("org"), emails.label("emails"))
        .select_from(c.outerjoin(o, o.c.id == c.c.org_id)).where(c.c.id.in_(ids)))}


def _organisations(conn: Connection, ids: list[int]) -> Shown:
    o = Organization.__table__
    return {row.id: (row.name, None, _joined(row.name, row.website))
            for row in conn.execute(sa.select(o.c.id, o.c.name, o.c.website).where(o.c.id.in_(ids)))}


def _deals(conn: Connection, ids: list[int]) -> Shown:
    d = Deal.__table__
    return {row.id: (row.name, None, _joined(row.name, row.note))
            for row in conn.execute(sa.select(d.c.id, d.c.name, d.c.note).where(d.c.id.in_(ids)))}


def _follow_ups(conn: Connection, ids: list[int]) -> Shown:
    from crmcli.storage.sql import iso_day, iso_utc

    f, c = FollowUp.__table__, Contact.__table__
    # An all-day due is its day, as follow-up listings show it; a timed one its instant.
    due = sa.case((f.c.all_day, iso_day(f.c.due_on)), else_=iso_utc(f.c.due_at))
    rows = conn.execute(sa.select(f.c.id, f.c.title, f.c.note, f.c.done_at.is_not(None).label("done"),
                                  c.c.name, due.label("due"))
                        .select_from(f.join(c, c.c.id == f.c.contact_id)).where(f.c.id.in_(ids)))
    return {row.id: (f"follow-up for {row.name}{' (done)' if row.done else ''}", row.due,
                     _joined(row.title, row.note)) for row in rows}


def _cases(conn: Connection, ids: list[int]) -> Shown:
    """A case as `#12 Invoice 1043 charged twice (Ann Lee, open)`, when it was opened, its title."""
    from crmcli.storage.sql import iso_utc

    k, c = ServiceCase.__table__, Contact.__table__
    rows = conn.execute(sa.select(k.c.id, k.c.title, k.c.status, c.c.name, iso_utc(k.c.opened_at).label("opened"))
                        .select_from(k.join(c, c.c.id == k.c.contact_id)).where(k.c.id.in_(ids)))
    return {row.id: (f"#{row.id} {row.title} ({row.name}, {row.status})", row.opened, row.title) for row in rows}


def _interactions(conn: Connection, ids: list[int]) -> Shown:
    from crmcli.storage.sql import iso_utc

    i, ic, c = Interaction.__table__, INTERACTION_CONTACT, Contact.__table__
    names = sa.select(sa.func.aggregate_strings(c.c.name, ", ")).select_from(ic.join(c, c.c.id == ic.c.contact_id)) \
        .where(ic.c.interaction_id == i.c.id).scalar_subquery()
    shown: Shown = {}
    for row in conn.execute(sa.select(i.c.id, i.c.kind, i.c.direction, names.label("names"),
                                      iso_utc(i.c.occurred_at).label("occurred"), i.c.body).where(i.c.id.in_(ids))):
        title = f"{row.kind}{' ' + row.direction if row.direction else ''} with {row.names or '(nobody)'}"
        shown[row.id] = (title, row.occurred, row.body)
    return shown


_SHOWN: dict[str, Callable[[Connection, list[int]], Shown]] = {
    "contact": _contacts, "organisation": _organisations, "deal": _deals, "follow-up": _follow_ups,
    "case": _cases, "interaction": _interactions}


def _hit_rows(conn: Connection, hits: list[Hit], terms: list[Term]) -> Iterator[tuple[Any, ...]]:
    """One query per type for what the hits show, then the rows in rank order (a record deleted
    since the index was read is left out)."""
    shown = {kind: describe(conn, [rid for k, rid, _ in hits if k == kind])
             for kind, describe in _SHOWN.items() if any(k == kind for k, _, _ in hits)}
    for kind, rid, rank in hits:
        if rid in shown[kind]:
            title, when, text = shown[kind][rid]
            yield (kind, rid, title, when, snippet(text, terms), rank)


# -- snippets --------------------------------------------------------------------------------------

_SPACELESS = SPACELESS_CHAR.pattern
# What FTS5 sees as tokens: runs of letters and digits, but each character of a spaceless script alone
# (its marks, like Thai vowel signs, are no token there either).
_TOKEN = re.compile(f"(?=\\w){_SPACELESS}|(?:(?!{_SPACELESS})\\w)+")
# What a snippet counts: words between spaces, but each character of a spaceless script alone
# (with the marks and punctuation after it).
_UNIT = re.compile(f"{_SPACELESS}(?:(?=\\W){_SPACELESS})*|(?:(?!{_SPACELESS})\\S)+")
_UNIT_WEIGHT = 0.5  # a character of a spaceless script says about half as much as a word


def _needles(terms: list[Term]) -> list[tuple[tuple[str, ...], bool]]:
    """Each searched word as the folded tokens it must match in a row (the last by prefix, if asked)."""
    return [(tuple(fold(t) for t in _TOKEN.findall(word)), term.prefix)
            for term in terms for word in (term.typed or term.words)]


def _marked(text: str, terms: list[Term]) -> list[bool]:
    """Which characters of `text` belong to a matched word (split as FTS5 tokenises: `ann@acme.example`
    holds `acme`, `Q3-quote` holds `quote`, 和李先生开会 holds 李先生)."""
    tokens = list(_TOKEN.finditer(text))
    keys = [fold(token.group()) for token in tokens]
    marked = [False] * len(text)
    for needle, prefix in _needles(terms):
        last = len(needle) - 1
        for at in range(len(keys) - last):
            if (all(keys[at + j] == needle[j] for j in range(last))
                    and (keys[at + last] == needle[last] or prefix and keys[at + last].startswith(needle[last]))):
                for token in tokens[at:at + last + 1]:
                    marked[token.start():token.end()] = [True] * (token.end() - token.start())
    for pos in range(1, len(text)):  # the marks on a matched letter (Thai vowel signs) with it
        if marked[pos - 1] and unicodedata.category(text[pos]).startswith("M"):
            marked[pos] = True
    return marked


def snippet(text: str, terms: list[Term]) -> str:
    """About SNIPPET_WORDS words around the first match, each matching word highlighted."""
    marked = _marked(text, terms)
    units = [(m.start(), m.end()) for m in _UNIT.finditer(text)]
    weights = [_UNIT_WEIGHT if SPACELESS_CHAR.match(text, start) else 1.0 for start, _ in units]
    hits = [any(marked[start:end]) for start, end in units]
    lo = hits.index(True) if True in hits else 0
    room = SNIPPET_WORDS // 3
    while lo > 0 and weights[lo - 1] <= room:
        room -= weights[lo - 1]
        lo -= 1
    hi, room = lo, float(SNIPPET_WORDS)
    while hi < len(units) and weights[hi] <= room:
        room -= weights[hi]
        hi += 1
    out: list[str] = []
    lit = False
    for k in range(lo, hi):
        start, end = units[k]
        if k > lo and units[k - 1][1] < start:  # the words were apart: one space, never inside a highlight
            out.append(HIGHLIGHT[1] + " " if lit else " ")
            lit = False
        for pos in range(start, end):
            if marked[pos] != lit:
                out.append(HIGHLIGHT[0] if marked[pos] else HIGHLIGHT[1])
                lit = marked[pos]
            out.append(text[pos])
    if lit:
        out.append(HIGHLIGHT[1])
    return ("… " if lo else "") + "".join(out) + (" …" if hi < len(units) else "")
