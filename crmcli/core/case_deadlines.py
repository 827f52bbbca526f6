"""Service case deadlines per priority (the `case_deadlines` setting): how long until a first response,
and until the case is resolved. Written `urgent=4h/1d, high=8h/2d, normal=1d/5d, low=2d/10d`
(PRIORITY=RESPONSE/RESOLUTION, units m, h, d, w, counted in business hours when those are set); a
priority left out keeps its default. Standard library only: config.py parses this.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from crmcli.core.business_hours import Budget, parse_budget
from crmcli.errors import Invalid

PRIORITIES = ("low", "normal", "high", "urgent")
_EXAMPLE = "urgent=4h/1d, high=8h/2d, normal=1d/5d, low=2d/10d"


@dataclass(frozen=True)
class Deadlines:
    response: Budget
    resolution: Budget

    def __str__(self) -> str:
        return f"{self.response}/{self.resolution}"


@dataclass(frozen=True)
class CaseDeadlines:
    by_priority: Mapping[str, Deadlines]

    def __str__(self) -> str:
        return ", ".join(f"{p}={self.by_priority[p]}" for p in reversed(PRIORITIES))

    def __getitem__(self, priority: str) -> Deadlines:
        return self.by_priority[priority]


DEFAULT = CaseDeadlines({
    "urgent": Deadlines(Budget(minutes=4 * 60), Budget(days=1)),
    "high": Deadlines(Budget(minutes=8 * 60), Budget(days=2)),
    "normal": Deadlines(Budget(days=1), Budget(days=5)),
    "low": Deadlines(Budget(days=2), Budget(days=10)),
})


def parse(text: str) -> CaseDeadlines:
    """The setting's text; Invalid with one line naming the part that is wrong."""
    chosen = dict(DEFAULT.by_priority)
    seen: set[str] = set()
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        name, sep, budgets = item.partition("=")
        priority = name.strip().lower()
        response, slash, resolution = budgets.partition("/")
        if not sep or not slash:
            raise Invalid(f"cannot read {item!r}; write PRIORITY=RESPONSE/RESOLUTION, e.g. {_EXAMPLE}")
        if priority not in PRIORITIES:
            raise Invalid(f"unknown priority {priority!r}; priorities are {', '.join(PRIORITIES)}")
        if priority in seen:
            raise Invalid(f"{priority} is given twice")
        seen.add(priority)
        pair = Deadlines(_budget(response, priority), _budget(resolution, priority))
        chosen[priority] = pair
    return CaseDeadlines({p: chosen[p] for p in PRIORITIES})


def _budget(text: str, priority: str) -> Budget:
    try:
        budget = parse_budget(text)
    except Invalid as error:
        raise Invalid(f"{priority}: {error}") from None
    if budget.is_zero:
        raise Invalid(f"{priority}: a deadline needs some time, not {text.strip()!r}")
    return budget
