"""Deal stages: an ordered list from the config file, each with a default win probability and a
number of quiet days after which an open deal in it is "rotting"; two or more end a deal (won, lost).

Written in the config file as TOML tables, or as text for `crm config set stages`:
    lead:10:30d, qualified:25:30d, proposal:50:21d, negotiation:75:14d, won:100:won, lost:0:lost
Standard library only: `config.py` parses this on every command.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from crmcli.errors import Invalid

Outcome = Literal["open", "won", "lost"]
DEFAULT_ROT_DAYS = 30


@dataclass(frozen=True)
class Stage:
    name: str
    probability: int           # percent, 0..100
    outcome: Outcome = "open"  # won / lost stages end the deal
    rot_days: int | None = DEFAULT_ROT_DAYS  # open stages only

    def as_text(self) -> str:
        return f"{self.name}:{self.probability}:{self.rot_days}d" if self.outcome == "open" else \
            f"{self.name}:{self.probability}:{self.outcome}"

    def as_table(self) -> dict[str, Any]:
        table: dict[str, Any] = {"name": self.name, "probability": self.probability}
        if self.outcome == "open":
            table["rot_days"] = self.rot_days
        else:
            table["outcome"] = self.outcome
        return table


@dataclass(frozen=True)
class Stages:
    all: tuple[Stage, ...]

    def __str__(self) -> str:
        return ", ".join(s.as_text() for s in self.all)

    def get(self, name: str) -> Stage:
        """A stage by name (case-insensitive), or an error that lists the valid ones."""
        wanted = name.strip().lower()
        for stage in self.all:
            if stage.name == wanted:
                return stage
        raise Invalid(f"unknown stage {name.strip()!r}; the stages are: {', '.join(s.name for s in self.all)}")

    def find(self, name: str) -> Stage | None:
        return next((s for s in self.all if s.name == name), None)

    @property
    def open(self) -> tuple[Stage, ...]:
        return tuple(s for s in self.all if s.outcome == "open")

    def first(self, outcome: Outcome) -> Stage:
        return next(s for s in self.all if s.outcome == outcome)

    def position(self, name: str) -> int:
        """Pipeline order; a stage no longer configured sorts last."""
        return next((i for i, s in enumerate(self.all) if s.name == name), len(self.all))


DEFAULT = Stages((
    Stage("lead", 10, rot_days=30), Stage("qualified", 25, rot_days=30), Stage("proposal", 50, rot_days=21),
    Stage("negotiation", 75, rot_days=14), Stage("won", 100, "won", None), Stage("lost", 0, "lost", None),
))


def parse(value: object) -> Stages:
    """TOML tables ([{name=..., probability=..., rot_days=...|outcome=...}]) or the text form."""
    items: list[Any] = value if isinstance(value, list) else [p for p in str(value).split(",") if p.strip()]
    stages = tuple(_one(item) for item in items)
    names = [s.name for s in stages]
    if len(set(names)) != len(names):
        raise Invalid(f"stages: each name once, not {', '.join(names)}")
    for outcome in ("open", "won", "lost"):
        if not any(s.outcome == outcome for s in stages):
            raise Invalid(f"stages need at least one {outcome} stage (e.g. {_EXAMPLE})")
    return Stages(stages)


_EXAMPLE = "lead:10:30d, proposal:50:21d, won:100:won, lost:0:lost"


def _one(item: Any) -> Stage:
    if isinstance(item, dict):
        name, probability = item.get("name"), item.get("probability")
        outcome, rot = item.get("outcome", "open"), item.get("rot_days", DEFAULT_ROT_DAYS)
    else:
        parts = [p.strip() for p in str(item).split(":")]
        if len(parts) not in (2, 3):
            raise Invalid(f"cannot read the stage {str(item).strip()!r}; write NAME:PERCENT[:DAYSd|won|lost], "
                          f"e.g. {_EXAMPLE}")
        name, probability = parts[0], parts[1]
        third = parts[2].lower() if len(parts) == 3 else ""
        outcome = third if third in ("won", "lost") else "open"
        rot = third.rstrip("d") if third and outcome == "open" else DEFAULT_ROT_DAYS
    name = str(name or "").strip().lower()
    if not name or not name.replace("-", "").replace("_", "").isalnum():
        raise Invalid(f"a stage name is one word (letters, digits, - or _), not {name!r}")
    percent = _int(probability, f"stage {name}: probability", 0, 100)
    if outcome not in ("open", "won", "lost"):
        raise Invalid(f"stage {name}: outcome is won or lost, not {outcome!r}")
    rot_days = _int(rot, f"stage {name}: rot days", 1, 3650) if outcome == "open" else None
    return Stage(name, percent, outcome, rot_days)


def _int(value: Any, what: str, low: int, high: int) -> int:
    text = str(value).strip().rstrip("%")
    if not text.isdigit() or not low <= int(text) <= high:
        raise Invalid(f"{what} must be a whole number from {low} to {high}, not {value!r}")
    return int(text)
