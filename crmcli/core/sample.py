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

from crmcli.core.models import (CONTACT_EMAIL, CONTACT_FIELD, CONTACT_PHONE, CONTACT_TAG, DEAL_CONTACT,
                                INTERACTION_CONTACT, STAGE_CHANGE, TAG, Contact, Deal, FollowUp, Interaction,
                                Organization)
from crmcli.core.followups import Due
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


# Interaction text: templates filled from word lists. Word frequencies are chosen for the search
# benchmark: "invoice" is in ~5 % of interactions, "zeppelin" in ~0.05 %.
TOPICS = ("the Q3 quote", "the website redesign", "the new logo", "the spring campaign", "the SEO audit",
          "the mobile app", "the onboarding flow", "the annual contract", "the data migration", "the trade fair",
          "the brochure", "the price list", "the support plan", "the newsletter", "the training day")
OUTCOMES = ("wants a revised quote", "asked for 10% off", "will decide next week", "needs sign-off from the board",
            "is happy with the draft", "wants to move the deadline", "prefers a phased rollout",
            "asked for references", "is comparing us with two agencies", "wants a call with our designer",
            "loved the mock-ups", "has budget left for Q1", "is on holiday until Monday")
KINDS = (("call", 0.35), ("email", 0.35), ("meeting", 0.12), ("message", 0.08), ("note", 0.10))


@dataclass(frozen=True)
class Scale:
    contacts: int = 300
    orgs: int = 40
    interactions: int = 2_400
    heavy_contact: int = 0  # interactions of contact #1 on top of the spread (timeline benchmark)
    follow_ups: int = 60    # open ones; as many again are done
    cadences: int = 30      # contacts with a keep-in-touch cadence
    deals: int = 60
    stage_changes: int = 240  # about; each deal walks the stages, forward mostly


DEMO = Scale()
BENCH = Scale(contacts=100_000, orgs=10_000, interactions=1_000_000, heavy_contact=2_000, follow_ups=20_000,
              cadences=10_000, deals=20_000, stage_changes=200_000)
FOLLOW_UP_TITLES = ("Send the revised quote", "Call back about the contract", "Share the case study",
                    "Book the kickoff meeting", "Chase the signed order", "Ask for a referral",
                    "Check in after the launch", "Send the invoice", "Follow up on the proposal",
                    "Introduce our designer")
CADENCE_DAYS = (14, 30, 30, 60, 90)


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
    """Fill an empty database; returns counts per table. `now` anchors the dates (UTC, aware).
    The search index is rebuilt once at the end rather than row by row."""
    from crmcli.storage import search_index

    with search_index.suspended(conn):
        counts = _fill(conn, scale, now, random.Random(seed))
    reset_sequences(conn, ["organization", "tag", "contact", "contact_email", "contact_phone", "contact_field",
                           "interaction", "follow_up", "deal", "stage_change", "service_case",
                           "case_status_change", "segment", "campaign", "campaign_response"])
    return counts


def _fill(conn: Connection, scale: Scale, now: datetime, rng: random.Random) -> dict[str, int]:
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

    conn.execute(sa.insert(TAG), [{"id": i, "name": t} for i, t in enumerate(TAGS, start=1)])

    emails: list[dict[str, Any]] = []
    phones: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    fields: list[dict[str, Any]] = []

    org_members: dict[int, list[int]] = {}
    first_names: list[str] = [""]  # index = contact id

    def contact_rows() -> Iterator[dict[str, Any]]:
        for cid in range(1, scale.contacts + 1):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            name = f"{first} {last}"
            org_id = rng.randint(1, scale.orgs) if rng.random() < 0.85 else None
            first_names.append(first)
            if org_id:
                org_members.setdefault(org_id, []).append(cid)
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
    for table, rows, label in ((CONTACT_EMAIL, emails, "emails"), (CONTACT_PHONE, phones, "phones"),
                               (CONTACT_TAG, links, "tag links"), (CONTACT_FIELD, fields, "custom fields")):
        for batch in _chunks(iter(rows)):
            conn.execute(sa.insert(table), batch)
        counts[label] = len(rows)
    counts["contacts"] = scale.contacts
    counts.update(_interactions(conn, rng, scale, now, org_members, first_names))
    from crmcli.core.interactions import refresh_last_contact

    refresh_last_contact(conn, None)
    counts.update(_follow_ups(conn, rng, scale, now))
    counts.update(_deals(conn, rng, scale, now, org_members))
    from crmcli.core.deals import refresh_activity

    refresh_activity(conn)
    counts.update(_cases(conn, now, scale))
    counts.update(_marketing(conn, now))
    return counts


