"""The database health check behind `crm db check`: the storage's own checks (SQLite's integrity
and foreign keys), the schema version, and the copies kept in step with the history (each
interaction link's time, each contact's last contact, each deal's last stage change and last activity)."""

from __future__ import annotations

from dataclasses import dataclass

from crmcli.storage.database import Database


@dataclass(frozen=True)
class Health:
    database: str                 # as shown: a file path, or a URL without its password
    schema_version: int | None    # None: nothing created yet
    latest_version: int           # what this crmcli migrates to
    storage: tuple[str, ...]      # the storage's findings, one line each (SQLite's own words)
    drifted_links: int            # interaction links whose time differs from their interaction's
    stale_last_contacts: int      # contacts whose last-contact time differs from their history's
    drifted_stage_times: int      # deals whose stage-change time differs from their stage history's
    drifted_deal_activity: int    # deals whose last-activity time differs from their stage and contacts'

    @property
    def problem_count(self) -> int:
        """One per storage finding, one per kind of copy out of step."""
        drift = (self.drifted_links, self.stale_last_contacts, self.drifted_stage_times, self.drifted_deal_activity)
        return len(self.storage) + sum(1 for n in drift if n)

    @property
    def ok(self) -> bool:
        return self.problem_count == 0


def check(db: Database) -> Health:
    from crmcli.core.deals import drifted_activity, drifted_stage_times
    from crmcli.core.interactions import drifted_last_contacts, drifted_links
    from crmcli.storage import migrations

    storage = tuple(db.check())
    with db.connect() as conn:
        links, contacts, stages = drifted_links(conn), drifted_last_contacts(conn), drifted_stage_times(conn)
        activity = drifted_activity(conn)
    return Health(db.describe(), db.schema_version(), migrations.LATEST, storage, links, contacts, stages, activity)
