"""The database health check behind `crm db check`, and the repair behind `crm db repair`.

What is checked (every finding is a `Problem`: one line naming what is wrong, how many, a few ids):

- the storage's own checks: SQLite's integrity check and foreign keys (PostgreSQL keeps both itself);
- the search index against the data (storage/search_check.py): its triggers, rows missing, rows of
  records that are gone, rows whose text is out of date, per kind; SQLite: FTS5's integrity-check;
- every copy kept beside the data it repeats (`COPIES`): folded name keys, each interaction link's
  time, each contact's last contact, each deal's stage, status, stage-change time, closed time and
  last activity, each all-day follow-up's flag and sort key (from its day, `due_on`); and audit
  commands left open.

Everything is counted in SQL, set-based (no query per row), so that the check of a database of
100,000 contacts and 1,000,000 interactions stays a matter of seconds.

`repair` fixes, in one transaction, what is derived from other data: it rebuilds the search index,
recomputes each drifted copy (one UPDATE per kind), closes left-open audit commands, and with
`drop_orphans` removes (or unlinks) rows pointing to records that are gone. A damaged file
(integrity errors) is left untouched: writing to it could make it worse; a backup is the way back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crmcli.storage.database import Database

EXAMPLES = 3


@dataclass(frozen=True)
class Problem:
    """One finding. `check` and `subject` are stable names for scripts (`-f json`)."""

    check: str       # integrity, foreign-key, index, index-trigger, fts5, copy, audit
    subject: str     # what: a table, a kind of record, a column ("contact.last_contact_at")
    count: int       # how many rows (1 for a finding that is not counted in rows)
    message: str     # one line for people, without the examples
    examples: tuple[str, ...] = ()
    fix: str = "repair"  # repair: `crm db repair` fixes it; drop-orphans: with --drop-orphans; backup: it cannot

    @property
    def line(self) -> str:
        return self.message + (f" (e.g. {', '.join(self.examples)})" if self.examples else "")


@dataclass(frozen=True)
class Health:
    database: str                 # as shown: a file path, or a URL without its password
    schema_version: int | None    # None: nothing created yet
    latest_version: int           # what this crmcli migrates to
    problems: tuple[Problem, ...] = ()
    notes: tuple[str, ...] = ()   # what could not be checked, and why (not problems)

    @property
    def problem_count(self) -> int:
        return len(self.problems)

    @property
    def ok(self) -> bool:
        return not self.problems

    def of(self, check: str) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.check == check)

    @property
    def storage(self) -> tuple[str, ...]:
        """The storage's own findings (integrity and foreign keys), one line each."""
        return tuple(p.line for p in self.problems if p.check in ("integrity", "foreign-key"))


def _plural(n: int, one: str, many: str | None = None) -> str:
    if "|" in one:
        one, many = one.split("|")
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


# -- the storage's own checks ----------------------------------------------------------------------

def _storage(conn: Connection) -> list[Problem]:
    if conn.dialect.name != "sqlite":
        return []  # PostgreSQL keeps its pages whole and enforces every foreign key itself
    problems: list[Problem] = []
    # The file read through a memory map and a bigger page cache for the walk, which looks rows up
    # at random to check every index: a third less time on a 700 MB file. Both given back after.
    conn.exec_driver_sql("PRAGMA mmap_size = 2147418112")
    conn.exec_driver_sql("PRAGMA cache_size = -262144")
    try:
        lines = [line for (line,) in conn.exec_driver_sql("PRAGMA integrity_check") if line != "ok"]
    finally:
        conn.exec_driver_sql("PRAGMA cache_size = -2000")
        conn.exec_driver_sql("PRAGMA mmap_size = 0")
    # SQLite's findings, alike ones (differing in numbers only) on one line: SQLite stops at 100.
    alike: dict[str, list[str]] = {}
    for line in lines:
        alike.setdefault(re.sub(r"\d+", "N", line), []).append(line)
    for found in alike.values():
        many = f"{len(found)}{'+' if len(lines) >= 100 else ''} findings like: " if len(found) > 1 else ""
        problems.append(Problem("integrity", "file", len(found), f"integrity: {many}{found[0]}", fix="backup"))
    groups: dict[tuple[str, str], list[int]] = {}
    for table, rowid, parent, _fk in conn.exec_driver_sql("PRAGMA foreign_key_check"):
        groups.setdefault((table, parent), []).append(rowid)
    for (table, parent), rowids in groups.items():
        shown = tuple(f"row {r}" for r in sorted(r for r in rowids if r is not None)[:EXAMPLES])
        problems.append(Problem("foreign-key", table, len(rowids),
                                f"foreign key: {table}: {_plural(len(rowids), 'row')} "
                                f"point{'s' if len(rowids) == 1 else ''} to a missing {parent}",
                                shown, fix="drop-orphans"))
    return problems


