"""PostgreSQL's search index as the migrations make it (storage/search_pg.py)."""

from __future__ import annotations

import sqlalchemy as sa

from crmcli.core.search import search
from crmcli.storage.database import Database


def test_unaccent_kept_in_another_schema_is_used(pg_url: str) -> None:
    """A database whose unaccent extension was installed elsewhere (as some hosts do) works as it is."""
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE SCHEMA extensions")
        conn.exec_driver_sql("CREATE EXTENSION unaccent SCHEMA extensions")
    engine.dispose()
    db = Database.open(pg_url)
    try:
        with db.connect(write=True) as conn:
            conn.execute(sa.text("INSERT INTO organization (uid, name, name_key, website, created_at, updated_at) "
                                 "VALUES ('o-1', 'Müller & Söhne', 'muller & sohne', 'Ørsted.example', now(), now())"))
            found = [(r[0], r[4]) for r in search(conn, "orsted").rows]
            assert found == [("organisation", "Müller & Söhne **Ørsted**.example")]
            assert conn.exec_driver_sql("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON "
                                        "n.oid = e.extnamespace WHERE e.extname = 'unaccent'").scalar() == "extensions"
    finally:
        db.dispose()
