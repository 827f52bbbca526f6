"""PostgreSQL: two writes naming the same contacts take their rows in id order, so the second waits
for the first instead of both dying of "deadlock detected" (crmcli.storage.sql.lock_in_order)."""

from __future__ import annotations

import threading
import time
from contextlib import ExitStack

import pytest

from crmcli.core.interactions import refresh_last_contact
from crmcli.errors import CrmError
from crmcli.storage.database import Database


def test_two_logs_naming_the_same_people_in_either_order_wait_for_each_other(pg_url: str) -> None:
    from crmcli.core import contacts

    db = Database.open(pg_url)
    with db.session(write=True) as session:
        a, b = (contacts.add(session, contacts.ContactChanges(name=n))[0].id for n in ("Ann Lee", "Bob Marsh"))
    with db.connect(write=True) as conn:  # Ann's row now lies after Bob's: a scan meets Bob first
        conn.exec_driver_sql(f"UPDATE contact SET title = 'CTO' WHERE id = {a}")
    failures: list[str] = []
    with ExitStack() as first:
        conn = first.enter_context(db.connect(write=True))
        refresh_last_contact(conn, [a])  # the first write holds Ann

        def second() -> None:  # names both: must wait for Ann without holding Bob meanwhile
            try:
                with db.connect(write=True) as other:
                    refresh_last_contact(other, [a, b])
            except CrmError as err:
                failures.append(str(err))

        thread = threading.Thread(target=second)
        thread.start()
        with db.connect() as watch:  # until the second write waits for a row lock
            for _ in range(600):  # up to 30 s: on a loaded machine the thread can take seconds to get there
                if watch.exec_driver_sql("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                         "AND datname = current_database()").scalar():
                    break
                time.sleep(0.05)
            else:
                pytest.fail("the second write never waited")
        try:
            refresh_last_contact(conn, [b])  # the first write goes on to Bob
        except CrmError as err:
            failures.append(str(err))
    thread.join(timeout=30)
    db.dispose()
    assert not failures, failures