def _follow_ups(conn: Connection, rng: random.Random, scale: Scale, now: datetime) -> dict[str, int]:
    """Open follow-ups mostly ahead (a week's worth overdue, as in a list someone works through),
    as many done ones, and cadences on some contacts."""
    rows = []
    for fid in range(1, 2 * scale.follow_ups + 1):
        done = fid > scale.follow_ups
        due = now + timedelta(days=rng.randint(-7, 90) - (100 if done else 0))
        all_day = rng.random() < 0.7
        if all_day:
            due = due.replace(hour=0, minute=0, second=0, microsecond=0)
        else:
            due = due.replace(hour=rng.choice((9, 10, 11, 14, 15, 16)), minute=rng.choice((0, 30)), second=0,
                              microsecond=0)
        stored = Due(due, all_day)  # a day is its date, with the sort key that stands for it
        uid = _uid(rng)  # each its own series (none has a done occurrence before it)
        rows.append({"id": fid, "uid": uid, "series_uid": uid, "contact_id": rng.randint(1, scale.contacts),
                     "title": rng.choice(FOLLOW_UP_TITLES), "note": None, "due_at": stored.at, "all_day": all_day,
                     "due_on": stored.on,
                     "repeat": rng.choice(("every week", "every month")) if rng.random() < 0.1 else None,
                     "done_at": due + timedelta(days=rng.randint(0, 3)) if done else None,
                     "created_at": due - timedelta(days=rng.randint(1, 30)), "updated_at": due})
    for batch in _chunks(iter(rows)):
        conn.execute(sa.insert(FollowUp.__table__), batch)
    chosen = rng.sample(range(1, scale.contacts + 1), k=min(scale.cadences, scale.contacts))
    conn.execute(sa.update(Contact.__table__).where(Contact.__table__.c.id == sa.bindparam("cid"))
                 .values(cadence_days=sa.bindparam("days")),
                 [{"cid": cid, "days": rng.choice(CADENCE_DAYS)} for cid in chosen])
    return {"open follow-ups": scale.follow_ups, "done follow-ups": scale.follow_ups, "cadences": len(chosen)}


DEAL_NAMES = ("Website redesign", "Support contract", "SEO audit", "Mobile app", "Brand refresh", "Data migration",
              "Training day", "Annual retainer", "Trade fair stand", "Newsletter templates", "Onboarding flow",
              "Price list redesign", "Spring campaign", "Intranet", "Photo shoot")
DEAL_CURRENCIES = (("EUR", 0.6), ("USD", 0.25), ("GBP", 0.1), ("JPY", 0.05))
LOST_REASONS = ("price", "price", "timing", "went with a competitor", "no budget", "no decision", None)
OWNERS = ("robin", "robin", "sam", "alex")


