"""Likely duplicate contacts: pairs that share an email or a phone, or whose names are alike within
the same organisation or company email domain.

Never every pair: candidates come from blocks. Shared emails and phones are found by SQL (a window
over the address or number); names are compared only inside a block of people at one organisation
or one company email domain, so 100,000 contacts in ~10,000 organisations cost ~10,000 small
comparisons. Public mail domains (FREE_MAIL, and any domain whose people sit in several
organisations) make no block: two "John Smith"s at gmail.com are not evidence of anything.

Scores are 0-100:
- same email (case-free): 90 plus a tenth of the name similarity (a shared inbox still shows);
- same phone (E.164 as stored): the mean of 100 and the name similarity, so a switchboard number shared
  by people with unlike names (similarity ~50) stays well under the default threshold of 90, while
  "Maria Garcia" / "M Garcia" (80) reaches it;
- similar names in one block: rapidfuzz's token_sort_ratio of the folded names ("Jon Smith" / "John
  Smith" 95, "Ann Lee" / "Ann Smith" 63: a shared first name alone is far from a match).
A pair found several ways takes its best score and lists every reason (alike names once: at the
organisation when both are its people, else at the email domain).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import groupby
from typing import Callable, Iterable, Iterator, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crmcli.core.models import CONTACT_EMAIL, CONTACT_PHONE, Contact, Organization
from crmcli.core.rows import Rows

DEFAULT_THRESHOLD = 90

# Public mail services: a shared domain there says nothing about being the same person. The sample
# data's "mail.example" needs no entry: its people sit in many organisations (PUBLIC_DOMAIN_ORGS).
FREE_MAIL = frozenset({
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "hotmail.co.uk", "live.com", "msn.com",
    "yahoo.com", "yahoo.co.uk", "yahoo.fr", "ymail.com", "icloud.com", "me.com", "mac.com", "aol.com",
    "proton.me", "protonmail.com", "gmx.com", "gmx.de", "gmx.net", "web.de", "mail.com", "yandex.ru",
    "yandex.com", "mail.ru", "qq.com", "163.com", "126.com", "orange.fr", "free.fr", "t-online.de",
    "zoho.com", "fastmail.com", "hey.com", "tutanota.com",
})
# A domain whose people belong to this many organisations or more is a public one too (a company's
# people are at the company), whatever its name.
PUBLIC_DOMAIN_ORGS = 3
# An email or phone held by more contacts than this is a shared inbox or a switchboard, not a person;
# it would also make its block's pairs grow with the square of its size.
MAX_SHARED = 20
# Blocks larger than this are compared only within groups sharing a name word, to stay near-linear.
LARGE_BLOCK = 2000

COLUMNS = ("id", "name", "other_id", "other_name", "score", "reasons")


@dataclass(frozen=True)
class Pair:
    """Two contacts that are likely one person; `id` < `other_id` (the older record first)."""

    id: int
    name: str
    other_id: int
    other_name: str
    score: int                # 0-100
    reasons: tuple[str, ...]  # "same email ann@acme.example", "similar name in organisation Acme Ltd"


@dataclass
class _People:
    names: dict[int, str]          # id -> name as shown
    keys: dict[int, str]           # id -> folded name (what is compared)
    org: dict[int, int]            # id -> organisation id, for those that have one
    org_names: dict[int, str]


Similarity = Callable[[str, str], float]


def find(conn: Connection, *, threshold: int = DEFAULT_THRESHOLD) -> list[Pair]:
    """Every likely duplicate pair scoring at least `threshold`, best first."""
    from rapidfuzz import fuzz  # ~10 ms to import: only for this command

    people = _people(conn)
    found: dict[tuple[int, int], tuple[int, list[str]]] = {}

    def note(a: int, b: int, score: float, reason: str) -> None:
        key = (a, b) if a < b else (b, a)
        best, reasons = found.get(key, (0, []))
        if reason not in reasons:
            reasons.append(reason)
        found[key] = (max(best, round(score)), reasons)

    similarity: Similarity = fuzz.token_sort_ratio
    for email, ids in _shared(conn, CONTACT_EMAIL, sa.func.lower(CONTACT_EMAIL.c.address)):
        for a, b in _pairs_of(ids):
            note(a, b, 90 + similarity(people.keys[a], people.keys[b]) / 10, f"same email {email}")
    for number, ids in _shared(conn, CONTACT_PHONE, CONTACT_PHONE.c.number):
        for a, b in _pairs_of(ids):
            note(a, b, (100 + similarity(people.keys[a], people.keys[b])) / 2, f"same phone {number}")
    named: set[tuple[int, int]] = set()  # a pair alike at one organisation needs no word on its domain too
    for where, members in _blocks(conn, people):
        for a, b, score in _alike(members, people.keys, threshold, similarity):
            if (pair := (min(a, b), max(a, b))) not in named:
                named.add(pair)
                note(a, b, score, f"{'same' if score == 100 else 'similar'} name in {where}")
    pairs = [Pair(a, people.names[a], b, people.names[b], score, tuple(reasons))
             for (a, b), (score, reasons) in found.items() if score >= threshold]
    return sorted(pairs, key=lambda p: (-p.score, p.id, p.other_id))


def rows(pairs: Sequence[Pair]) -> Rows:
    return Rows(COLUMNS, [(p.id, p.name, p.other_id, p.other_name, p.score, "; ".join(p.reasons)) for p in pairs],
                list_columns=frozenset({"reasons"}))


def _people(conn: Connection) -> _People:
    c, o = Contact.__table__, Organization.__table__
    names, keys, org = {}, {}, {}
    for cid, name, key, org_id in conn.execute(sa.select(c.c.id, c.c.name, c.c.name_key, c.c.org_id).order_by(c.c.id)):
        names[cid], keys[cid] = name, key
        if org_id is not None:
            org[cid] = org_id
    org_names = dict(conn.execute(sa.select(o.c.id, o.c.name)).all())
    return _People(names, keys, org, org_names)


def _shared(conn: Connection, table: sa.Table, value: sa.ColumnElement[str]) -> Iterator[tuple[str, list[int]]]:
    """Each value held by 2 to MAX_SHARED contacts, with their ids: the grouping is SQL's."""
    held = sa.select(value.label("value"), table.c.contact_id,
                     sa.func.count().over(partition_by=value).label("n")).subquery()
    stmt = sa.select(held.c.value, held.c.contact_id).where(held.c.n.between(2, MAX_SHARED)) \
        .order_by(held.c.value, held.c.contact_id)
    for shared, group in groupby(conn.execute(stmt), key=lambda row: row[0]):
        ids = sorted({row[1] for row in group})  # one contact may hold a value twice (case variants)
        if len(ids) > 1:
            yield shared, ids


