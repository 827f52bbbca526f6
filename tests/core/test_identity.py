"""Who is working: the `me` setting or the login name on a local file; on PostgreSQL the session
user, which no setting can override; and `--owner me` follows it."""

from __future__ import annotations

import getpass

import sqlalchemy as sa

from crmcli.core import deals, identity
from crmcli.core.stages import DEFAULT
from crmcli.storage.database import Database
from tests.storage.test_postgres import pg_server, pg_url  # noqa: F401 - the PostgreSQL fixtures


def test_on_a_local_file_the_me_setting_else_the_login_name(db: Database) -> None:
    assert identity.current(db, "sam") == identity.Identity("sam", identity.SETTING, db.describe())
    assert identity.current(db, None) == identity.Identity(getpass.getuser(), identity.LOGIN, db.describe())
    assert identity.current(db, "   ").source == identity.LOGIN


def _as_kim(pg_url: str) -> str:  # noqa: F811
    """A login role kim on the test server, allowed the daily work on the tables the owner made, and
    the URL that logs in as kim."""
    engine = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'kim') "
                             "THEN CREATE ROLE kim LOGIN; END IF; END $$")
        conn.exec_driver_sql(f"GRANT ALL ON DATABASE {pg_url.rsplit('/', 1)[1]} TO kim")
        conn.exec_driver_sql("GRANT ALL ON SCHEMA public TO kim")
        # What `crm db add-user` will grant (issue 12's administration part); by hand until then.
        conn.exec_driver_sql("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO kim")
        conn.exec_driver_sql("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO kim")
    engine.dispose()
    return pg_url.replace("://postgres@", "://kim@")


def test_on_postgres_the_session_user_whatever_the_setting_says(pg_url: str) -> None:  # noqa: F811
    owner = Database.open(pg_url)  # made (and migrated) by the database owner
    owner.dispose()
    kim_url = _as_kim(pg_url)
    kim = Database.open(kim_url, migrate=False)
    try:
        found = identity.current(kim, "sam")  # a `me` setting cannot claim to be sam on the server
        assert (found.name, found.source) == ("kim", identity.SESSION)
        assert "kim@" in found.database and "password" not in found.database
    finally:
        kim.dispose()


def test_owner_me_is_the_identity(db: Database) -> None:
    acting = identity.Acting(deals.DealDefaults(), lambda: identity.Identity("kim", identity.SESSION, "x"))
    with db.session(write=True) as s:
        deal = deals.add(s, deals.NewDeal("Website", 1_000, "EUR", DEFAULT.get("lead"), owner="me"), acting)
        assert deal.owner == "kim"
    assert acting.stages is DEFAULT
