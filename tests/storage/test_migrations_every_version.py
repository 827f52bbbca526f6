"""From every earlier schema version, on SQLite and on PostgreSQL, a database full of data migrates
to the latest: every row of every table is what it was, plus what each later step documents it
fills in (STEP_EFFECTS); the schema and the derived structures (the search index, the audit
triggers: storage/migrations.py, DERIVED) are a new database's; search finds the old rows, `crm db
check` is clean, and the services work.

The old databases are made by the frozen steps (`migrations.apply(conn, 0, version)`), with the
derived structures crmcli kept beside the data at that version as near as this code can make them
(`_derived_then`), then filled by SQL written for the columns that exist at that version.

On PostgreSQL the schema is also compared with the one the models describe (tables made by
`create_all`): types, nullability, index names, foreign keys and their ON DELETE. On SQLite the
models' comparison is test_migrations.py's (reflection misses ON DELETE on a column added by
ALTER TABLE; it reads PRAGMA foreign_key_list)."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import sqlalchemy as sa

from crmcli.core import contacts, deals, health, interactions, search
from crmcli.core.stages import DEFAULT
from crmcli.core.text import fold
from crmcli.storage import audit_triggers, migrations, search_index
from crmcli.storage.database import Database
from tests.core.test_search import assert_index_sound
from tests.storage.test_migrations import _V6_SEARCH_INDEX

EARLIER = range(1, migrations.LATEST)
Tables = dict[str, list[dict[str, Any]]]  # every row of every data table, in key order


def at(day: int, hour: int = 9, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


def local_midnight(day: int) -> datetime:
    """An all-day due as crmcli stored it before step 11: the day's local midnight, in UTC."""
    return datetime(2026, 3, day).astimezone(UTC)


def _contact(id: int, name: str, title: str | None, org: int | None, cadence: int | None,
             last: datetime | None, owner: str | None = None, version: int = 1) -> dict[str, Any]:
    return dict(id=id, uid=f"c-{id}", name=name, name_key=fold(name), title=title, org_id=org, cadence_days=cadence,
                created_at=at(1), updated_at=at(3), last_contact_at=last, owner=owner, version=version)


def _interaction(id: int, kind: str, direction: str | None, body: str, when: datetime) -> dict[str, Any]:
    return dict(id=id, uid=f"i-{id}", kind=kind, direction=direction, body=body, occurred_at=when,
                created_at=when, updated_at=when)


def _deal(id: int, name: str, org: int | None, value: int, currency: str, stage: str, status: str,
          changed: datetime, activity: datetime, **rest: Any) -> dict[str, Any]:
    row = dict(id=id, uid=f"d-{id}", name=name, name_key=fold(name), org_id=org, value_minor=value, currency=currency,
               stage=stage, status=status, probability=None, close_on=None, owner=None, lost_reason=None, note=None,
               stage_changed_at=changed, last_activity_at=activity, closed_at=None, created_at=at(1, month=2),
               updated_at=changed, version=1)
    return row | rest


def _follow_up(id: int, contact: int, title: str, due: datetime, all_day: bool, **rest: Any) -> dict[str, Any]:
    row = dict(id=id, uid=f"f-{id}", contact_id=contact, title=title, note=None, due_at=due, all_day=all_day,
               repeat=None, done_at=None, created_at=at(1), updated_at=at(1), deal_id=None, owner=None, version=1)
    return row | rest


def _change(id: int, command: int, table: str, key: str, action: str, contact: int | None, deal: int | None,
            before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, Any]:
    return dict(id=id, command_id=command, table_name=table, row_key=key, action=action, contact_id=contact,
                deal_id=deal, before=before, after=after)