# -- copies ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Copy:
    """A value stored beside the data it repeats: how to find the rows where it drifted, and the
    one UPDATE that writes it again from the data."""

    subject: str                       # "contact.last_contact_at"
    noun: str                          # what a row is, in the line: "last-contact time" ("one|many")
    message: str                       # "contacts: {} out of step...": {} is the count with the noun
    table: sa.Table
    keys: Callable[[], tuple[Any, ...]]        # the columns naming a row (for examples)
    drifted: Callable[[], Any]                 # WHERE clause: the copy differs from the data
    values: Callable[[], dict[str, Any]]       # what the UPDATE sets
    example: Callable[[tuple[Any, ...]], str] = lambda key: f"#{key[0]}"

    def find(self, conn: Connection) -> Problem | None:
        stmt = sa.select(*self.keys(), sa.func.count().over()).select_from(self.table) \
            .where(self.drifted()).order_by(*self.keys()).limit(EXAMPLES)
        rows = conn.execute(stmt).all()
        if not rows:
            return None
        n = int(rows[0][-1])
        return Problem("copy", self.subject, n, self.message.format(_plural(n, self.noun)),
                       tuple(self.example(tuple(r[:-1])) for r in rows))

    def fix(self, conn: Connection) -> int:
        return int(conn.execute(sa.update(self.table).values(**self.values()).where(self.drifted())).rowcount or 0)


def _last_change(deal: Any, column: str) -> Any:
    """A deal's latest stage change's `column` (the latest by time, then by id)."""
    from crmcli.core.models import STAGE_CHANGE as s

    return sa.select(s.c[column]).where(s.c.deal_id == deal.c.id) \
        .order_by(s.c.changed_at.desc(), s.c.id.desc()).limit(1).scalar_subquery()


