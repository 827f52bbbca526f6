"""The database copy as a service: every table, ids kept, counted; a target with data refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmcli.core import clock, db_copy, sample
from crmcli.errors import Conflict
from crmcli.storage.database import Database
from tests.core.conftest import stored


def test_every_table_is_copied_with_its_ids_and_a_second_copy_is_refused(db: Database, tmp_path: Path) -> None:
    with db.connect(write=True) as conn:
        sample.generate(conn, sample.DEMO, now=clock.utc_now())
    target = Database.open(str(tmp_path / "copy.db"))
    try:
        with db.connect() as source, target.connect(write=True) as into:
            copied = db_copy.copy(source, into)
        assert copied["contact"] == 300 and copied["interaction_contact"] > copied["interaction"] > 0
        with db.connect() as source, target.connect() as into:
            for name in ("contact", "deal", "stage_change", "follow_up"):
                assert stored(into, name) == stored(source, name), name
        with pytest.raises(Conflict, match="already holds data"):
            with db.connect() as source, target.connect(write=True) as into:
                db_copy.copy(source, into)
    finally:
        target.dispose()