# What crmcli would have written, in the columns of version 10 (the same data at every version: a
# version keeps the tables and columns it has). The copies kept beside the history agree with it
# (each contact's last contact, each deal's last stage change and last activity), as crmcli keeps them.
DATA: Tables = {
    "organization": [
        dict(id=1, uid="o-1", name="Ørsted Søn", name_key=fold("Ørsted Søn"), website="orsted.example",
             created_at=at(1), updated_at=at(2), version=2),
        dict(id=2, uid="o-2", name="Acme Ltd", name_key="acme ltd", website=None, created_at=at(1),
             updated_at=at(1), version=1),
        dict(id=3, uid="o-3", name="株式会社 東京", name_key=fold("株式会社 東京"), website=None, created_at=at(1),
             updated_at=at(1), version=1),
    ],
    "contact": [
        _contact(1, "Zoë Øster", "CTO", 1, 30, at(9), owner="kim", version=3),
        _contact(2, "José Núñez", None, 2, None, at(2)),
        _contact(3, "Ann Lee", "Buyer", None, 14, None, owner="kim"),
        _contact(4, "李小龙", None, 3, None, at(4)),
    ],
    "contact_email": [
        dict(id=1, contact_id=1, address="zoe@oster.example", label="work", position=0),
        dict(id=2, contact_id=1, address="zoe@privat.example", label="home", position=1),
        dict(id=3, contact_id=2, address="jose@acme.example", label=None, position=0),
    ],
    "contact_phone": [
        dict(id=1, contact_id=1, number="+4520123456", label="mobile", position=0),
        dict(id=2, contact_id=3, number="+442079460000", label=None, position=0),
    ],
    "tag": [dict(id=1, name="vip"), dict(id=2, name="client")],
    "contact_tag": [dict(contact_id=1, tag_id=1), dict(contact_id=1, tag_id=2), dict(contact_id=2, tag_id=2)],
    "contact_field": [
        dict(id=1, contact_id=1, key="source", value="fair"),
        dict(id=2, contact_id=2, key="language", value="español"),
    ],
    "interaction": [
        _interaction(1, "call", "out", "Called about the discount for the stand", at(2)),
        _interaction(2, "email", "in", "Sent the quote for the fair", at(9)),
        _interaction(3, "meeting", None, "和李先生开会", at(4)),
    ],
    "interaction_contact": [  # the first call had two people
        dict(contact_id=1, interaction_id=1, occurred_at=at(2)),
        dict(contact_id=1, interaction_id=2, occurred_at=at(9)),
        dict(contact_id=2, interaction_id=1, occurred_at=at(2)),
        dict(contact_id=4, interaction_id=3, occurred_at=at(4)),
    ],
    "deal": [
        _deal(1, "Stand at the fair", 1, 240_000, "EUR", "proposal", "open", at(5), at(9), close_on=date(2026, 4, 30),
              owner="kim", note="Two days, hall B", version=2),
        _deal(2, "Renewal", 2, 50_000, "USD", "lost", "lost", at(7), at(7), probability=0, lost_reason="price",
              closed_at=at(7)),
        _deal(3, "Quiet one", None, 0, "EUR", "lead", "open", at(1, month=2), at(1, month=2)),
    ],
    "deal_contact": [dict(deal_id=1, contact_id=1), dict(deal_id=1, contact_id=2), dict(deal_id=2, contact_id=2)],
    "stage_change": [
        dict(id=1, deal_id=1, from_stage=None, to_stage="lead", outcome="open", changed_at=at(1)),
        dict(id=2, deal_id=1, from_stage="lead", to_stage="proposal", outcome="open", changed_at=at(5)),
        dict(id=3, deal_id=2, from_stage=None, to_stage="lead", outcome="open", changed_at=at(20, month=2)),
        dict(id=4, deal_id=2, from_stage="lead", to_stage="lost", outcome="lost", changed_at=at(7)),
        dict(id=5, deal_id=3, from_stage=None, to_stage="lead", outcome="open", changed_at=at(1, month=2)),
    ],
    "follow_up": [
        _follow_up(1, 1, "Send the quote", at(12, 14), False, note="with the hall plan", deal_id=1, owner="kim",
                   version=2),
        _follow_up(2, 2, "Call back", local_midnight(15), True),
        _follow_up(3, 3, "Check in", local_midnight(16), True, repeat="every week"),
        _follow_up(4, 1, "Book the stand", at(3, 10), False, repeat="every month", done_at=at(3, 16)),
    ],
    "service_case": [
        dict(id=1, uid="c8f1a7e2-0000-4000-8000-000000000001", contact_id=1, deal_id=1, title="Invoice charged twice",
             kind="complaint", priority="urgent", status="open", owner="kim", opened_at=at(10),
             first_response_at=at(10, 11), resolved_at=None, closed_at=None, waiting_since=None,
             response_due_at=at(10, 13), resolve_due_at=at(11), created_at=at(10), updated_at=at(10, 11), version=2),
    ],
    "case_status_change": [
        dict(id=1, case_id=1, from_status=None, to_status="new", changed_at=at(10)),
        dict(id=2, case_id=1, from_status="new", to_status="open", changed_at=at(10, 11)),
    ],
    "segment": [
        dict(id=1, uid="s-1", name="VIP clients", name_key="vip clients", definition={"tags": ["vip", "client"]},
             description=None, owner="kim", created_at=at(11), updated_at=at(11), version=1),
    ],
    "campaign": [
        dict(id=1, uid="cp-1", name="Spring fair", name_key="spring fair", segment_id=1, channel="email",
             cost_minor=50_000, cost_currency="EUR", started_at=at(12), ended_at=None, owner="kim",
             note="Invitations to the stand", created_at=at(11), updated_at=at(12), version=2),
    ],
    "campaign_member": [dict(campaign_id=1, contact_id=1, added_at=at(12), by_hand=0)],
    "campaign_response": [
        dict(id=1, campaign_id=1, contact_id=1, kind="replied", at=at(13), interaction_id=2),
    ],
    "audit_command": [
        dict(id=1, at=at(1), actor="kim", command='crm contacts add "Zoë Øster" --org "Ørsted Søn"', undoes=None,
             in_progress=None),
        dict(id=2, at=at(5), actor="kim", command="crm deals move stand proposal", undoes=None, in_progress=None),
        dict(id=3, at=at(6), actor="ann", command="crm undo", undoes=2, in_progress=None),
    ],
    "audit_change": [
        _change(1, 1, "organization", "1", "insert", None, None, None, {"id": 1, "name": "Ørsted Søn"}),
        _change(2, 1, "contact", "1", "insert", 1, None, None, {"id": 1, "name": "Zoë Øster", "org_id": 1}),
        _change(3, 2, "deal", "1", "update", None, 1, {"stage": "lead"}, {"stage": "proposal"}),
        _change(4, 2, "deal_contact", "1/2", "delete", 2, 1, {"deal_id": 1, "contact_id": 2}, None),
        _change(5, 3, "deal", "1", "update", None, 1, {"stage": "proposal"}, {"stage": "lead"}),
    ],
}


