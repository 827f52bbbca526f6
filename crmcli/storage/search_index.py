"""The SQLite full-text index (FTS5), kept in sync by triggers so no write path can forget it.

- `interaction_fts`: external-content index over interaction.body (no second copy of the text).
- `entity_fts`: contacts and organisations, rowid = contact id, or minus the organisation id. It
  indexes the folded names (`name_key`: "Zoë Øster" -> "zoe oster") so accents never matter, plus
  emails, title and organisation for contacts.

PostgreSQL needs none of this: core/search.py searches it with ILIKE. Changing this DDL needs a
migration that drops and recreates the index (then `rebuild`).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from sqlalchemy.engine import Connection

TOKENIZER = "unicode61 remove_diacritics 2"

_CONTACT_ROWS = """
    INSERT INTO entity_fts (rowid, name, detail)
    SELECT c.id, c.name_key, trim(coalesce(c.title, '') || ' ' || coalesce(o.name_key, '') || ' ' ||
           coalesce((SELECT group_concat(e.address, ' ') FROM contact_email e WHERE e.contact_id = c.id), ''))
    FROM contact c LEFT JOIN organization o ON o.id = c.org_id {where};"""
_ORG_ROWS = """
    INSERT INTO entity_fts (rowid, name, detail)
    SELECT -o.id, o.name_key, coalesce(o.website, '') FROM organization o {where};"""


def _refresh_contact(ref: str) -> str:
    return f"DELETE FROM entity_fts WHERE rowid = {ref};" + _CONTACT_ROWS.format(where=f"WHERE c.id = {ref}")


TRIGGERS = {
    "interaction_fts_ai": "AFTER INSERT ON interaction BEGIN "
                          "INSERT INTO interaction_fts (rowid, body) VALUES (new.id, new.body); END",
    "interaction_fts_ad": "AFTER DELETE ON interaction BEGIN INSERT INTO interaction_fts "
                          "(interaction_fts, rowid, body) VALUES ('delete', old.id, old.body); END",
    "interaction_fts_au": "AFTER UPDATE OF body ON interaction BEGIN INSERT INTO interaction_fts "
                          "(interaction_fts, rowid, body) VALUES ('delete', old.id, old.body); "
                          "INSERT INTO interaction_fts (rowid, body) VALUES (new.id, new.body); END",
    "entity_fts_contact_ai": f"AFTER INSERT ON contact BEGIN {_CONTACT_ROWS.format(where='WHERE c.id = new.id')} END",
    "entity_fts_contact_au": f"AFTER UPDATE OF name_key, title, org_id ON contact BEGIN {_refresh_contact('new.id')} END",
    "entity_fts_contact_ad": "AFTER DELETE ON contact BEGIN DELETE FROM entity_fts WHERE rowid = old.id; END",
    "entity_fts_email_ai": f"AFTER INSERT ON contact_email BEGIN {_refresh_contact('new.contact_id')} END",
    "entity_fts_email_ad": f"AFTER DELETE ON contact_email BEGIN {_refresh_contact('old.contact_id')} END",
    "entity_fts_email_au": f"AFTER UPDATE ON contact_email BEGIN {_refresh_contact('old.contact_id')} "
                           f"{_refresh_contact('new.contact_id')} END",
    "entity_fts_org_ai": f"AFTER INSERT ON organization BEGIN {_ORG_ROWS.format(where='WHERE o.id = new.id')} END",
    # A renamed organisation changes what its people are found by, too.
    "entity_fts_org_au": "AFTER UPDATE OF name_key, website ON organization BEGIN "
                         "DELETE FROM entity_fts WHERE rowid = -new.id;"
                         f"{_ORG_ROWS.format(where='WHERE o.id = new.id')}"
                         "DELETE FROM entity_fts WHERE rowid IN (SELECT id FROM contact WHERE org_id = new.id);"
                         f"{_CONTACT_ROWS.format(where='WHERE c.org_id = new.id')} END",
    "entity_fts_org_ad": "AFTER DELETE ON organization BEGIN DELETE FROM entity_fts WHERE rowid = -old.id; END",
}


ENTITY_DDL = f"CREATE VIRTUAL TABLE entity_fts USING fts5(name, detail, tokenize='{TOKENIZER}', prefix='2 3')"
# A prefix index of 3 letters only: `quot*` stays fast, and a rebuild of 1M rows stays well under 10 s
# (prefix='2 3' doubled both the index and its build time).
INTERACTION_DDL = (f"CREATE VIRTUAL TABLE interaction_fts USING fts5(body, content='interaction', "
                   f"content_rowid='id', tokenize='{TOKENIZER}', prefix='3')")


def create(conn: Connection) -> None:
    """Create the index tables and triggers, and fill them from the current rows."""
    if conn.dialect.name != "sqlite":
        return
    conn.exec_driver_sql(INTERACTION_DDL)
    conn.exec_driver_sql(ENTITY_DDL)
    _create_triggers(conn)
    rebuild(conn)


def _create_triggers(conn: Connection) -> None:
    for name, body in TRIGGERS.items():
        conn.exec_driver_sql(f"CREATE TRIGGER {name} {body}")


def _drop_triggers(conn: Connection) -> None:
    for name in TRIGGERS:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")


def rebuild(conn: Connection) -> None:
    """Rebuild both indexes from the tables (`crm db reindex`; after bulk loads)."""
    if conn.dialect.name != "sqlite":
        return
    conn.exec_driver_sql("PRAGMA cache_size = -262144")  # 256 MiB for the build: the index is written at random
    conn.exec_driver_sql("INSERT INTO interaction_fts (interaction_fts) VALUES ('rebuild')")
    # Emptying a table of 100,000 rows row by row costs more than making it anew.
    conn.exec_driver_sql("DROP TABLE entity_fts")
    conn.exec_driver_sql(ENTITY_DDL)
    conn.exec_driver_sql(_ORG_ROWS.format(where=""))
    conn.exec_driver_sql(_CONTACT_ROWS.format(where=""))
    conn.exec_driver_sql("PRAGMA cache_size = -2000")


@contextmanager
def suspended(conn: Connection) -> Iterator[None]:
    """Bulk loads: row-by-row index upkeep off while they insert, one rebuild at the end."""
    if conn.dialect.name != "sqlite":
        yield
        return
    _drop_triggers(conn)
    yield
    _create_triggers(conn)
    rebuild(conn)
