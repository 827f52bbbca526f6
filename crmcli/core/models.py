"""SQLModel tables: the current schema. Migrations in storage/migrations.py build the same thing
step by step; a test checks the two agree.

No ORM relationships on purpose: services write child rows explicitly, which keeps mapper set-up
off the start-up path of every command.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (JSON, BigInteger, Column, Date, DateTime, ForeignKey, Index, Integer, String, Table,
                        UniqueConstraint, text)
from sqlalchemy.orm import declared_attr
from pydantic import ConfigDict
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    from crmcli.core.clock import utc_now

    return utc_now()


def new_uid() -> str:
    return str(uuid.uuid4())


def _stamp() -> object:
    return Field(default_factory=utcnow, sa_type=DateTime(timezone=True), nullable=False)


def _version() -> object:
    return Field(default=1, nullable=False)


class Record(SQLModel):
    """The base of every mapped table. Its pydantic schema is built on first validation, not at
    import: the tables are written through the ORM and never validated on the start-up path, and
    building eight schemas cost every command about 10 ms."""

    model_config = ConfigDict(defer_build=True)  # type: ignore[assignment]


class Versioned:
    """Optimistic versioning: every ORM update of the row says `WHERE version = <the version read>`
    and adds one, so a save over someone else's newer change fails instead of overwriting it
    (core/versions.py turns that into a conflict naming who changed what)."""

    @declared_attr
    def __mapper_args__(cls) -> dict[str, object]:  # noqa: N805 - a declared attribute of the class
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


def _parent(table: str, *, on_delete: str, nullable: bool = False) -> object:
    return Field(
        default=None,
        sa_column=Column(Integer, ForeignKey(f"{table}.id", ondelete=on_delete), nullable=nullable, index=True),
    )


class Organization(Versioned, Record, table=True):
    __tablename__ = "organization"

    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(default_factory=new_uid, unique=True, nullable=False)
    name: str = Field(nullable=False)
    name_key: str = Field(index=True, nullable=False)  # folded name: case- and accent-free lookups
    website: str | None = None
    created_at: datetime = _stamp()
    updated_at: datetime = _stamp()
    version: int = _version()


class Contact(Versioned, Record, table=True):
    __tablename__ = "contact"
    # Only contacts with a cadence that may be contacted, with all `crm remind` reads of them (SQLite
    # 3.40 still reads each row for do_not_contact_at: ~5 ms for 10,000 cadences, within noise). A
    # query reads it only if it names both conditions (models.contactable). The migration makes it
    # partial on PostgreSQL too; naming postgresql_where here would import that dialect, about 20 ms,
    # on every command.
    __table_args__ = (Index("ix_contact_cadence", "cadence_days", "last_contact_at", "created_at", "name",
                            sqlite_where=text("cadence_days IS NOT NULL AND do_not_contact_at IS NULL")),)

    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(default_factory=new_uid, unique=True, nullable=False)
    name: str = Field(nullable=False)
    name_key: str = Field(index=True, nullable=False)
    title: str | None = None
    org_id: int | None = _parent("organization", on_delete="SET NULL", nullable=True)
    cadence_days: int | None = None  # keep-in-touch rhythm in days
    created_at: datetime = _stamp()
    updated_at: datetime = _stamp()
    # The latest interaction the contact took part in: a copy that interactions.py writes with every
    # change to the history (`crm db check` verifies it), so that reminders, cold lists and the
    # contact list read one column instead of searching the history per contact.
    last_contact_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True), nullable=True)
    owner: str | None = None  # who looks after the contact (default: who added it)
    version: int = _version()
    # Marked "do not contact" (when, and why): kept, but left out of reminders, cadences, cold
    # lists and mailing exports.
    do_not_contact_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True), nullable=True)
    do_not_contact_reason: str | None = None


def contactable() -> Any:
    """The SQL condition that a contact is not marked "do not contact". With `cadence_days IS NOT
    NULL` it is the predicate of the partial index ix_contact_cadence: a query over cadences names
    both, or SQLite will not read that index."""
    return Contact.__table__.c.do_not_contact_at.is_(None)  # type: ignore[attr-defined]


# Child and link tables are plain tables, not mapped classes: they are only ever written and read
# as rows (Core statements inside the command's transaction), and each mapped class costs about
# 3 ms of start-up on every command against 0.5 ms for a table.

CONTACT_EMAIL = Table(
    "contact_email", SQLModel.metadata,
    Column("id", Integer, primary_key=True),
    Column("contact_id", Integer, ForeignKey("contact.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("address", String, nullable=False, unique=True),  # normalised; one owner per address
    Column("label", String),
    Column("position", Integer, nullable=False),  # 0 = primary
)

CONTACT_PHONE = Table(
    "contact_phone", SQLModel.metadata,
    Column("id", Integer, primary_key=True),
    Column("contact_id", Integer, ForeignKey("contact.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("number", String, nullable=False),  # E.164
    Column("label", String),
    Column("position", Integer, nullable=False),
)

TAG = Table(
    "tag", SQLModel.metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String, nullable=False, unique=True),
)

CONTACT_TAG = Table(
    "contact_tag", SQLModel.metadata,
    Column("contact_id", Integer, ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", Integer, ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True),
)

CONTACT_FIELD = Table(
    "contact_field", SQLModel.metadata,
    Column("id", Integer, primary_key=True),
    Column("contact_id", Integer, ForeignKey("contact.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("key", String, nullable=False),
    Column("value", String, nullable=False),
    UniqueConstraint("contact_id", "key"),
)


# The migration registry, one row per applied schema step. A plain table, not a model class: only
# SQL touches it, and every mapped class costs start-up time on every command.
MIGRATIONS_TABLE = Table(
    "crm_migrations", SQLModel.metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("name", String, nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)


class Interaction(Record, table=True):
    """One call, email, meeting, message or note: a line on the timeline of each contact it names."""

    __tablename__ = "interaction"
    __table_args__ = (Index("ux_interaction_message_id", "message_id", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(default_factory=new_uid, unique=True, nullable=False)
    kind: str = Field(nullable=False)
    direction: str | None = None  # "in" or "out" for calls, emails and messages
    body: str = Field(nullable=False)
    occurred_at: datetime = Field(sa_type=DateTime(timezone=True), nullable=False, index=True)
    created_at: datetime = _stamp()
    updated_at: datetime = _stamp()
    # The service case it belongs to (a case note, a mail about the case), if any.
    case_id: int | None = _parent("service_case", on_delete="SET NULL", nullable=True)
    # A logged mail's Message-ID (without <>): the same mail logged twice is found and logged once.
    message_id: str | None = None
    # The marketing campaign it answers or belongs to (`crm log --campaign`), if any.
    campaign_id: int | None = _parent("campaign", on_delete="SET NULL", nullable=True)


# Who took part: one interaction, several contacts (a meeting shows on each one's timeline).
# `occurred_at` repeats the interaction's time so that a contact's timeline and last contact are
# read from one index; interactions.py writes both together, and `crm db check` verifies it.
INTERACTION_CONTACT = Table(
    "interaction_contact", SQLModel.metadata,
    # Contact first: the timeline and last-contact lookups go by contact.
    Column("contact_id", Integer, ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True),
    Column("interaction_id", Integer, ForeignKey("interaction.id", ondelete="CASCADE"), primary_key=True, index=True),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Index("ix_interaction_contact_timeline", "contact_id", "occurred_at"),
)


class FollowUp(Versioned, Record, table=True):
    """Something to do for a contact by a due date or time; a recurring one comes back when done."""

    __tablename__ = "follow_up"
    __table_args__ = (Index("ix_follow_up_open", "done_at", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(default_factory=new_uid, unique=True, nullable=False)
    contact_id: int = _parent("contact", on_delete="CASCADE")
    title: str = Field(nullable=False)
    note: str | None = None
    # When it is due: a timed one at `due_at`; an all-day one on `due_on`, with `all_day` set and
    # `due_at` 12:00 UTC of that date, a sort key never read as a time (followups.Due).
    due_at: datetime = Field(sa_type=DateTime(timezone=True), nullable=False)
    all_day: bool = Field(default=False, nullable=False)  # due on a day (`due_on`)
    repeat: str | None = None  # a recurrence as `crm` reads it: "every 2 weeks", "every monday"
    done_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True), nullable=True)
    created_at: datetime = _stamp()
    updated_at: datetime = _stamp()
    deal_id: int | None = _parent("deal", on_delete="SET NULL", nullable=True)  # what it is for, if a deal
    owner: str | None = None  # who is to do it (default: who added it)
    version: int = _version()
    due_on: date | None = None  # an all-day due's day (a date: no zone can shift it)
    series_uid: str = Field(default_factory=new_uid, nullable=False)  # shared by a recurrence's occurrences


class Deal(Versioned, Record, table=True):
    """Money that may come in: a value in one currency, moving through the configured stages."""

    __tablename__ = "deal"
    __table_args__ = (Index("ix_deal_status_close", "status", "close_on"),)

    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(default_factory=new_uid, unique=True, nullable=False)
    name: str = Field(nullable=False)
    name_key: str = Field(index=True, nullable=False)  # folded, for references by name
    org_id: int | None = _parent("organization", on_delete="SET NULL", nullable=True)
    value_minor: int = Field(default=0, sa_type=BigInteger, nullable=False)  # whole cents (minor units)
    currency: str = Field(nullable=False)  # ISO 4217
    stage: str = Field(nullable=False)
    status: str = Field(default="open", nullable=False)  # open, won, lost: the stage's outcome when it was set
    probability: int | None = None  # percent; None = the stage's default
    close_on: date | None = Field(default=None, sa_type=Date)  # expected close day
    owner: str | None = None
    lost_reason: str | None = None
    note: str | None = None
    stage_changed_at: datetime = _stamp()  # the last stage change's time, written with it
    # When the deal last moved: its last stage change or its contacts' last interaction, whichever is
    # later; kept by deals.refresh_activity (rotting is then one comparison per deal, not a probe
    # of the history per contact). NULL only between an insert and its refresh.
    last_activity_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True), nullable=True)
    closed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True), nullable=True)
    created_at: datetime = _stamp()
    updated_at: datetime = _stamp()
    version: int = _version()
    campaign_id: int | None = _parent("campaign", on_delete="SET NULL", nullable=True)  # the campaign it came from


# Who a deal is with (several contacts). A link row goes with either side; deleting a contact
# only unlinks it from its deals, and `crm contacts rm` says which.
DEAL_CONTACT = Table(
    "deal_contact", SQLModel.metadata,
    Column("deal_id", Integer, ForeignKey("deal.id", ondelete="CASCADE"), primary_key=True),
    Column("contact_id", Integer, ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True, index=True),
)

# Stage history: one row per change, the first one from no stage (the deal's creation).
STAGE_CHANGE = Table(
    "stage_change", SQLModel.metadata,
    Column("id", Integer, primary_key=True),
    Column("deal_id", Integer, ForeignKey("deal.id", ondelete="CASCADE"), nullable=False),
    Column("from_stage", String),
    Column("to_stage", String, nullable=False),
    Column("outcome", String, nullable=False),  # open, won, lost: what the new stage meant then
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Index("ix_stage_change_deal", "deal_id", "changed_at"),
)


class ServiceCase(Versioned, Record, table=True):
    """A customer's request or complaint, tracked until resolved, with a response and a resolution
    deadline (core/cases.py). ("case" is a reserved word in SQL, hence the table's name.)"""

    __tablename__ = "service_case"
    __table_args__ = (Index("ix_service_case_status_due", "status", "resolve_due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(default_factory=new_uid, unique=True, nullable=False)
    contact_id: int = _parent("contact", on_delete="CASCADE")  # who raised it
    deal_id: int | None = _parent("deal", on_delete="SET NULL", nullable=True)
    title: str = Field(nullable=False)
    kind: str = Field(nullable=False)  # request, complaint, question, incident
    priority: str = Field(nullable=False)  # low, normal, high, urgent
    status: str = Field(nullable=False)  # new, open, waiting, resolved, closed
    owner: str | None = None
    opened_at: datetime = Field(sa_type=DateTime(timezone=True), nullable=False)
    first_response_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True), nullable=True)
    resolved_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True), nullable=True)
    closed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True), nullable=True)
    waiting_since: datetime | None = Field(default=None, sa_type=DateTime(timezone=True), nullable=True)
    # The deadlines as they stand: set when the case opens, moved later by the (business) time each
    # wait on the customer lasted, once it ends. While waiting the clock is stopped: no breach.
    response_due_at: datetime = Field(sa_type=DateTime(timezone=True), nullable=False)
    resolve_due_at: datetime = Field(sa_type=DateTime(timezone=True), nullable=False)
    created_at: datetime = _stamp()
    updated_at: datetime = _stamp()
    version: int = _version()