# -- what each step does to the rows it finds ---------------------------------------------------

def _fill(tables: Tables, table: str, column: str, value: Callable[[dict[str, Any]], Any]) -> None:
    for row in tables[table]:
        row[column] = value(row)


def _new(tables: Tables, *names: str) -> None:
    for name in names:
        tables[name] = []


def _name_keys(tables: Tables) -> None:
    for table in ("contact", "organization"):
        _fill(tables, table, "name_key", lambda row: fold(row["name"]))


def _deals(tables: Tables) -> None:
    _new(tables, "deal", "deal_contact", "stage_change")
    _fill(tables, "follow_up", "deal_id", lambda _: None)


def _last_contacts(tables: Tables) -> None:
    times: dict[int, list[datetime]] = {}
    for link in tables["interaction_contact"]:
        times.setdefault(link["contact_id"], []).append(link["occurred_at"])
    _fill(tables, "contact", "last_contact_at", lambda c: max(times.get(c["id"], []), default=None))


def _last_activity(tables: Tables) -> None:
    last = {c["id"]: c["last_contact_at"] for c in tables["contact"]}
    talked: dict[int, list[datetime]] = {}
    for link in tables["deal_contact"]:
        if last[link["contact_id"]] is not None:
            talked.setdefault(link["deal_id"], []).append(last[link["contact_id"]])
    _fill(tables, "deal", "last_activity_at", lambda d: max([d["stage_changed_at"], *talked.get(d["id"], [])]))


def _team_mode(tables: Tables) -> None:
    for table in ("organization", "contact", "follow_up", "deal"):
        _fill(tables, table, "version", lambda _: 1)
    for table in ("contact", "follow_up"):
        _fill(tables, table, "owner", lambda _: None)
    _new(tables, "audit_command", "audit_change")


