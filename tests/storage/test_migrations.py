"""The migration registry: a database made by the first schema version, full of data, migrates
without loss; and the migrations build exactly the schema the models describe."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from crmcli.core.models import SQLModel
from crmcli.core.text import fold
from crmcli.storage import migrations
from crmcli.storage.database import Database
from tests.conftest import Run, dump


def _v1_database(path: Path) -> None:
    """What crmcli at schema version 1 wrote, with people, emails, tags, fields and an org."""
    db = Database.open(str(path), migrate=False)
    with db.connect(write=True) as conn:
        migrations.apply(conn, 0, target=1)
        now = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
        conn.execute(sa.text("insert into organization (id, uid, name, website, created_at, updated_at) "
                             "values (1, 'o-1', 'Ørsted Søn', null, :t, :t)"), {"t": now})
        for i, name in enumerate(("Zoë Øster", "José Núñez", "Ann Lee"), start=1):
            conn.execute(sa.text("insert into contact (id, uid, name, title, org_id, cadence_days, created_at, "
                                 "updated_at) values (:i, :u, :n, 'CTO', 1, null, :t, :t)"),
                         {"i": i, "u": f"c-{i}", "n": name, "t": now})
            conn.execute(sa.text("insert into contact_email (contact_id, address, label, position) "
                                 "values (:i, :a, 'work', 0)"), {"i": i, "a": f"p{i}@example.org"})
        conn.execute(sa.text("insert into tag (id, name) values (1, 'vip')"))
        conn.execute(sa.text("insert into contact_tag values (1, 1)"))
        conn.execute(sa.text("insert into contact_field (contact_id, key, value) values (2, 'source', 'fair')"))
    db.dispose()


def test_v1_database_full_of_data_migrates_without_loss(ok: Run, tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _v1_database(path)
    before = dump(path)
    result = ok("--db", str(path), "contacts", "list", "-f", "json")
    assert '"name": "Zoë Øster"' in result.stdout and '"tags": ["vip"]' in result.stdout
    assert '"fields": {"source": "fair"}' in result.stdout and result.stdout.count('"org": "Ørsted Søn"') == 3
    # The new column was backfilled: accent-free lookups work on old rows.
    assert "Zoë Øster" in ok("--db", str(path), "contacts", "show", "zoe").stdout
    assert "José Núñez" in ok("--db", str(path), "contacts", "show", "nunez").stdout
    assert "Ørsted" in ok("--db", str(path), "orgs", "show", "orsted").stdout
    # The search index built by a later step covers the old rows.
    assert "Zoë Øster" in ok("--db", str(path), "search", "oster").stdout
    # A backup of the old version was kept, byte-for-byte the old content.
    assert dump(tmp_path / "old.db.bak-v1") == before
    con = sqlite3.connect(path)
    versions = [r[0] for r in con.execute("select version from crm_migrations order by version")]
    assert versions == list(range(1, migrations.LATEST + 1))
    con.close()


def test_migrations_build_the_schema_the_models_describe(tmp_path: Path) -> None:
    db = Database.open(str(tmp_path / "fresh.db"))
    inspector = sa.inspect(db.engine)
    for table in SQLModel.metadata.sorted_tables:
        actual = {c["name"]: c["nullable"] for c in inspector.get_columns(table.name)}
        expected = {c.name: c.nullable for c in table.columns}
        assert actual == expected, table.name
        # What SQLite enforces (SQLAlchemy's reflection misses ON DELETE on a column added by ALTER TABLE).
        with db.engine.connect() as conn:
            actual_fks = {((row[3],), row[2], None if row[6] == "NO ACTION" else row[6])
                          for row in conn.exec_driver_sql(f"PRAGMA foreign_key_list({table.name})")}
        expected_fks = {(tuple(fk.parent.name for fk in [f]), f.column.table.name, f.ondelete)
                        for f in table.foreign_keys}
        assert actual_fks == expected_fks, table.name
        indexed = {tuple(i["column_names"]) for i in inspector.get_indexes(table.name)}
        indexed |= {tuple(u["column_names"]) for u in inspector.get_unique_constraints(table.name)}
        for column in table.columns:
            if column.index or column.unique:
                assert (column.name,) in indexed, (table.name, column.name)
    db.dispose()


def test_write_transactions_take_the_write_lock_at_begin(tmp_path: Path) -> None:
    db = Database.open(str(tmp_path / "lock.db"))
    with db.connect(write=True) as conn:
        conn.exec_driver_sql("select 1")
        other = sqlite3.connect(tmp_path / "lock.db", timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            raise AssertionError("a second writer got in: the first transaction was not IMMEDIATE")
        except sqlite3.OperationalError as err:
            assert "locked" in str(err)
        finally:
            other.close()
    with db.connect() as conn:  # reads do not block writers
        conn.exec_driver_sql("select 1")
        other = sqlite3.connect(tmp_path / "lock.db", timeout=0, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        other.close()
    db.dispose()


def test_pragmas_on_every_connection(tmp_path: Path) -> None:
    db = Database.open(str(tmp_path / "p.db"))
    with db.connect() as conn:
        assert conn.exec_driver_sql("pragma foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("pragma busy_timeout").scalar() >= 5000
        assert conn.exec_driver_sql("pragma journal_mode").scalar() == "wal"
    db.dispose()


def test_v4_database_with_history_gains_deals_and_last_contact(ok: Run, tmp_path: Path) -> None:
    """A database from before deals (version 4, with interactions and follow-ups) migrates: every
    contact's last contact is filled from its history, and deals work at once."""
    path = tmp_path / "v4.db"
    db = Database.open(str(path), migrate=False)
    with db.connect(write=True) as conn:
        migrations.apply(conn, 0, target=4)
        now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
        for i, name in enumerate(("Zoë Øster", "Ann Lee"), start=1):
            conn.execute(sa.text("insert into contact (id, uid, name, name_key, created_at, updated_at) "
                                 "values (:i, :u, :n, :k, :t, :t)"), {"i": i, "u": f"c-{i}", "n": name,
                                                                      "k": fold(name), "t": now})
        for iid, day in ((1, 2), (2, 9)):
            at = datetime(2026, 3, day, 10, 0, tzinfo=UTC)
            conn.execute(sa.text("insert into interaction (id, uid, kind, body, occurred_at, created_at, updated_at) "
                                 "values (:i, :u, 'call', 'Talked', :t, :t, :t)"), {"i": iid, "u": f"i-{iid}", "t": at})
            conn.execute(sa.text("insert into interaction_contact (contact_id, interaction_id, occurred_at) "
                                 "values (1, :i, :t)"), {"i": iid, "t": at})
        conn.execute(sa.text("insert into follow_up (uid, contact_id, title, due_at, all_day, created_at, updated_at) "
                             "values ('f-1', 2, 'Call back', :t, 0, :t, :t)"), {"t": now})
    db.dispose()
    listed = {c["name"]: c["last_contact"]
              for c in json.loads(ok("--db", str(path), "contacts", "list", "-f", "json").stdout)}
    assert listed == {"Zoë Øster": "2026-03-09T10:00:00Z", "Ann Lee": None}
    assert (tmp_path / "v4.db.bak-v4").exists()
    ok("--db", str(path), "deals", "add", "Renewal", "-c", "zoe", "--value", "500", "--currency", "EUR")
    ok("--db", str(path), "fu", "add", "ann", "Send terms", "--deal", "renewal")
    assert "passed" in ok("--db", str(path), "db", "check").stderr