# A case's status history: one row per change, the first from no status (the case's opening).
CASE_STATUS_CHANGE = Table(
    "case_status_change", SQLModel.metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("service_case.id", ondelete="CASCADE"), nullable=False),
    Column("from_status", String),
    Column("to_status", String, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Index("ix_case_status_change_case", "case_id", "changed_at"),
)


class Segment(Versioned, Record, table=True):
    """A saved filter over contacts (core/segments.py), evaluated whenever it is used: never stale."""

    __tablename__ = "segment"

    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(default_factory=new_uid, unique=True, nullable=False)
    name: str = Field(nullable=False)
    name_key: str = Field(unique=True, nullable=False)  # folded: one segment per name, any case or accent
    # The conditions as data ({"tags": [...], "last_contact_before": "90d", ...}); relative dates stay
    # relative, read against the day it is used.
    definition: dict[str, Any] = Field(default_factory=dict, sa_type=JSON, nullable=False)
    description: str | None = None
    owner: str | None = None
    created_at: datetime = _stamp()
    updated_at: datetime = _stamp()
    version: int = _version()


class Campaign(Versioned, Record, table=True):
    """A mailing, call round, event or letter to a set of contacts (core/campaigns.py): its members
    frozen from a segment when it starts, their responses, its cost and the deals it brought."""

    __tablename__ = "campaign"

    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(default_factory=new_uid, unique=True, nullable=False)
    name: str = Field(nullable=False)
    name_key: str = Field(unique=True, nullable=False)  # folded: one campaign per name (references go by name)
    segment_id: int | None = _parent("segment", on_delete="SET NULL", nullable=True)  # where its members came from
    channel: str = Field(nullable=False)  # email, call, event, letter
    cost_minor: int | None = Field(default=None, sa_type=BigInteger, nullable=True)  # whole cents
    cost_currency: str | None = None  # ISO 4217, with cost_minor
    started_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True), nullable=True)
    ended_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True), nullable=True)
    owner: str | None = None
    note: str | None = None
    created_at: datetime = _stamp()
    updated_at: datetime = _stamp()
    version: int = _version()