def _pairs_of(ids: Sequence[int]) -> Iterator[tuple[int, int]]:
    return ((a, b) for i, a in enumerate(ids) for b in ids[i + 1:])


def _blocks(conn: Connection, people: _People) -> Iterator[tuple[str, list[int]]]:
    """People grouped by organisation, then by company email domain; each block with how it is named."""
    by_org: dict[int, list[int]] = defaultdict(list)
    for cid, org_id in people.org.items():
        by_org[org_id].append(cid)
    for org_id, members in by_org.items():
        if len(members) > 1:
            yield f"organisation {people.org_names[org_id]}", members
    by_domain: dict[str, set[int]] = defaultdict(set)
    for cid, address in conn.execute(sa.select(CONTACT_EMAIL.c.contact_id, CONTACT_EMAIL.c.address)):
        by_domain[address.rpartition("@")[2].lower()].add(cid)
    for domain, members in by_domain.items():
        if len(members) > 1 and not _public(domain, members, people.org):
            yield f"email domain {domain}", sorted(members)


def _public(domain: str, members: Iterable[int], org: dict[int, int]) -> bool:
    if domain in FREE_MAIL:
        return True
    orgs = set()
    for cid in members:
        if cid in org:
            orgs.add(org[cid])
            if len(orgs) >= PUBLIC_DOMAIN_ORGS:
                return True
    return False


def _alike(members: list[int], keys: dict[int, str], threshold: int,
           similarity: Similarity) -> Iterator[tuple[int, int, float]]:
    """Pairs of one block whose folded names score at least `threshold`."""
    from rapidfuzz import process

    for group in _groups(members, keys):
        names = [keys[cid] for cid in group]
        for i, cid in enumerate(group[:-1]):
            # One C call per name against the rest of the group (rapidfuzz caches the query).
            for _name, score, j in process.extract(names[i], names[i + 1:], scorer=similarity,
                                                   score_cutoff=threshold, limit=None):
                yield cid, group[i + 1 + j], score


def _groups(members: list[int], keys: dict[int, str]) -> Iterator[list[int]]:
    """The block itself, or for a very large one each group of members sharing a name word: alike
    names nearly always share one ("jon smith" / "john smith"), and this keeps the work near-linear.
    A pair sharing two words is compared twice; `find` keeps it once."""
    if len(members) <= LARGE_BLOCK:
        yield members
        return
    by_word: dict[str, list[int]] = defaultdict(list)
    for cid in members:
        for word in set(keys[cid].split()):
            if len(word) > 1:
                by_word[word].append(cid)
    yield from (group for group in by_word.values() if len(group) > 1)