# The search index as schema version 6 left it (in part): interaction bodies in an external-content
# index, contacts (rowid = id) and organisations (rowid = -id) in entity_fts, kept by triggers.
_V6_SEARCH_INDEX = (
    "CREATE VIRTUAL TABLE interaction_fts USING fts5(body, content='interaction', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2', prefix='3')",
    "CREATE VIRTUAL TABLE entity_fts USING fts5(name, detail, tokenize='unicode61 remove_diacritics 2', prefix='2 3')",
    "CREATE TRIGGER interaction_fts_ai AFTER INSERT ON interaction BEGIN "
    "INSERT INTO interaction_fts (rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER interaction_fts_ad AFTER DELETE ON interaction BEGIN INSERT INTO interaction_fts "
    "(interaction_fts, rowid, body) VALUES ('delete', old.id, old.body); END",
    "CREATE TRIGGER entity_fts_contact_ai AFTER INSERT ON contact BEGIN INSERT INTO entity_fts (rowid, name, detail) "
    "VALUES (new.id, new.name_key, coalesce(new.title, '')); END",
    "CREATE TRIGGER entity_fts_org_ai AFTER INSERT ON organization BEGIN INSERT INTO entity_fts (rowid, name, detail) "
    "VALUES (-new.id, new.name_key, ''); END",
)