def _deals(conn: Connection, rng: random.Random, scale: Scale, now: datetime,
           org_members: dict[int, list[int]]) -> dict[str, int]:
    """Deals over the last eighteen months walking the default stages (forward mostly, sometimes
    back), about `scale.stage_changes` changes in all; some end won or lost."""
    from crmcli.core.stages import DEFAULT

    open_stages = [s.name for s in DEFAULT.open]
    codes, weights = [c for c, _ in DEAL_CURRENCIES], [w for _, w in DEAL_CURRENCIES]
    orgs = sorted(org_members)
    average = max(1, scale.stage_changes // max(scale.deals, 1))
    deals, links, changes = [], [], []
    for did in range(1, scale.deals + 1):
        created = now - timedelta(days=540 * rng.random(), seconds=rng.randint(0, 86_399))
        moves = rng.randint(1, 2 * average - 1)
        at = sorted(created + (now - created) * rng.random() ** 0.5 for _ in range(moves - 1))
        index = 0 if rng.random() < 0.7 else rng.randint(1, len(open_stages) - 1)
        path = [open_stages[index]]
        for step in range(moves - 1):
            if step == moves - 2 and rng.random() < 0.45:
                path.append("won" if rng.random() < 0.55 else "lost")
                break
            forward = index == 0 or (index < len(open_stages) - 1 and rng.random() < 0.65)
            index += 1 if forward else -1
            path.append(open_stages[index])
        times = [created, *at[:len(path) - 1]]
        for n, stage in enumerate(path):
            changes.append({"deal_id": did, "from_stage": path[n - 1] if n else None, "to_stage": stage,
                            "outcome": stage if stage in ("won", "lost") else "open", "changed_at": times[n]})
        stage, last = path[-1], times[-1]
        status = stage if stage in ("won", "lost") else "open"
        code = rng.choices(codes, weights)[0]
        value = rng.choice((500, 1_200, 2_500, 4_000, 8_000, 12_000, 25_000, 60_000)) * rng.randint(8, 12) // 10
        minor = value * (150 if code == "JPY" else 100) + (rng.choice((0, 0, 50)) if code != "JPY" else 0)
        org_id = rng.choice(orgs) if orgs and rng.random() < 0.8 else None
        people = rng.sample(org_members[org_id], k=min(len(org_members[org_id]), rng.choice((1, 1, 2)))) \
            if org_id else [rng.randint(1, scale.contacts)]
        links.extend({"deal_id": did, "contact_id": cid} for cid in people)
        close = (last if status != "open" else now + timedelta(days=rng.randint(-20, 180))).date()
        name = rng.choice(DEAL_NAMES)
        deals.append({"id": did, "uid": _uid(rng), "name": name, "name_key": fold(name), "org_id": org_id,
                      "value_minor": minor, "currency": code, "stage": stage, "status": status,
                      "probability": rng.choice((20, 40, 60, 80)) if status == "open" and rng.random() < 0.15
                      else None, "close_on": close, "owner": rng.choice(OWNERS),
                      "lost_reason": rng.choice(LOST_REASONS) if status == "lost" else None, "note": None,
                      "stage_changed_at": last, "closed_at": last if status != "open" else None,
                      "created_at": created, "updated_at": last})
    for table, rows in ((Deal.__table__, deals), (DEAL_CONTACT, links), (STAGE_CHANGE, changes)):
        for batch in _chunks(iter(rows)):
            conn.execute(sa.insert(table), batch)
    return {"deals": len(deals), "stage changes": len(changes)}


def _body(rng: random.Random, kind: str, first: str) -> str:
    roll = rng.random()
    topic = "the overdue invoice" if roll < 0.05 else rng.choice(TOPICS)
    extra = " Mentioned the zeppelin museum sponsorship." if rng.random() < 0.0005 else ""
    outcome = rng.choice(OUTCOMES)
    if kind == "call":
        text = f"Called {first} about {topic}; {first} {outcome}."
    elif kind == "email":
        text = f"Sent {first} the notes on {topic}. Reply: {outcome}."
    elif kind == "meeting":
        text = f"Meeting about {topic} with {first} and team. Next step: {first} {outcome}."
    elif kind == "message":
        text = f"Message from {first} about {topic}: {outcome}."
    else:
        text = f"Note: {first} {outcome} ({topic})."
    return text + extra


def _interactions(conn: Connection, rng: random.Random, scale: Scale, now: datetime,
                  org_members: dict[int, list[int]], first_names: list[str]) -> dict[str, int]:
    """Interactions spread over two years, more recent ones denser; meetings name colleagues too."""
    kinds = [k for k, _ in KINDS]
    weights = [w for _, w in KINDS]
    heavy = min(scale.heavy_contact, scale.interactions // 2)
    links = 0

    def owner(n: int) -> int:
        return 1 if n <= heavy else rng.randint(1, scale.contacts)

    def rows() -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
        for iid in range(1, scale.interactions + 1):
            cid = owner(iid)
            kind = rng.choices(kinds, weights)[0]
            when = now - timedelta(days=730 * rng.random() ** 1.5, seconds=rng.randint(0, 86_399))
            people = {cid}
            org = contact_org[cid]
            if kind == "meeting" and org and len(org_members[org]) > 1:
                people.update(rng.sample(org_members[org], k=min(2, len(org_members[org]))))
            yield ({"id": iid, "uid": _uid(rng), "kind": kind,
                    "direction": rng.choice(("in", "out")) if kind in ("call", "email", "message") else None,
                    "body": _body(rng, kind, first_names[cid]), "occurred_at": when, "created_at": when,
                    "updated_at": when},
                   [{"interaction_id": iid, "contact_id": p, "occurred_at": when} for p in sorted(people)])

    contact_org = {cid: org for org, members in org_members.items() for cid in members}
    contact_org.update({cid: 0 for cid in range(1, scale.contacts + 1) if cid not in contact_org})
    interaction_table, link_table = Interaction.__table__, INTERACTION_CONTACT
    batch: list[dict[str, Any]] = []
    batch_links: list[dict[str, Any]] = []
    for row, row_links in rows():
        batch.append(row)
        batch_links.extend(row_links)
        if len(batch) >= 20_000 or row["id"] == scale.interactions:
            conn.execute(sa.insert(interaction_table), batch)
            conn.execute(sa.insert(link_table), batch_links)
            links += len(batch_links)
            batch, batch_links = [], []
    return {"interactions": scale.interactions, "interaction links": links}


# A few service cases (the default deadlines: urgent 4h/1d, high 8h/2d, normal 1d/5d): an urgent complaint
# past its resolution deadline, a request waiting on the customer, a question resolved, a new incident
# not answered yet. Each: (contact, title, kind, priority, opened hours ago, [(status, hours ago)...],
# the note that answered it first, if any).
DEMO_CASES = (
    (1, "Invoice 1043 charged twice", "complaint", "urgent", 30, [("open", 29)], "Called: refund on its way"),
    (2, "Export of last year's orders", "request", "high", 50, [("open", 46), ("waiting", 20)],
     "Asked which format they need"),
    (3, "How to add a second user?", "question", "normal", 150, [("open", 140), ("resolved", 100)],
     "Sent the how-to"),
    (4, "Contact form sends no mail", "incident", "high", 2, [], None),
)
_DEADLINES = {"urgent": (4, 24), "high": (8, 48), "normal": (24, 120)}  # hours


def _cases(conn: Connection, now: datetime, scale: Scale) -> dict[str, int]:
    """DEMO_CASES, with their status history and first answers (a note on the case's timeline)."""
    from crmcli.core.models import CASE_STATUS_CHANGE, ServiceCase

    rng = random.Random(len(DEMO_CASES))
    first_note = scale.interactions + 1
    cases, changes, notes, links = [], [], [], []
    for cid, (contact, title, kind, priority, opened, steps, answer) in enumerate(DEMO_CASES, start=1):
        opened_at = now - timedelta(hours=opened)
        respond, resolve = _DEADLINES[priority]
        row = {"id": cid, "uid": _uid(rng), "contact_id": contact, "deal_id": None, "title": title, "kind": kind,
               "priority": priority, "status": "new", "owner": OWNERS[0], "opened_at": opened_at,
               "first_response_at": None, "resolved_at": None, "closed_at": None, "waiting_since": None,
               "response_due_at": opened_at + timedelta(hours=respond),
               "resolve_due_at": opened_at + timedelta(hours=resolve), "created_at": opened_at}
        changes.append({"case_id": cid, "from_status": None, "to_status": "new", "changed_at": opened_at})
        for status, ago in steps:
            at = now - timedelta(hours=ago)
            changes.append({"case_id": cid, "from_status": row["status"], "to_status": status, "changed_at": at})
            row["status"] = status
            row["first_response_at"] = row["first_response_at"] or at
            row["waiting_since"] = at if status == "waiting" else None
            if status == "resolved":
                row["resolved_at"] = at
        row["updated_at"] = changes[-1]["changed_at"]
        cases.append(row)
        if answer:
            iid = first_note + len(notes)
            at = row["first_response_at"]
            notes.append({"id": iid, "uid": _uid(rng), "kind": "note", "direction": None, "body": answer,
                          "occurred_at": at, "created_at": at, "updated_at": at, "case_id": cid})
            links.append({"interaction_id": iid, "contact_id": contact, "occurred_at": at})
    conn.execute(sa.insert(ServiceCase.__table__), cases)
    conn.execute(sa.insert(CASE_STATUS_CHANGE), changes)
    conn.execute(sa.insert(Interaction.__table__), notes)
    conn.execute(sa.insert(INTERACTION_CONTACT), links)
    from crmcli.core.interactions import refresh_last_contact

    refresh_last_contact(conn, sorted({link["contact_id"] for link in links}))
    return {"cases": len(cases), "case status changes": len(changes)}


# Two saved segments and a mailing to the first, started three weeks ago, with a few responses.
DEMO_SEGMENTS = (
    ("VIP clients", {"tags": ["client", "vip"]}, "Our best clients"),
    ("Prospects gone quiet", {"tags": ["prospect"], "last_contact_before": "60 days ago"}, None),
)
DEMO_CAMPAIGN = ("Winter offer", "email", 40_000, "EUR", 21)  # name, channel, cost (cents), currency, days ago
DEMO_RESPONSES = (("replied", 20), ("meeting", 18), ("replied", 15), ("bounced", 21))  # (kind, days ago) per member


def _marketing(conn: Connection, now: datetime) -> dict[str, int]:
    """DEMO_SEGMENTS and DEMO_CAMPAIGN: its members the first segment's contacts when it started, the
    first few of them (by id) answering DEMO_RESPONSES."""
    from crmcli.core.models import CAMPAIGN_MEMBER, CAMPAIGN_RESPONSE, Campaign, Segment
    from crmcli.core.segments import Definition, contact_ids

    rng = random.Random(len(DEMO_SEGMENTS))
    conn.execute(sa.insert(Segment.__table__), [  # type: ignore[attr-defined]
        {"id": n, "uid": _uid(rng), "name": name, "name_key": fold(name), "definition": definition,
         "description": description, "owner": OWNERS[0], "created_at": now - timedelta(days=30),
         "updated_at": now - timedelta(days=30)}
        for n, (name, definition, description) in enumerate(DEMO_SEGMENTS, start=1)])
    name, channel, cost, currency, ago = DEMO_CAMPAIGN
    started = now - timedelta(days=ago)
    conn.execute(sa.insert(Campaign.__table__), [{  # type: ignore[attr-defined]
        "id": 1, "uid": _uid(rng), "name": name, "name_key": fold(name), "segment_id": 1, "channel": channel,
        "cost_minor": cost, "cost_currency": currency, "started_at": started, "owner": OWNERS[0],
        "created_at": started, "updated_at": started}])
    members = sorted(conn.scalars(contact_ids(conn, Definition.from_json(DEMO_SEGMENTS[0][1]), started)))
    conn.execute(sa.insert(CAMPAIGN_MEMBER), [
        {"campaign_id": 1, "contact_id": cid, "added_at": started, "by_hand": 0} for cid in members])
    responses = [{"id": n, "campaign_id": 1, "contact_id": cid, "kind": kind, "at": now - timedelta(days=days)}
                 for n, (cid, (kind, days)) in enumerate(zip(members, DEMO_RESPONSES), start=1)]
    conn.execute(sa.insert(CAMPAIGN_RESPONSE), responses)
    return {"segments": len(DEMO_SEGMENTS), "campaign": 1, "campaign members": len(members),
            "campaign responses": len(responses)}


def _uid(rng: random.Random) -> str:
    import uuid

    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def is_empty(conn: Connection) -> bool:
    for table in (Contact.__table__, Organization.__table__):
        if conn.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first() is not None:
            return False
    return True
