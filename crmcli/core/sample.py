"""A realistic, deterministic sample dataset, written with bulk Core inserts.

One generator serves `crm demo` (a few hundred contacts) and the benchmark dataset (100,000
contacts across 10,000 organisations): same shapes, different scale.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crmcli.core.models import Contact, ContactEmail, ContactField, ContactPhone, ContactTag, Organization, Tag
from crmcli.core.text import fold
from crmcli.storage.sql import reset_sequences

FIRST = ("Ann", "Bob", "Chloé", "David", "Elena", "Farid", "Grace", "Hiro", "Inès", "José", "Karin", "Liam",
         "María", "Noah", "Olga", "Priya", "Quentin", "Rosa", "Søren", "Tomás", "Uma", "Viktor", "Wen", "Xavier",
         "Yara", "Zoë", "Amara", "Björn", "Carmen", "Dmitri", "Eitan", "Fatima", "Gustav", "Hana", "Ivan", "Jana",
         "Kofi", "Lena", "Mateo", "Nadia", "Oscar", "Pia", "Rahul", "Sofia", "Theo", "Ursula", "Wojciech", "Yusuf")
LAST = ("Lee", "Smith", "García", "Müller", "Rossi", "Dubois", "Nowak", "Øster", "Kowalski", "Tanaka", "Okafor",
        "Silva", "Jensen", "Novák", "Haddad", "Ivanova", "O'Brien", "Schmidt", "Costa", "Andersson", "Khan",
        "Moreau", "Fischer", "Martin", "Chen", "Patel", "Ferreira", "Lindqvist", "Nakamura", "Bauer", "Santos",
        "Wójcik", "Hughes", "Keller", "Romano", "Varga", "Zimmermann", "Brennan", "Yilmaz", "Petrov")
ORG_A = ("Acme", "Northwind", "Blue Harbor", "Granite", "Lumen", "Orchard", "Pioneer", "Quartz", "Riverside",
         "Summit", "Tidewater", "Vertex", "Willow", "Zenith", "Copperleaf", "Evergreen", "Foxglove", "Helios",
         "Ironbridge", "Juniper", "Kestrel", "Meridian", "Nimbus", "Oakridge", "Polaris", "Redwood", "Sable",
         "Thistle", "Umbra", "Velvet", "Aurora", "Beacon", "Cobalt", "Driftwood", "Ember", "Fjord", "Gull",
         "Harbour", "Indigo", "Jade")
ORG_B = ("Design", "Logistics", "Software", "Foods", "Media", "Consulting", "Labs", "Energy", "Health",
         "Architects", "Analytics", "Studios", "Partners", "Robotics", "Textiles", "Travel", "Finance", "Legal",
         "Print", "Games")
ORG_C = ("Ltd", "GmbH", "Inc", "SARL", "AB", "BV", "Oy", "LLC", "S.L.", "Co")
TITLES = ("CEO", "CTO", "Head of Marketing", "Office Manager", "Buyer", "Product Owner", "Founder",
          "Procurement Lead", "Designer", "Engineering Manager", "CFO", "Operations Director", None, None)
TAGS = ("client", "prospect", "vip", "partner", "supplier", "press", "investor", "friend", "former-client",
        "newsletter", "conference-2025", "referral")
SOURCES = ("referral", "website", "conference", "linkedin", "cold-outreach", "newsletter")
PHONE_FORMATS = ("+44207946{:04d}", "+1202555{:04d}", "+4930{:08d}", "+331{:08d}", "+4687{:07d}")


@dataclass(frozen=True)
class Scale:
    contacts: int = 300
    orgs: int = 40


DEMO = Scale()
BENCH = Scale(contacts=100_000, orgs=10_000)


def _org_names(rng: random.Random, count: int) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        name = f"{rng.choice(ORG_A)} {rng.choice(ORG_B)} {rng.choice(ORG_C)}"
        if name in seen:
            name = f"{name[:-len(name.split()[-1])]}{len(names)} {name.split()[-1]}"
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def _slug(text: str) -> str:
    return "".join(ch for ch in fold(text) if ch.isalnum())


def _chunks(rows: Iterator[dict[str, Any]], size: int = 20_000) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def generate(conn: Connection, scale: Scale = DEMO, *, now: datetime, seed: int = 20261124) -> dict[str, int]:
    """Fill an empty database; returns counts per table. `now` anchors the dates (UTC, aware)."""
    rng = random.Random(seed)
    counts: dict[str, int] = {}

    def stamp(max_days: int) -> datetime:
        return now - timedelta(days=rng.randint(0, max_days), seconds=rng.randint(0, 86_399))

    org_names = _org_names(rng, scale.orgs)
    org_rows = []
    for i, name in enumerate(org_names, start=1):
        created = stamp(1100)
        org_rows.append({"id": i, "uid": _uid(rng), "name": name, "name_key": fold(name),
                         "website": f"https://{_slug(name)}.example" if rng.random() < 0.7 else None,
                         "created_at": created, "updated_at": created})
    for batch in _chunks(iter(org_rows)):
        conn.execute(sa.insert(Organization.__table__), batch)
    counts["organisations"] = len(org_rows)

    conn.execute(sa.insert(Tag.__table__), [{"id": i, "name": t} for i, t in enumerate(TAGS, start=1)])

    emails: list[dict[str, Any]] = []
    phones: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    fields: list[dict[str, Any]] = []

    def contact_rows() -> Iterator[dict[str, Any]]:
        for cid in range(1, scale.contacts + 1):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            name = f"{first} {last}"
            org_id = rng.randint(1, scale.orgs) if rng.random() < 0.85 else None
            domain = f"{_slug(org_names[org_id - 1])}.example" if org_id else "mail.example"
            created = stamp(1000)
            updated = min(now, created + timedelta(days=rng.randint(0, 200)))
            emails.append({"contact_id": cid, "address": f"{_slug(first)}.{_slug(last)}.{cid}@{domain}",
                           "label": "work" if org_id else "home", "position": 0})
            if rng.random() < 0.3:
                emails.append({"contact_id": cid, "address": f"{_slug(first)}{cid}@mail.example",
                               "label": "home", "position": 1})
            if rng.random() < 0.8:
                phones.append({"contact_id": cid, "label": rng.choice(("work", "mobile")), "position": 0,
                               "number": rng.choice(PHONE_FORMATS).format(rng.randint(0, 9999))})
            for tag_id in rng.sample(range(1, len(TAGS) + 1), k=rng.choice((0, 1, 1, 2, 2, 3))):
                links.append({"contact_id": cid, "tag_id": tag_id})
            if rng.random() < 0.5:
                fields.append({"contact_id": cid, "key": "source", "value": rng.choice(SOURCES)})
            if rng.random() < 0.1:
                fields.append({"contact_id": cid, "key": "birthday",
                               "value": f"{rng.randint(1960, 2000)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"})
            yield {"id": cid, "uid": _uid(rng), "name": name, "name_key": fold(name),
                   "title": rng.choice(TITLES), "org_id": org_id, "cadence_days": None,
                   "created_at": created, "updated_at": updated}

    for batch in _chunks(contact_rows()):
        conn.execute(sa.insert(Contact.__table__), batch)
    for table, rows, label in ((ContactEmail, emails, "emails"), (ContactPhone, phones, "phones"),
                               (ContactTag, links, "tag links"), (ContactField, fields, "custom fields")):
        for batch in _chunks(iter(rows)):
            conn.execute(sa.insert(table.__table__), batch)
        counts[label] = len(rows)
    counts["contacts"] = scale.contacts
    reset_sequences(conn, ["organization", "tag", "contact", "contact_email", "contact_phone", "contact_field"])
    return counts


def _uid(rng: random.Random) -> str:
    import uuid

    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def is_empty(conn: Connection) -> bool:
    for table in (Contact.__table__, Organization.__table__):
        if conn.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first() is not None:
            return False
    return True