def _privacy_and_dates(tables: Tables) -> None:
    _fill(tables, "contact", "do_not_contact_at", lambda _: None)
    _fill(tables, "contact", "do_not_contact_reason", lambda _: None)
    # An all-day due: the day of the local midnight it was stored as, and 12:00 UTC of that day its sort key.
    _fill(tables, "follow_up", "due_on", lambda f: f["due_at"].astimezone().date() if f["all_day"] else None)
    _fill(tables, "follow_up", "due_at",
          lambda f: datetime.combine(f["due_on"], time(12), UTC) if f["all_day"] else f["due_at"])
    _fill(tables, "follow_up", "series_uid", lambda f: f["uid"])


def _service_cases_and_mail(tables: Tables) -> None:
    _new(tables, "service_case", "case_status_change")
    _fill(tables, "interaction", "case_id", lambda _: None)
    _fill(tables, "interaction", "message_id", lambda _: None)


def _segments_and_campaigns(tables: Tables) -> None:
    _new(tables, "segment", "campaign", "campaign_member", "campaign_response")
    _fill(tables, "deal", "campaign_id", lambda _: None)
    _fill(tables, "interaction", "campaign_id", lambda _: None)


# Step -> what it does to the data: the tables it adds (empty), the columns it adds with what it fills
# them with. A new step must say here what it does (a test holds the keys to the steps).
STEP_EFFECTS: dict[int, Callable[[Tables], None]] = {
    2: _name_keys,
    3: lambda t: _new(t, "interaction", "interaction_contact"),
    4: lambda t: _new(t, "follow_up"),
    5: _deals,
    6: _last_contacts,
    7: lambda t: None,  # the search index: derived, not data
    8: _last_activity,
    9: _team_mode,
    10: lambda t: None,  # the search index: derived, not data
    11: _privacy_and_dates,
    12: _service_cases_and_mail,
    13: _segments_and_campaigns,
    14: lambda t: None,  # the search index over cases: derived, not data
}


def test_every_step_says_what_it_does_to_the_data() -> None:
    assert sorted(STEP_EFFECTS) == list(range(2, migrations.LATEST + 1))


def _expected(before: Tables, version: int) -> Tables:
    tables = copy.deepcopy(before)
    for step in range(version + 1, migrations.LATEST + 1):
        STEP_EFFECTS[step](tables)
    return tables


# -- reading a database ---------------------------------------------------------------------------

def _plain(value: Any) -> Any:
    """SQLite hands back naive UTC times; PostgreSQL aware ones."""
    return value.replace(tzinfo=UTC) if isinstance(value, datetime) and value.tzinfo is None else value


def _rows(conn: sa.Connection) -> tuple[Tables, list[dict[str, Any]]]:
    """Every row of every data table (the search index's tables left out: derived), and the
    migration record."""
    md = sa.MetaData()
    md.reflect(conn, only=lambda name, _: "fts" not in name)  # not SQLite's FTS5 tables nor PostgreSQL's tsvectors
    found: Tables = {}
    for table in md.sorted_tables:
        order = list(table.primary_key.columns) or list(table.columns)
        found[table.name] = [{k: _plain(v) for k, v in row._mapping.items()}
                             for row in conn.execute(sa.select(table).order_by(*order))]
    return found, found.pop("crm_migrations")


def _objects(conn: sa.Connection) -> dict[tuple[str, ...], Any]:
    """Every schema object as the database states it, by kind and name: tables and their columns,
    constraints, indexes, views, triggers, functions."""
    if conn.dialect.name == "sqlite":
        return {(kind, name): (table, sql) for kind, name, table, sql in conn.exec_driver_sql(
            "SELECT type, name, tbl_name, sql FROM sqlite_master")}
    queries = {  # the first two columns name an object, the rest state it
        "column": "SELECT table_name, column_name, ordinal_position, data_type, is_nullable, column_default "
                  "FROM information_schema.columns WHERE table_schema = 'public'",
        "constraint": "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                      "WHERE connamespace = 'public'::regnamespace",
        "index": "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'",
        "view": "SELECT viewname, '', definition FROM pg_views WHERE schemaname = 'public'",
        "trigger": "SELECT tgrelid::regclass::text, tgname, pg_get_triggerdef(oid) FROM pg_trigger "
                   "WHERE NOT tgisinternal",
        "function": "SELECT p.proname, pg_get_function_identity_arguments(p.oid), pg_get_functiondef(p.oid) "
                    "FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace AND NOT EXISTS "
                    "(SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')",  # not an extension's
        "extension": "SELECT extname, '', extnamespace::regnamespace::text FROM pg_extension",
    }
    return {(kind, *row[:2]): tuple(row[2:]) for kind, sql in queries.items() for row in conn.exec_driver_sql(sql)}