# A campaign's members: frozen from its segment when it starts, later ones added by hand.
CAMPAIGN_MEMBER = Table(
    "campaign_member", SQLModel.metadata,
    Column("campaign_id", Integer, ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True),
    Column("contact_id", Integer, ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True, index=True),
    Column("added_at", DateTime(timezone=True), nullable=False),
    Column("by_hand", Integer, nullable=False),  # 1: added by hand, 0: from the segment at the start
)

# What a member did: replied, meeting, unsubscribed, bounced (several per member over time).
CAMPAIGN_RESPONSE = Table(
    "campaign_response", SQLModel.metadata,
    Column("id", Integer, primary_key=True),
    Column("campaign_id", Integer, ForeignKey("campaign.id", ondelete="CASCADE"), nullable=False),
    Column("contact_id", Integer, ForeignKey("contact.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("kind", String, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("interaction_id", Integer, ForeignKey("interaction.id", ondelete="SET NULL"), index=True),
    Index("ix_campaign_response_campaign", "campaign_id", "contact_id"),
)


# The audit history (storage/audit.py): one row per command that changed data, one per row it
# changed, written by triggers in the command's own transaction. `before`/`after` hold the whole
# row as stored; history shows the fields that differ, undo writes `before` back.
AUDIT_COMMAND = Table(
    "audit_command", SQLModel.metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("actor", String, nullable=False),  # the identity: on PostgreSQL always the session user
    Column("command", String),  # the command line, secrets left out; NULL: a write outside crm
    Column("undoes", Integer, ForeignKey("audit_command.id")),  # the command this one reverted
    Column("in_progress", Integer),  # SQLite: 1 while the command's transaction runs (triggers find it)
    Index("ix_audit_command_actor", "actor", "id"),
    Index("ix_audit_command_in_progress", "in_progress", sqlite_where=text("in_progress IS NOT NULL")),
)

AUDIT_CHANGE = Table(
    "audit_change", SQLModel.metadata,
    Column("id", Integer, primary_key=True),
    Column("command_id", Integer, ForeignKey("audit_command.id"), nullable=False, index=True),
    Column("table_name", String, nullable=False),
    Column("row_key", String, nullable=False),  # the row's id, or "a/b" for a link row's two ids
    Column("action", String, nullable=False),  # insert, update, delete
    Column("contact_id", Integer, index=True),  # the contact the row belongs to, if any (no key: it may be gone)
    Column("deal_id", Integer, index=True),
    Column("before", JSON),
    Column("after", JSON),
    Index("ix_audit_change_row", "table_name", "row_key"),
)