def _copies() -> list[Copy]:
    from crmcli.core.deals import activity_expression
    from crmcli.core.interactions import last_contact_expression
    from crmcli.core.models import INTERACTION_CONTACT as ic
    from crmcli.core.models import STAGE_CHANGE, AUDIT_COMMAND, Contact, Deal, FollowUp, Interaction
    from crmcli.storage.sql import noon_utc

    c, d, i, f = Contact.__table__, Deal.__table__, Interaction.__table__, FollowUp.__table__
    has_day = f.c.due_on.is_not(None)
    link_time = sa.select(i.c.occurred_at).where(i.c.id == ic.c.interaction_id).scalar_subquery()
    has_history = sa.exists().where(STAGE_CHANGE.c.deal_id == d.c.id)
    last_time = sa.select(sa.func.max(STAGE_CHANGE.c.changed_at)).where(STAGE_CHANGE.c.deal_id == d.c.id) \
        .scalar_subquery()
    closed = sa.case((_last_change(d, "outcome") == "open", sa.null()), else_=_last_change(d, "changed_at"))
    return [
        # Order matters for the repair: each copy is written from data repaired before it.
        Copy("interaction_contact.occurred_at", "interaction link", "timeline: {} out of step with their "
             "interaction's time", ic, lambda: (ic.c.interaction_id, ic.c.contact_id),
             lambda: ic.c.occurred_at != link_time, lambda: {"occurred_at": link_time},
             lambda key: f"interaction #{key[0]} with contact #{key[1]}"),
        Copy("contact.last_contact_at", "last-contact time", "contacts: {} out of step with the history", c,
             lambda: (c.c.id,), lambda: c.c.last_contact_at.is_distinct_from(last_contact_expression(c.c.id)),
             lambda: {"last_contact_at": last_contact_expression(c.c.id)}),
        Copy("deal.stage", "stage or status|stages or statuses", "deals: {} out of step with the stage history", d,
             lambda: (d.c.id,), lambda: sa.and_(has_history, sa.or_(d.c.stage != _last_change(d, "to_stage"),
                                                                    d.c.status != _last_change(d, "outcome"))),
             lambda: {"stage": _last_change(d, "to_stage"), "status": _last_change(d, "outcome")}),
        Copy("deal.stage_changed_at", "stage-change time", "deals: {} out of step with the stage history", d,
             lambda: (d.c.id,), lambda: sa.and_(has_history, d.c.stage_changed_at != last_time),
             lambda: {"stage_changed_at": last_time}),
        Copy("deal.closed_at", "closed time", "deals: {} out of step with the stage history", d,
             lambda: (d.c.id,), lambda: sa.and_(has_history, d.c.closed_at.is_distinct_from(closed)),
             lambda: {"closed_at": closed}),
        Copy("deal.last_activity_at", "last-activity time", "deals: {} out of step with their stage history "
             "and contacts", d, lambda: (d.c.id,),
             lambda: d.c.last_activity_at.is_distinct_from(activity_expression(d)),
             lambda: {"last_activity_at": activity_expression(d)}),
        # An all-day follow-up's day is `due_on`; its flag says so, and its due_at is the day's sort key.
        Copy("follow_up.due_at", "all-day due", "follow-ups: {} out of step with their day", f, lambda: (f.c.id,),
             lambda: sa.or_(f.c.all_day != has_day, sa.and_(has_day, f.c.due_at != noon_utc(f.c.due_on))),
             lambda: {"all_day": has_day, "due_at": sa.case((has_day, noon_utc(f.c.due_on)), else_=f.c.due_at)}),
        # A command's row is open (`in_progress`) only inside its own transaction; one left open
        # would collect the next command's changes.
        Copy("audit_command.in_progress", "command", "audit: {} left open", AUDIT_COMMAND,
             lambda: (AUDIT_COMMAND.c.id,), lambda: AUDIT_COMMAND.c.in_progress.isnot(None),
             lambda: {"in_progress": None}),
    ]


# Folded name keys (storage/keys.fold is their definition): plain ASCII names, most of them, are
# compared in SQL (their key is their lower case); the others are folded in Python, a few thousand.
_NAMED = (("contact", "contact"), ("organization", "organisation"), ("deal", "deal"))


def _plain(conn: Connection, name: str) -> str:
    """SQL: `name` is printable ASCII, single-spaced, with no space at either end."""
    if conn.dialect.name == "sqlite":
        return (f"({name} NOT GLOB '*[^ -~]*' AND {name} NOT LIKE ' %' AND {name} NOT LIKE '% ' "
                f"AND instr({name}, '  ') = 0)")
    return f"({name} ~ '^[ -~]*$' AND {name} !~ '(^ | $|  )')"


def _drifted_keys(conn: Connection, table: str) -> list[tuple[int, str]]:
    """(id, the right key) of each row of `table` whose name_key is not its folded name."""
    from crmcli.storage.keys import fold

    plain = _plain(conn, "name")
    wrong = [(int(r[0]), str(r[1])) for r in conn.exec_driver_sql(
        f"SELECT id, lower(name) FROM {table} WHERE {plain} AND name_key IS DISTINCT FROM lower(name)"
        if conn.dialect.name != "sqlite" else
        f"SELECT id, lower(name) FROM {table} WHERE {plain} AND name_key IS NOT lower(name)")]
    for ident, name, key in conn.exec_driver_sql(f"SELECT id, name, name_key FROM {table} WHERE NOT {plain}"):
        if key != fold(name):
            wrong.append((int(ident), fold(name)))
    return sorted(wrong)


