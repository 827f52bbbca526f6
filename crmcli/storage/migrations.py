"""The migration registry. Each numbered step is a function of a Connection, applied in one
transaction and recorded in `crm_migrations`; the highest number recorded is the schema version.

Steps are frozen: never edit one that has shipped, add a new one. A step calls no crmcli code
that a later change could alter: what it needs is copied into it as it was then (step 2's fold).

Derived structures are rebuilt, not migrated. The full-text index (search_index, search_pg) and
the audit triggers (audit_triggers) are made from the data by the current code, and read whatever
tables and columns the latest schema has. Each is listed in DERIVED with the step its current
definition belongs to. When `apply` brings a database from below that step to the latest
version, it drops the structure before the numbered steps (so none of its old triggers or views
runs during a step, or stops one: SQLite refuses to drop a column that a trigger or view names)
and makes it anew from the current code after them. Hence:

- Changing a derived definition, or the columns it is made from, takes a new numbered step,
  which may do nothing but carry the change's name (as steps 7, 10 and 14 do), and moving the
  structure's version in DERIVED to it. tests/storage/test_derived.py pins each definition to its
  version, so a change without a new step fails there.
- The check made on every command stays one query (the schema version, Database.ensure_schema):
  ordinary commands never rebuild anything, only the migration that needs it does (a search
  index rebuild takes ~10 s on the 1M-interaction bench database).
- Only the latest schema has derived structures: a database made at an earlier version by
  `apply(conn, 0, target)` (the migration tests) has none.

The steps' own writes are not history: on PostgreSQL the audit triggers that stay in place are
told so while the steps run (`crmcli.audit` off, as for a bulk copy).

The derived structures' modules are imported only to rebuild them, so ordinary commands never pay
for them.
"""

from __future__ import annotations

import importlib
import unicodedata
from contextlib import contextmanager
from types import ModuleType
from typing import Any, Callable, Iterator, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection


def _v1_initial(conn: Connection) -> None:
    """The first schema: organisations, contacts with emails, phones, tags and custom fields."""
    md = sa.MetaData()
    ts = sa.DateTime(timezone=True)
    sa.Table("crm_migrations", md,
             sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
             sa.Column("name", sa.String, nullable=False),
             sa.Column("applied_at", ts, nullable=False))
    sa.Table("organization", md,
             sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("uid", sa.String, nullable=False, unique=True),
             sa.Column("name", sa.String, nullable=False),
             sa.Column("website", sa.String),
             sa.Column("created_at", ts, nullable=False),
             sa.Column("updated_at", ts, nullable=False))
    sa.Table("contact", md,
             sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("uid", sa.String, nullable=False, unique=True),
             sa.Column("name", sa.String, nullable=False),
             sa.Column("title", sa.String),
             sa.Column("org_id", sa.Integer, sa.ForeignKey("organization.id", ondelete="SET NULL"), index=True),
             sa.Column("cadence_days", sa.Integer),
             sa.Column("created_at", ts, nullable=False),
             sa.Column("updated_at", ts, nullable=False))
    sa.Table("contact_email", md,
             sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("contact_id", sa.Integer, sa.ForeignKey("contact.id", ondelete="CASCADE"),
                       nullable=False, index=True),
             sa.Column("address", sa.String, nullable=False, unique=True),
             sa.Column("label", sa.String),
             sa.Column("position", sa.Integer, nullable=False))
    sa.Table("contact_phone", md,
             sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("contact_id", sa.Integer, sa.ForeignKey("contact.id", ondelete="CASCADE"),
                       nullable=False, index=True),
             sa.Column("number", sa.String, nullable=False),
             sa.Column("label", sa.String),
             sa.Column("position", sa.Integer, nullable=False))
    sa.Table("tag", md,
             sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("name", sa.String, nullable=False, unique=True))
    sa.Table("contact_tag", md,
             sa.Column("contact_id", sa.Integer, sa.ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True),
             sa.Column("tag_id", sa.Integer, sa.ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True,
                       index=True))
    sa.Table("contact_field", md,
             sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("contact_id", sa.Integer, sa.ForeignKey("contact.id", ondelete="CASCADE"),
                       nullable=False, index=True),
             sa.Column("key", sa.String, nullable=False),
             sa.Column("value", sa.String, nullable=False),
             sa.UniqueConstraint("contact_id", "key"))
    md.create_all(conn)