def _schema(conn: sa.Connection) -> dict[str, Any]:
    """Every table's columns (type, nullable), indexes and foreign keys, as the database reports them."""
    inspector = sa.inspect(conn)
    columns, indexes, keys = (inspector.get_multi_columns(), inspector.get_multi_indexes(),
                              inspector.get_multi_foreign_keys())
    return {
        table: ({c["name"]: (str(c["type"]), c["nullable"]) for c in columns[(schema, table)]},
                sorted((i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in indexes[(schema, table)]),
                sorted((tuple(f["constrained_columns"]), f["referred_table"], (f.get("options") or {}).get("ondelete"))
                       for f in keys[(schema, table)]))
        for schema, table in columns
        if "fts" not in table  # the full-text index: PostgreSQL's tsvector tables (search_pg)
    }


# -- an old database ------------------------------------------------------------------------------

def _derived_then(conn: sa.Connection, version: int) -> None:
    """The derived structures crmcli at `version` kept beside the data, as near as this code makes
    them: the search index (SQLite from 3: the early design to 6, this one after; PostgreSQL from
    10) and the audit triggers (from 9, made from the columns the tables then had)."""
    sqlite = conn.dialect.name == "sqlite"
    if sqlite and 3 <= version < 7:
        for statement in _V6_SEARCH_INDEX:
            conn.exec_driver_sql(statement)
    elif version >= (7 if sqlite else 10):
        _search_index_then(conn, version)
    if version >= migrations.AUDITED_SINCE:  # over the audited tables that version had
        present = set(sa.inspect(conn).get_table_names())
        every = dict(audit_triggers.AUDITED)
        try:
            audit_triggers.AUDITED.clear()
            audit_triggers.AUDITED.update({name: spec for name, spec in every.items() if name in present})
            audit_triggers.create(conn)
        finally:
            audit_triggers.AUDITED.clear()
            audit_triggers.AUDITED.update(every)


def _search_index_then(conn: sa.Connection, version: int) -> None:
    """This code's search index, over the tables `version` had. Before step 12 there were no
    service cases: a stand-in table lets the index be made, and goes after, with what keeps cases
    in it (its triggers; on PostgreSQL its view too, on SQLite the view is left naming nothing)."""
    before_cases = version < 12
    if before_cases:
        conn.exec_driver_sql("CREATE TABLE service_case (id INTEGER PRIMARY KEY, title VARCHAR NOT NULL)")
    search_index.create(conn)
    if before_cases:
        conn.exec_driver_sql("DROP TABLE service_case" + (" CASCADE" if conn.dialect.name == "postgresql" else ""))


def _old(target: str, version: int) -> Tables:
    """A database as crmcli at `version` left it, full of DATA in the columns that version has; its rows."""
    db = Database.open(target, migrate=False)
    with db.connect(write=True, audit=False) as conn:
        migrations.apply(conn, 0, target=version)
        _derived_then(conn, version)
        if conn.dialect.name == "postgresql":  # the owner loading rows, as db copy does: not history
            conn.exec_driver_sql("SELECT set_config('crmcli.audit', 'off', true)")
        md = sa.MetaData()
        md.reflect(conn, only=[name for name in sa.inspect(conn).get_table_names() if name in DATA])
        data = copy.deepcopy(DATA)  # rows as crmcli at `version` wrote them: all-day dues as step 11 left them
        if version >= 11:
            _privacy_and_dates(data)
        for name, rows in data.items():
            if name not in md.tables:
                continue
            table = md.tables[name]
            for column in table.columns:
                if isinstance(column.type, sa.JSON):
                    column.type.none_as_null = True  # SQL NULL, as the audit triggers write it
            conn.execute(table.insert(), [{k: v for k, v in row.items() if k in table.c} for row in rows])
            if conn.dialect.name == "postgresql" and "id" in table.c:  # ids given: the sequence goes on after them
                conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), max(id)) FROM {name}")
        before, _ = _rows(conn)
    db.dispose()
    assert set(before) <= set(DATA) and all(before[name] for name in before), "every table has rows"
    return before