def _name_keys(conn: Connection) -> list[Problem]:
    problems = []
    for table, shown in _NAMED:
        wrong = _drifted_keys(conn, table)
        if wrong:
            problems.append(Problem("copy", f"{table}.name_key", len(wrong),
                                    f"names: {_plural(len(wrong), f'{shown} name key')} differ from the folded name",
                                    tuple(f"#{i}" for i, _ in wrong[:EXAMPLES])))
    return problems


# -- the search index ------------------------------------------------------------------------------

_KIND_WORDS = {"interaction": "interaction", "contact": "contact", "organisation": "organisation",
               "deal": "deal", "follow-up": "follow-up", "case": "case"}
_STATE_WORDS = {"missing": "missing from the search index",
                "extra": "gone from the data but still in the search index",
                "different": "indexed with out-of-date text"}


def _index(conn: Connection) -> list[Problem]:
    from crmcli.storage import search_check

    problems = []
    missing = search_check.missing_triggers(conn)
    if missing:
        problems.append(Problem("index-trigger", "search index", len(missing),
                                f"search index: {_plural(len(missing), 'trigger')} keeping it missing",
                                tuple(missing[:EXAMPLES])))
    for drift in search_check.out_of_step(conn):
        word = _KIND_WORDS[drift.kind]
        problems.append(Problem("index", f"{drift.kind}.{drift.state}", drift.count,
                                f"search index: {_plural(drift.count, word)} {_STATE_WORDS[drift.state]}",
                                tuple(f"#{i}" for i in drift.examples)))
    return problems


def _fts5(db: Database) -> tuple[list[Problem], list[str]]:
    """FTS5's integrity-check, in a transaction of its own (it takes the write lock, briefly)."""
    from crmcli.errors import StorageError
    from crmcli.storage import search_check

    if not db.is_sqlite:
        return [], []
    try:
        with db.connect(write=True, audit=False) as conn:
            errors = search_check.fts5_errors(conn)
    except StorageError as err:
        return [], [f"FTS5's integrity-check not run: {err}"]
    return [Problem("fts5", e.split(":")[0], 1, f"search index: {e}") for e in errors], []


# -- the check -------------------------------------------------------------------------------------

def check(db: Database) -> Health:
    from crmcli.storage import migrations

    fts5, notes = _fts5(db)
    with db.connect() as conn:
        problems = _storage(conn)
        if any(p.check == "integrity" for p in problems):
            notes.append("the other checks were not run: the file is damaged")
        else:
            problems += _name_keys(conn)
            problems += [found for copy in _copies() if (found := copy.find(conn)) is not None]
            problems += _index(conn)
            problems += fts5
    return Health(db.describe(), db.schema_version(), migrations.LATEST, tuple(problems), tuple(notes))


# -- the repair ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Repaired:
    before: Health
    after: Health
    fixed: tuple[str, ...] = ()      # what was done, one line each
    changed: bool = False            # whether anything was written
    left: tuple[Problem, ...] = field(default=())  # what is still wrong

    @property
    def ok(self) -> bool:
        return self.after.ok