# Step 2's fold, frozen as it shipped (storage/keys.py's `fold` has since gained a shortcut for
# ASCII text, which gives the same keys; a test holds the two equal, and if they ever differ a new
# step must compute the stored keys again).
_V2_EXTRA = str.maketrans({"ø": "o", "Ø": "o", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ł": "l", "Ł": "l",
                           "đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "þ": "th", "Þ": "th", "ı": "i"})


def _v2_fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_V2_EXTRA))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


def _v2_name_keys(conn: Connection) -> None:
    """Folded names for case- and accent-insensitive references (`zoe` finds Zoë), backfilled."""
    for table in ("contact", "organization"):
        conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN name_key VARCHAR NOT NULL DEFAULT ''")
        rows = conn.exec_driver_sql(f"SELECT id, name FROM {table}").all()
        if rows:
            conn.execute(sa.text(f"UPDATE {table} SET name_key = :key WHERE id = :id"),
                         [{"id": row.id, "key": _v2_fold(row.name)} for row in rows])
        conn.exec_driver_sql(f"CREATE INDEX ix_{table}_name_key ON {table} (name_key)")


def _v3_interactions(conn: Connection) -> None:
    """The interaction history (one interaction, several contacts). Its full-text index, made here
    when this step shipped, is a derived structure now (DERIVED: the current index reads tables
    that later steps add)."""
    md = sa.MetaData()
    ts = sa.DateTime(timezone=True)
    sa.Table("contact", md, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table("interaction", md,
             sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("uid", sa.String, nullable=False, unique=True),
             sa.Column("kind", sa.String, nullable=False),
             sa.Column("direction", sa.String),
             sa.Column("body", sa.String, nullable=False),
             sa.Column("occurred_at", ts, nullable=False, index=True),
             sa.Column("created_at", ts, nullable=False),
             sa.Column("updated_at", ts, nullable=False))
    sa.Table("interaction_contact", md,
             sa.Column("contact_id", sa.Integer, sa.ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True),
             sa.Column("interaction_id", sa.Integer, sa.ForeignKey("interaction.id", ondelete="CASCADE"),
                       primary_key=True, index=True),
             sa.Column("occurred_at", ts, nullable=False),
             sa.Index("ix_interaction_contact_timeline", "contact_id", "occurred_at"))
    md.create_all(conn, tables=[md.tables["interaction"], md.tables["interaction_contact"]])


def _v4_follow_ups(conn: Connection) -> None:
    """Follow-ups: a due date or time per contact, optionally recurring."""
    md = sa.MetaData()
    ts = sa.DateTime(timezone=True)
    sa.Table("contact", md, sa.Column("id", sa.Integer, primary_key=True))
    follow_up = sa.Table(
        "follow_up", md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uid", sa.String, nullable=False, unique=True),
        sa.Column("contact_id", sa.Integer, sa.ForeignKey("contact.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("title", sa.String, nullable=False),
        sa.Column("note", sa.String),
        sa.Column("due_at", ts, nullable=False),
        sa.Column("all_day", sa.Boolean, nullable=False),
        sa.Column("repeat", sa.String),
        sa.Column("done_at", ts),
        sa.Column("created_at", ts, nullable=False),
        sa.Column("updated_at", ts, nullable=False),
        sa.Index("ix_follow_up_open", "done_at", "due_at"))
    follow_up.create(conn)


def _v5_deals(conn: Connection) -> None:
    """Deals with their contacts and stage history; follow-ups may name the deal they serve."""
    md = sa.MetaData()
    ts = sa.DateTime(timezone=True)
    sa.Table("contact", md, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table("organization", md, sa.Column("id", sa.Integer, primary_key=True))
    deal = sa.Table(
        "deal", md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uid", sa.String, nullable=False, unique=True),
        sa.Column("name", sa.String, nullable=False),
        sa.Column("name_key", sa.String, nullable=False, index=True),
        sa.Column("org_id", sa.Integer, sa.ForeignKey("organization.id", ondelete="SET NULL"), index=True),
        sa.Column("value_minor", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String, nullable=False),
        sa.Column("stage", sa.String, nullable=False),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("probability", sa.Integer),
        sa.Column("close_on", sa.Date),
        sa.Column("owner", sa.String),
        sa.Column("lost_reason", sa.String),
        sa.Column("note", sa.String),
        sa.Column("stage_changed_at", ts, nullable=False),
        sa.Column("closed_at", ts),
        sa.Column("created_at", ts, nullable=False),
        sa.Column("updated_at", ts, nullable=False),
        sa.Index("ix_deal_status_close", "status", "close_on"))
    links = sa.Table(
        "deal_contact", md,
        sa.Column("deal_id", sa.Integer, sa.ForeignKey("deal.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("contact_id", sa.Integer, sa.ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True,
                  index=True))
    history = sa.Table(
        "stage_change", md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("deal_id", sa.Integer, sa.ForeignKey("deal.id", ondelete="CASCADE"), nullable=False),
        sa.Column("from_stage", sa.String),
        sa.Column("to_stage", sa.String, nullable=False),
        sa.Column("outcome", sa.String, nullable=False),
        sa.Column("changed_at", ts, nullable=False),
        sa.Index("ix_stage_change_deal", "deal_id", "changed_at"))
    md.create_all(conn, tables=[deal, links, history])
    conn.exec_driver_sql("ALTER TABLE follow_up ADD COLUMN deal_id INTEGER REFERENCES deal (id) ON DELETE SET NULL")
    conn.exec_driver_sql("CREATE INDEX ix_follow_up_deal_id ON follow_up (deal_id)")


def _v6_last_contact(conn: Connection) -> None:
    """Each contact's last interaction as a column, filled from the history; and an index of the
    contacts that have a cadence holding all that reminders read of them."""
    kind = sa.DateTime(timezone=True).compile(dialect=conn.dialect)
    conn.exec_driver_sql(f"ALTER TABLE contact ADD COLUMN last_contact_at {kind}")
    conn.exec_driver_sql("UPDATE contact SET last_contact_at = (SELECT max(ic.occurred_at) FROM interaction_contact ic "
                         "WHERE ic.contact_id = contact.id)")
    conn.exec_driver_sql("CREATE INDEX ix_contact_cadence ON contact (cadence_days, last_contact_at, created_at, name) "
                         "WHERE cadence_days IS NOT NULL")


def _v7_search_index(conn: Connection) -> None:
    """The full-text index made anew: deals and follow-ups join contacts and organisations, and
    every character of a script written without spaces (Chinese, Japanese, Korean, Thai...) is a
    token, so any part of a word in them is found. Nothing to do on PostgreSQL (searched directly).

    Nothing to do here now: the index is a derived structure, rebuilt after the steps (DERIVED).
    The step stays, with its name, so that version numbers keep their meaning."""


def _v8_deal_activity(conn: Connection) -> None:
    """Each deal's last activity as a column (its last stage change or its contacts' last interaction,
    whichever is later), filled from what the contacts keep."""
    kind = sa.DateTime(timezone=True).compile(dialect=conn.dialect)
    later = "max" if conn.dialect.name == "sqlite" else "greatest"
    conn.exec_driver_sql(f"ALTER TABLE deal ADD COLUMN last_activity_at {kind}")
    conn.exec_driver_sql(f"UPDATE deal SET last_activity_at = {later}(stage_changed_at, coalesce("
                         "(SELECT max(c.last_contact_at) FROM deal_contact dc JOIN contact c ON c.id = dc.contact_id "
                         "WHERE dc.deal_id = deal.id), stage_changed_at))")


def _v9_team_mode(conn: Connection) -> None:
    """Team mode: owners of contacts and follow-ups, a version on every record people edit (for
    optimistic versioning), and the audit history with the triggers that write it."""
    for table in ("organization", "contact", "follow_up", "deal"):
        conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN version INTEGER NOT NULL DEFAULT 1")
    for table in ("contact", "follow_up"):
        conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN owner VARCHAR")
    md = sa.MetaData()
    ts = sa.DateTime(timezone=True)
    command = sa.Table(
        "audit_command", md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", ts, nullable=False, index=True),
        sa.Column("actor", sa.String, nullable=False),
        sa.Column("command", sa.String),
        sa.Column("undoes", sa.Integer, sa.ForeignKey("audit_command.id")),
        sa.Column("in_progress", sa.Integer),
        sa.Index("ix_audit_command_actor", "actor", "id"))
    change = sa.Table(
        "audit_change", md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("command_id", sa.Integer, sa.ForeignKey("audit_command.id"), nullable=False, index=True),
        sa.Column("table_name", sa.String, nullable=False),
        sa.Column("row_key", sa.String, nullable=False),
        sa.Column("action", sa.String, nullable=False),
        sa.Column("contact_id", sa.Integer, index=True),
        sa.Column("deal_id", sa.Integer, index=True),
        sa.Column("before", sa.JSON),
        sa.Column("after", sa.JSON),
        sa.Index("ix_audit_change_row", "table_name", "row_key"))
    md.create_all(conn, tables=[command, change])
    conn.exec_driver_sql("CREATE INDEX ix_audit_command_in_progress ON audit_command (in_progress) "
                         "WHERE in_progress IS NOT NULL")
    # The triggers that write the history, made here when this step shipped, are a derived
    # structure now (DERIVED): they are made from the audited tables' current columns.


def _v10_search_by_people_and_on_postgres(conn: Connection) -> None:
    """The full-text index made anew: an interaction is found by its people's names too ("jose
    discount" finds the email from José that mentions a discount); on PostgreSQL, ranked full-text
    search like SQLite's (accent-free, by prefix, in scripts without spaces) instead of a substring
    match, with the `unaccent` extension (storage/search_pg.py).

    Nothing to do here now: the index is a derived structure, rebuilt after the steps (DERIVED).
    The step stays, with its name, so that version numbers keep their meaning."""


def _v11_privacy_and_dates(conn: Connection) -> None:
    """Privacy and dates: a do-not-contact mark on contacts (when and why), left out of the cadence
    index that reminders read; an all-day due kept as a date (`due_on`) so a move to another zone
    never shifts it, and its `due_at` made a sort key that no zone reads (12:00 UTC of that date);
    and one series UID shared by the occurrences of a recurring follow-up (each so far is a series
    of its own: series_uid = uid).

    An all-day due was stored as the local midnight that starts its day. Its day is read as the
    date of the local midnight (in crm's zone: TZ, else the system's) nearest to the stored time,
    which is that day when it was stored here, and still is when it was stored in a zone less than
    12 hours away (a database brought from another machine)."""
    kind = sa.DateTime(timezone=True).compile(dialect=conn.dialect)
    conn.exec_driver_sql(f"ALTER TABLE contact ADD COLUMN do_not_contact_at {kind}")
    conn.exec_driver_sql("ALTER TABLE contact ADD COLUMN do_not_contact_reason VARCHAR")
    conn.exec_driver_sql("DROP INDEX ix_contact_cadence")
    conn.exec_driver_sql("CREATE INDEX ix_contact_cadence ON contact (cadence_days, last_contact_at, created_at, name) "
                         "WHERE cadence_days IS NOT NULL AND do_not_contact_at IS NULL")
    conn.exec_driver_sql("ALTER TABLE follow_up ADD COLUMN due_on DATE")
    conn.exec_driver_sql("ALTER TABLE follow_up ADD COLUMN series_uid VARCHAR NOT NULL DEFAULT ''")
    conn.exec_driver_sql("UPDATE follow_up SET series_uid = uid")
    from datetime import UTC, datetime, time, timedelta

    zone = _v11_zone()
    days = []
    for row in conn.exec_driver_sql("SELECT id, due_at FROM follow_up WHERE all_day"):
        stored = datetime.fromisoformat(row.due_at) if isinstance(row.due_at, str) else row.due_at  # SQLite: text
        local = (stored if stored.tzinfo else stored.replace(tzinfo=UTC)).astimezone(zone)
        day = (local.replace(tzinfo=None) + timedelta(hours=12)).date()  # the nearest local midnight's
        days.append({"row_id": row.id, "day": day, "key": datetime.combine(day, time(12), UTC)})
    if days:  # the day, and 12:00 UTC of it as the sort key (followups.day_key)
        table = sa.table("follow_up", sa.column("id"), sa.column("due_on", sa.Date),
                         sa.column("due_at", sa.DateTime(timezone=True)))
        conn.execute(table.update().where(table.c.id == sa.bindparam("row_id"))
                     .values(due_on=sa.bindparam("day"), due_at=sa.bindparam("key")), days)
    # The audit triggers name the columns on SQLite: they are made anew after the steps (DERIVED).


def _v11_zone() -> Any:
    """The zone crm read dates in when step 11 shipped (clock.local_zone, frozen here): TZ when it
    names a zone, else the one /etc/localtime names, else dateutil's tzlocal. The all-day dues were
    stored as local midnights in it."""
    import os
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        target = os.readlink("/etc/localtime")
    except OSError:
        target = ""
    system = target[target.index("zoneinfo/") + len("zoneinfo/"):] if "zoneinfo/" in target else ""
    for name in (os.environ.get("TZ", "").lstrip(":"), system):
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                pass
    from dateutil.tz import tzlocal

    return tzlocal()


def _v12_service_cases_and_mail(conn: Connection) -> None:
    """Service cases (a customer's request or complaint, its status history and deadlines), and on
    interactions the case one belongs to and a logged mail's Message-ID (unique: a mail is logged
    once)."""
    ts = sa.DateTime(timezone=True)
    md = sa.MetaData()
    sa.Table("contact", md, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table("deal", md, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table("service_case", md,
             sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("uid", sa.String, nullable=False, unique=True),
             sa.Column("contact_id", sa.Integer, sa.ForeignKey("contact.id", ondelete="CASCADE"),
                       nullable=False, index=True),
             sa.Column("deal_id", sa.Integer, sa.ForeignKey("deal.id", ondelete="SET NULL"), index=True),
             sa.Column("title", sa.String, nullable=False),
             sa.Column("kind", sa.String, nullable=False),
             sa.Column("priority", sa.String, nullable=False),
             sa.Column("status", sa.String, nullable=False),
             sa.Column("owner", sa.String),
             sa.Column("opened_at", ts, nullable=False),
             sa.Column("first_response_at", ts),
             sa.Column("resolved_at", ts),
             sa.Column("closed_at", ts),
             sa.Column("waiting_since", ts),
             sa.Column("response_due_at", ts, nullable=False),
             sa.Column("resolve_due_at", ts, nullable=False),
             sa.Column("created_at", ts, nullable=False),
             sa.Column("updated_at", ts, nullable=False),
             sa.Column("version", sa.Integer, nullable=False),
             sa.Index("ix_service_case_status_due", "status", "resolve_due_at"))
    sa.Table("case_status_change", md,
             sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("case_id", sa.Integer, sa.ForeignKey("service_case.id", ondelete="CASCADE"), nullable=False),
             sa.Column("from_status", sa.String),
             sa.Column("to_status", sa.String, nullable=False),
             sa.Column("changed_at", ts, nullable=False),
             sa.Index("ix_case_status_change_case", "case_id", "changed_at"))
    md.tables["service_case"].create(conn)
    md.tables["case_status_change"].create(conn)
    conn.exec_driver_sql("ALTER TABLE interaction ADD COLUMN case_id INTEGER "
                         "REFERENCES service_case (id) ON DELETE SET NULL")
    conn.exec_driver_sql("CREATE INDEX ix_interaction_case_id ON interaction (case_id)")
    conn.exec_driver_sql("ALTER TABLE interaction ADD COLUMN message_id VARCHAR")
    conn.exec_driver_sql("CREATE UNIQUE INDEX ux_interaction_message_id ON interaction (message_id)")
    # The audit triggers name the columns on SQLite, and record the new tables: made anew (DERIVED).


def _v13_segments_and_campaigns(conn: Connection) -> None:
    """Segments (saved filters over contacts) and campaigns (their members, responses, cost), and
    on deals and interactions the campaign they came from or belong to."""
    ts = sa.DateTime(timezone=True)
    md = sa.MetaData()
    for name in ("contact", "interaction"):
        sa.Table(name, md, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table("segment", md,
             sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("uid", sa.String, nullable=False, unique=True),
             sa.Column("name", sa.String, nullable=False),
             sa.Column("name_key", sa.String, nullable=False, unique=True),
             sa.Column("definition", sa.JSON, nullable=False),
             sa.Column("description", sa.String),
             sa.Column("owner", sa.String),
             sa.Column("created_at", ts, nullable=False),
             sa.Column("updated_at", ts, nullable=False),
             sa.Column("version", sa.Integer, nullable=False))
    sa.Table("campaign", md,
             sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("uid", sa.String, nullable=False, unique=True),
             sa.Column("name", sa.String, nullable=False),
             sa.Column("name_key", sa.String, nullable=False, unique=True),
             sa.Column("segment_id", sa.Integer, sa.ForeignKey("segment.id", ondelete="SET NULL"), index=True),
             sa.Column("channel", sa.String, nullable=False),
             sa.Column("cost_minor", sa.BigInteger),
             sa.Column("cost_currency", sa.String),
             sa.Column("started_at", ts),
             sa.Column("ended_at", ts),
             sa.Column("owner", sa.String),
             sa.Column("note", sa.String),
             sa.Column("created_at", ts, nullable=False),
             sa.Column("updated_at", ts, nullable=False),
             sa.Column("version", sa.Integer, nullable=False))
    sa.Table("campaign_member", md,
             sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True),
             sa.Column("contact_id", sa.Integer, sa.ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True,
                       index=True),
             sa.Column("added_at", ts, nullable=False),
             sa.Column("by_hand", sa.Integer, nullable=False))
    sa.Table("campaign_response", md,
             sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaign.id", ondelete="CASCADE"), nullable=False),
             sa.Column("contact_id", sa.Integer, sa.ForeignKey("contact.id", ondelete="CASCADE"), nullable=False,
                       index=True),
             sa.Column("kind", sa.String, nullable=False),
             sa.Column("at", ts, nullable=False),
             sa.Column("interaction_id", sa.Integer, sa.ForeignKey("interaction.id", ondelete="SET NULL"), index=True),
             sa.Index("ix_campaign_response_campaign", "campaign_id", "contact_id"))
    for name in ("segment", "campaign", "campaign_member", "campaign_response"):
        md.tables[name].create(conn)
    for table in ("deal", "interaction"):
        conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN campaign_id INTEGER "
                             "REFERENCES campaign (id) ON DELETE SET NULL")
        conn.exec_driver_sql(f"CREATE INDEX ix_{table}_campaign_id ON {table} (campaign_id)")
    # The audit triggers name the columns on SQLite, and record the new tables: made anew (DERIVED).


def _v14_search_cases(conn: Connection) -> None:
    """The full-text index made anew with service cases in it, found by their titles ("charged
    twice" finds case #12 "Invoice 1043 charged twice"); a fifth kind of record, so every record's
    place in the index moves.

    Nothing to do here: the index is a derived structure, rebuilt after the steps (DERIVED). The
    step carries the change's name, so that version numbers keep their meaning."""


MIGRATIONS: list[tuple[str, Callable[[Connection], None]]] = [
    ("initial schema", _v1_initial),
    ("folded name keys", _v2_name_keys),
    ("interactions and full-text search", _v3_interactions),
    ("follow-ups", _v4_follow_ups),
    ("deals", _v5_deals),
    ("last contact column and cadence index", _v6_last_contact),
    ("search index over deals and follow-ups, and in scripts without spaces", _v7_search_index),
    ("last activity column of deals", _v8_deal_activity),
    ("team mode: owners, record versions and the audit history", _v9_team_mode),
    ("search by the people of an interaction, and full-text search on PostgreSQL",
     _v10_search_by_people_and_on_postgres),
    ("do-not-contact mark, all-day dues as dates, series UIDs of recurring follow-ups", _v11_privacy_and_dates),
    ("service cases, and mail logged once by its Message-ID", _v12_service_cases_and_mail),
    ("segments and campaigns", _v13_segments_and_campaigns),
    ("search index over service cases", _v14_search_cases),
]
LATEST = len(MIGRATIONS)
AUDITED_SINCE = 9  # the first version with the audit history


class Derived(NamedTuple):
    """A structure made from the data by the current code: made anew after the steps, never migrated."""

    name: str
    version: int  # the step its current definition belongs to: a database migrated from below it gets it anew
    module: str   # crmcli.storage.<module>, with drop(conn) (any earlier design of it too) and create(conn)

    def code(self) -> ModuleType:
        return importlib.import_module(f"crmcli.storage.{self.module}")


DERIVED = (
    Derived("full-text search index", 14, "search_index"),  # step 14 added service cases
    Derived("audit triggers", 13, "audit_triggers"),  # SQLite's name the columns; steps 11 to 13 added some
)


def apply(conn: Connection, current: int, target: int = LATEST) -> list[str]:
    """Apply steps current+1..target inside the caller's transaction; return their names. Brought
    to the latest version, the database gets anew each derived structure newer than `current`."""
    from datetime import UTC, datetime

    due = [derived for derived in DERIVED if derived.version > current] if target == LATEST else []
    for derived in due:
        derived.code().drop(conn)
    applied = []
    registry = sa.table("crm_migrations", sa.column("version"), sa.column("name"), sa.column("applied_at"))
    with _not_history(conn):
        for version in range(current + 1, target + 1):
            name, step = MIGRATIONS[version - 1]
            step(conn)
            conn.execute(registry.insert().values(version=version, name=name, applied_at=datetime.now(UTC)))
            applied.append(f"{version:04d} {name}")
    for derived in due:
        derived.code().create(conn)
    return applied


@contextmanager
def _not_history(conn: Connection) -> Iterator[None]:
    """PostgreSQL: inside, the audit triggers record nothing (the migrating user owns the tables).
    (SQLite's record only during a crm command, which a migration is not.)"""
    if conn.dialect.name != "postgresql":
        yield
        return
    previous = conn.exec_driver_sql("SELECT current_setting('crmcli.audit', true)").scalar() or ""
    conn.exec_driver_sql("SELECT set_config('crmcli.audit', 'off', true)")
    yield
    conn.execute(sa.text("SELECT set_config('crmcli.audit', :previous, true)"), {"previous": previous})
