"""What the command line suggests after a core error: core errors carry a hint key (errors.py)
and never name flags or commands themselves, since the TUI shows the same messages."""

from __future__ import annotations

HINTS: dict[str, str] = {
    "list-contact": "try `crm contacts list`",
    "list-organisation": "try `crm orgs list`",
    "list-deal": "try `crm deals list --all`",
    "list-follow-up": "see `crm follow-ups list --all`",
    "list-interaction": "see `crm notes list`",
    "list-case": "see `crm cases list --all`",
    "list-campaign": "see `crm campaigns list`",
    "campaign-member": "add them first: crm campaigns members CAMPAIGN --add CONTACT",
    "campaign-start": "crm campaigns start CAMPAIGN",
    "list-segment": "try `crm segments list`",
    "phone_region": "write it with +country code or set one: crm config set phone_region GB",
    "log_kinds": "or add it: crm config set log_kinds ...",
    "locale": "the locale decides what one separator before three digits means: --locale or crm config set locale",
    "direction": "leave out --direction",
    "reason": "leave out --reason",
    "currency": "give --currency (e.g. EUR) or set a default: crm config set currency EUR",
    "value_with_currency": "give --value with --currency",
    "follow_up_spec": "--follow-up takes WHEN: WHAT",
    "db": "check --db or CRMCLI_DB",
    "password": "remove it and run `crm db password set` (or set CRMCLI_DB_PASSWORD)",
    "future": "add --future if it really is planned, or give the time it happened with --at",
    "force": "add --force to replace it",
    "config-file": "change it with `crm config set` or remove it with `crm config unset`",
    "config-env": "change or unset that environment variable",
    "import-map": "say which is which with --map, e.g. --map 'Full Name=name' --map 'Mail=email'",
    "default_kind": "first change default_kind (crm config set default_kind KIND) or remove it "
                    "(crm config unset default_kind)",
}


def with_hint(message: str, hint: str | None) -> str:
    """The message, then the command-line wording of its hint (if this front end has one)."""
    extra = HINTS.get(hint or "")
    return f"{message}; {extra}" if extra else message