def _drop_orphans(conn: Connection) -> list[str]:
    """Each row pointing to a missing record gets what deleting that record would have done to it:
    deleted (a cascade), or unlinked (SET NULL, or an optional link). SQLite only."""
    done = []
    groups: dict[tuple[str, int], list[int]] = {}
    for table, rowid, _parent, fkid in conn.exec_driver_sql("PRAGMA foreign_key_check").all():
        groups.setdefault((table, fkid), []).append(rowid)
    for (table, fkid), rowids in groups.items():
        links = [r for r in conn.exec_driver_sql(f"PRAGMA foreign_key_list({table})").all() if r[0] == fkid]
        columns = [r[3] for r in links]
        parent, on_delete = links[0][2], links[0][6].upper()
        required = {r[1] for r in conn.exec_driver_sql(f"PRAGMA table_info({table})").all() if r[3]}
        unlink = on_delete == "SET NULL" or (on_delete != "CASCADE" and not required & set(columns))
        for start in range(0, len(rowids), 500):
            chunk = rowids[start:start + 500]
            marks = ", ".join("?" * len(chunk))
            if unlink:
                sets = ", ".join(f"{c} = NULL" for c in columns)
                conn.exec_driver_sql(f"UPDATE {table} SET {sets} WHERE rowid IN ({marks})", tuple(chunk))
            else:
                conn.exec_driver_sql(f"DELETE FROM {table} WHERE rowid IN ({marks})", tuple(chunk))
        done.append(f"{'unlinked' if unlink else 'deleted'} {_plural(len(rowids), f'{table} row')} "
                    f"pointing to a missing {parent}")
    return done


def repair(db: Database, *, drop_orphans: bool = False, reindex: bool = False) -> Repaired:
    """Check, fix in one transaction what can be fixed, check again."""
    before = check(db)
    if before.of("integrity"):
        return Repaired(before, before, left=before.problems)
    fixable = {p.subject for p in before.problems if p.check == "copy"}
    index = reindex or bool(before.of("index") or before.of("index-trigger") or before.of("fts5"))
    orphans = drop_orphans and bool(before.of("foreign-key"))
    if not (fixable or index or orphans):
        return Repaired(before, before, left=before.problems)
    done: list[str] = []
    with db.connect(write=True) as conn:
        if "audit_command.in_progress" in fixable:  # first: this command's own changes must not join them
            n = _close_commands(conn)
            done.append(f"closed {_plural(n, 'audit command')} left open")
        if orphans:
            done += _drop_orphans(conn)
        # Every copy is written again where it differs, found drifted or not: a copy made from
        # another (a contact's last contact from its links' times) may drift by the other's repair.
        for table, shown in _NAMED:
            wrong = _drifted_keys(conn, table)
            if wrong:
                conn.execute(sa.text(f"UPDATE {table} SET name_key = :key WHERE id = :id"),
                             [{"id": i, "key": key} for i, key in wrong])
                done.append(f"wrote {_plural(len(wrong), f'{shown} name key')} again from the names")
        for copy in _copies():
            if copy.subject != "audit_command.in_progress" and (n := copy.fix(conn)):
                done.append(f"wrote {_plural(n, copy.noun)} again from the data ({copy.subject})")
        if index:
            from crmcli.storage import search_check, search_index

            missing = search_check.missing_triggers(conn)
            if missing:
                search_check.restore_triggers(conn, missing)
                done.append(f"made {_plural(len(missing), 'search index trigger')} again")
            search_index.rebuild(conn)
            done.append("rebuilt the search index")
    after = check(db)
    return Repaired(before, after, tuple(done), True, after.problems)


def _close_commands(conn: Connection) -> int:
    """Close the audit commands left open, but this transaction's own (the latest open one, SQLite):
    those that recorded nothing go, the others are kept, closed."""
    own = conn.exec_driver_sql("SELECT max(id) FROM audit_command WHERE in_progress = 1").scalar() \
        if conn.dialect.name == "sqlite" else None
    others = f"in_progress IS NOT NULL AND id <> {int(own)}" if own is not None else "in_progress IS NOT NULL"
    n = int(conn.exec_driver_sql(f"SELECT count(*) FROM audit_command WHERE {others}").scalar() or 0)
    conn.exec_driver_sql(f"DELETE FROM audit_command WHERE {others} AND NOT EXISTS "
                         "(SELECT 1 FROM audit_change WHERE command_id = audit_command.id)")
    conn.exec_driver_sql(f"UPDATE audit_command SET in_progress = NULL WHERE {others}")
    return n