# -- the new database ------------------------------------------------------------------------------

def _searched(conn: sa.Connection, text: str) -> list[tuple[str, int]]:
    return [(row[0], row[1]) for row in search.search(conn, text).rows]


def _works(db: Database) -> None:
    with db.session(write=True) as s:
        asa, _ = contacts.add(s, contacts.ContactChanges(name="Åsa Berg", add_emails=["asa@berg.example"]))
        interactions.log(s, [asa], "Sent the brochure", kind="email")
        deals.add(s, deals.NewDeal("Second stand", 2_400, "EUR", DEFAULT.get("lead"), contacts=[asa]))
    with db.connect() as conn:
        assert _searched(conn, "asa berg")[:1] == [("contact", 5)]
        assert [kind for kind, _ in _searched(conn, "brochure")] == ["interaction"]
        assert deals.drifted_activity(conn) == 0
        assert_index_sound(conn)


def _migrates(target: str, version: int, fresh: dict[str, Any]) -> Database:
    """Migrate an old database at `target`; check its rows, objects, search and health."""
    before = _old(target, version)
    db = Database.open(target)
    with db.connect() as conn:
        after, record = _rows(conn)
        assert after == _expected(before, version)
        steps = [(n, name) for n, (name, _) in enumerate(migrations.MIGRATIONS, start=1)]
        assert [(r["version"], r["name"]) for r in record] == steps
        assert _objects(conn) == fresh  # the same tables, indexes, search index and triggers as a new database
        assert _searched(conn, "oster")[:1] == [("contact", 1)]
        assert _searched(conn, "orsted")[:1] == [("organisation", 1)]
        if version >= 3:
            assert _searched(conn, "discount") == [("interaction", 1)]
            assert _searched(conn, "nunez stand") == [("interaction", 1)]  # by its people's names
            assert _searched(conn, "李") == [("contact", 4), ("interaction", 3)]
        if version >= 5:
            assert ("deal", 1) in _searched(conn, "hall")
        assert _searched(conn, "charged") == ([("case", 1)] if version >= 12 else [])  # a case by its title
        assert_index_sound(conn)
    assert health.check(db).ok
    return db


@pytest.fixture(scope="module")
def sqlite_fresh(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    db = Database.open(str(tmp_path_factory.mktemp("fresh") / "new.db"))
    with db.connect() as conn:
        objects = _objects(conn)
    db.dispose()
    return objects


@pytest.fixture(scope="module")
def postgres_fresh(pg_server: str) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """A new database's objects, and the schema the models describe (tables made by `create_all`,
    without migrations), each read once from a database made for it and dropped."""
    from crmcli.core.models import SQLModel

    admin = sa.create_engine(pg_server, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    base = pg_server.rsplit("/", 1)[0]
    found = []
    for name in ("crm_fresh", "crm_models"):
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
        if name == "crm_fresh":
            db = Database.open(f"{base}/{name}")
            with db.connect() as conn:
                found.append(_objects(conn))
            db.dispose()
        else:
            engine = sa.create_engine(f"{base}/{name}", poolclass=sa.pool.NullPool)
            SQLModel.metadata.create_all(engine)
            with engine.connect() as conn:
                found.append(_schema(conn))
            engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")
    admin.dispose()
    yield found[0], found[1]


@pytest.mark.parametrize("version", EARLIER)
def test_old_database_migrates_on_sqlite(tmp_path: Path, version: int, sqlite_fresh: dict[str, Any]) -> None:
    db = _migrates(str(tmp_path / "old.db"), version, sqlite_fresh)
    try:
        assert (tmp_path / f"old.db.bak-v{version}").exists()
        _works(db)
    finally:
        db.dispose()


@pytest.mark.parametrize("version", EARLIER)
def test_old_database_migrates_on_postgres(pg_url: str, version: int,
                                           postgres_fresh: tuple[dict[str, Any], dict[str, Any]]) -> None:
    objects, models = postgres_fresh
    db = _migrates(pg_url, version, objects)
    try:
        with db.connect() as conn:
            assert _schema(conn) == models and len(models) == 22
        _works(db)
    finally:
        db.dispose()
