"""Who is working: the `me` setting or the login name on a local file; on PostgreSQL the session
user, which no setting can override; and `--owner me` follows it."""

from __future__ import annotations

import getpass

import pytest

from crmcli.core import deals, identity
from crmcli.core.stages import DEFAULT
from crmcli.storage.database import Database


@pytest.mark.sqlite_only("a local file's identity; PostgreSQL's is the session user (below)")
def test_on_a_local_file_the_me_setting_else_the_login_name(db: Database) -> None:
    assert identity.current(db, "sam") == identity.Identity("sam", identity.SETTING, db.describe())
    assert identity.current(db, None) == identity.Identity(getpass.getuser(), identity.LOGIN, db.describe())
    assert identity.current(db, "   ").source == identity.LOGIN


def _as_kim(pg_url: str) -> str:
    """kim added as a user of the test database by its owner (`crm db add-user`'s service; the
    test server trusts loopback logins, so no password), and the URL that logs in as kim."""
    from crmcli.storage import team

    owner = Database.open(pg_url)  # made (and migrated) by the database owner
    try:
        with owner.connect(write=True) as conn:
            team.add_user(conn, "kim", None)
    finally:
        owner.dispose()
    return pg_url.replace("://postgres@", "://kim@")


def test_on_postgres_the_session_user_whatever_the_setting_says(pg_url: str) -> None:
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