def test_v6_database_gets_the_new_search_index(ok: Run, tmp_path: Path) -> None:
    """A database of the previous version, with its search index, migrates: the old index and its
    triggers are replaced; CJK text is found by any part, deals and follow-ups are found, and the
    new triggers keep it all in step."""
    path = tmp_path / "v6.db"
    db = Database.open(str(path), migrate=False)
    with db.connect(write=True) as conn:
        migrations.apply(conn, 0, target=6)
        for statement in _V6_SEARCH_INDEX:
            conn.exec_driver_sql(statement)
        now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
        conn.execute(sa.text("insert into organization (id, uid, name, name_key, created_at, updated_at) "
                             "values (1, 'o-1', 'Acme 株式会社', :k, :t, :t)"), {"k": fold("Acme 株式会社"), "t": now})
        for cid, name in ((1, "李小龙"), (2, "Zoë Øster")):
            conn.execute(sa.text("insert into contact (id, uid, name, name_key, org_id, created_at, updated_at) "
                                 "values (:i, :u, :n, :k, 1, :t, :t)"),
                         {"i": cid, "u": f"c-{cid}", "n": name, "k": fold(name), "t": now})
        conn.execute(sa.text("insert into interaction (id, uid, kind, body, occurred_at, created_at, updated_at) "
                             "values (1, 'i-1', 'call', '和李先生开会', :t, :t, :t)"), {"t": now})
        conn.execute(sa.text("insert into interaction_contact values (1, 1, :t)"), {"t": now})
        conn.execute(sa.text("update contact set last_contact_at = :t where id = 1"), {"t": now})
        conn.execute(sa.text("insert into follow_up (uid, contact_id, title, note, due_at, all_day, created_at, "
                             "updated_at) values ('f-1', 2, 'Send the quote', '寄合同', :t, 0, :t, :t)"), {"t": now})
        conn.execute(sa.text("insert into deal (id, uid, name, name_key, value_minor, currency, stage, status, "
                             "stage_changed_at, created_at, updated_at) values (1, 'd-1', 'Quote renewal', "
                             "'quote renewal', 500, 'EUR', 'lead', 'open', :t, :t, :t)"), {"t": now})
        assert conn.exec_driver_sql("SELECT rowid FROM interaction_fts WHERE interaction_fts MATCH '李'").all() == []
    db.dispose()

    def hits(*words: str) -> list[tuple[str, int]]:
        return [(h["type"], h["id"]) for h in json.loads(ok("--db", str(path), "search", *words, "-f", "json").stdout)]

    assert hits("李") == [("contact", 1), ("interaction", 1)]
    assert (tmp_path / "v6.db.bak-v6").exists()
    assert sorted(hits("株式")) == [("contact", 1), ("contact", 2), ("organisation", 1)]
    assert sorted(hits("quote")) == [("deal", 1), ("follow-up", 1)] and hits("合同") == [("follow-up", 1)]
    assert hits("oster") == [("contact", 2)]
    con = sqlite3.connect(path)
    triggers = {name for (name,) in con.execute("select name from sqlite_master where type = 'trigger'")}
    index_sql = con.execute("select sql from sqlite_master where name = 'interaction_fts'").fetchone()[0]
    con.close()
    assert "entity_fts_org_ai" not in triggers and {"entity_fts_deal_ai", "entity_fts_follow_up_au"} <= triggers
    assert "content=''" in index_sql
    ok("--db", str(path), "notes", "edit", "1", "--text", "和王先生吃饭")
    assert hits("李先生") == [] and hits("王先") == [("interaction", 1)]
    assert "passed" in ok("--db", str(path), "db", "check").stderr
