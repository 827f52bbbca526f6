from __future__ import annotations

import json

from tests.conftest import Run


def test_org_show_lists_its_people(ann: Run) -> None:
    out = ann("orgs", "show", "acme").stdout
    assert "Acme Ltd" in out and "#1 Ann Lee, CTO" in out and "#3 Bob Marsh" in out and "Anna" not in out


def test_org_list_counts_people_in_every_format(ann: Run) -> None:
    data = json.loads(ann("orgs", "list", "-f", "json").stdout)
    assert [(o["name"], o["people"]) for o in data] == [("Acme Ltd", 2), ("Berg AB", 1)]
    assert ann("orgs", "list", "--match", "berg", "-q").stdout == "2\n"
    assert ann("orgs", "list", "-f", "csv").stdout.splitlines()[0] == "id,uid,name,website,people,created,updated"


def test_org_add_edit_and_rm_keeps_people(ann: Run) -> None:
    assert ann("orgs", "add", "Cobalt Labs", "--website", "https://cobalt.example", "-q").stdout == "3\n"
    ann("orgs", "edit", "cobalt", "--name", "Cobalt Laboratories")
    assert "Cobalt Laboratories" in ann("orgs", "show", "3").stdout
    result = ann("orgs", "rm", "acme", "--yes")
    assert "deleted organisation #1 Acme Ltd (2 people stay, unlinked)" in result.stderr
    data = json.loads(ann("contacts", "show", "1", "-f", "json").stdout)[0]
    assert data["name"] == "Ann Lee" and data["org"] is None
