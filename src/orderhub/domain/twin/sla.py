"""SLA policies as data: how long each step of an order may take, by channel, service
level, warehouse and customer tier, on which working calendar, and who answers for it.

A policy is one JSON document per tenant, versioned (every change is a new version):

    {"stall_after": "15m", "escalate_after": "30m", "at_risk_probability": 0.5,
     "targets": [
        {"name": "release fast", "when": {"channel": ["tmall", "jd"]},
         "stages": {"released": {"within": "30m", "business_hours": true}}},
        {"name": "VIP pick", "when": {"customer_tier": "vip", "warehouse": "WH-SH"},
         "stages": {"picked": {"within": "1h"}}},
        {"name": "cut-off", "when": {}, "stages": {"shipped": {"by": "18:00"}}}],
     "teams": {"picked": "warehouse"},
     "calendars": {"*": {"timezone": "Asia/Shanghai", "shifts": {"mon-sun": ["08:00-22:00"]}},
                   "WH-SH": {"holidays": ["2027-02-05..2027-02-11"]}}}

A stage's target is how soon the order must reach it after entering the stage before:
`within` a duration (working hours on the shipping warehouse's calendar when
`business_hours`), or `by` a local time of day on a working day (a carrier's cut-off). For
each stage the most specific matching target wins (the one that names the most of
channel, service level, warehouse and customer tier; on a tie the one listed first);
stages no target names use the built-in defaults below.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time, timedelta
from typing import Any

from orderhub.domain.errors import FieldError, InvalidInput
from orderhub.domain.twin.calendar import WorkingCalendar
from orderhub.domain.twin.stages import INTERNAL, Stage

MATCH_FIELDS = ("channel", "service_level", "warehouse", "customer_tier")
_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")

# Who answers for a stalled step, unless the policy names another team.
DEFAULT_TEAMS: dict[Stage, str] = {
    Stage.VALIDATED: "order-ops", Stage.RESERVED: "order-ops", Stage.ALLOCATED: "order-ops",
    Stage.RELEASED: "order-ops", Stage.PICKED: "warehouse", Stage.PACKED: "warehouse",
    Stage.SHIPPED: "warehouse", Stage.IN_TRANSIT: "logistics", Stage.DELIVERED: "logistics",
    Stage.INVOICED: "finance",
}
ESCALATION_TEAM = "ops-lead"

DEFAULT_DOC: dict[str, Any] = {
    "stall_after": "15m",
    "escalate_after": "30m",
    "at_risk_probability": 0.5,
    "targets": [
        {"name": "built-in", "when": {}, "stages": {
            "validated": {"within": "5m"}, "reserved": {"within": "5m"},
            "allocated": {"within": "5m"},
            "released": {"within": "30m", "business_hours": True},
            "picked": {"within": "2h", "business_hours": True},
            "packed": {"within": "1h", "business_hours": True},
            "shipped": {"by": "18:00"},
            "in_transit": {"within": "6h"},
            "delivered": {"promise": True, "within": "2d"},
            "invoiced": {"within": "1d"}}},
        {"name": "same day", "when": {"service_level": "same_day"},
         "stages": {"delivered": {"promise": True, "within": "6h"}}},
        {"name": "next day", "when": {"service_level": "next_day"},
         "stages": {"delivered": {"promise": True, "within": "16h"}}},
        {"name": "express", "when": {"service_level": "express"},
         "stages": {"delivered": {"promise": True, "within": "1d"}}},
        {"name": "economy", "when": {"service_level": "economy"},
         "stages": {"delivered": {"promise": True, "within": "4d"}}},
    ],
    "teams": {},
    "calendars": {"*": {"timezone": "Asia/Shanghai",
                        "shifts": {"mon-sun": ["08:00-22:00"]}}},
}


@dataclass(frozen=True, slots=True)
class StageTarget:
    stage: Stage
    within: timedelta | None = None
    by: time | None = None  # a cut-off: the first working day's HH:MM at or after entry
    business_hours: bool = False
    stall_after: timedelta | None = None  # the alert window, when not the target itself
    rule: str = ""  # the name of the target that set it
    # Delivery: as long as the router's promise allowed when the order was planned (the
    # promised date minus the planned hand-over to the carrier); `within` without a promise.
    promise: bool = False

    def describe(self) -> str:
        if self.promise:
            return "by the promised date"
        if self.by is not None:
            return f"by {self.by:%H:%M}"
        hours = " working" if self.business_hours else ""
        return f"within {format_duration(self.within or timedelta(0))}{hours}"

    def describe_zh(self) -> str:
        if self.promise:
            return "承诺日期前"
        if self.by is not None:
            return f"{self.by:%H:%M} 前"
        hours = "（工作时间）" if self.business_hours else ""
        return f"{format_duration(self.within or timedelta(0))} 内{hours}"


@dataclass(frozen=True, slots=True)
class Target:
    name: str
    when: dict[str, frozenset[str]]
    stages: dict[Stage, StageTarget]

    def matches(self, facts: dict[str, str]) -> bool:
        return all(facts.get(k, "") in v for k, v in self.when.items())


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    version: int
    stall_after: timedelta
    escalate_after: timedelta
    at_risk_probability: float
    targets: tuple[Target, ...]
    teams: dict[Stage, str]
    calendars: dict[str, WorkingCalendar] = field(default_factory=dict)
    doc: dict[str, Any] = field(default_factory=dict)
    # Memos (a policy version never changes): thousands of orders share a few answers.
    _targets_memo: dict[tuple[str, ...], dict[Stage, StageTarget]] = field(
        default_factory=dict, repr=False, compare=False)
    due_memo: dict[tuple[Any, ...], Any] = field(default_factory=dict, repr=False,
                                                  compare=False)

    @classmethod
    def default(cls) -> SlaPolicy:
        return parse_policy(DEFAULT_DOC, version=0)

    def calendar(self, warehouse: str) -> WorkingCalendar:
        return self.calendars.get(warehouse) or self.calendars.get("*") \
            or WorkingCalendar.always()

    def targets_for(self, facts: dict[str, str]) -> dict[Stage, StageTarget]:
        """Per stage, the most specific matching target (ties: the first listed), over the
        built-in defaults. The same dict for the same facts (do not change it)."""
        key = tuple(facts.get(k, "") for k in MATCH_FIELDS)
        hit = self._targets_memo.get(key)
        if hit is None:
            if len(self._targets_memo) > 10_000:
                self._targets_memo.clear()
            hit = self._targets_memo[key] = self._targets_for(facts)
        return hit

    def _targets_for(self, facts: dict[str, str]) -> dict[Stage, StageTarget]:
        base = {} if self.version == 0 else dict(_default_targets())
        chosen: dict[Stage, tuple[int, int, StageTarget]] = {}
        for pos, target in enumerate(self.targets):
            if not target.matches(facts):
                continue
            rank = len(target.when)
            for stage, st in target.stages.items():
                best = chosen.get(stage)
                if best is None or rank > best[0]:
                    chosen[stage] = (rank, pos, st)
        base.update({s: c[2] for s, c in chosen.items()})
        return base

    def team(self, stage: Stage) -> str:
        return self.teams.get(stage) or DEFAULT_TEAMS.get(stage, "order-ops")

    def window(self, target: StageTarget) -> timedelta | None:
        """How long a step may show no progress before it is stalled: the target's own
        `stall_after`, else for the hub's internal steps (validate, reserve, allocate) the
        policy's `stall_after` (15 minutes unless set), else None: the due time itself."""
        if target.stall_after is not None:
            return target.stall_after
        if target.stage in INTERNAL:
            return max(self.stall_after, target.within or timedelta(0))
        return None


_DEFAULTS_CACHE: dict[Stage, StageTarget] = {}


def _default_targets() -> dict[Stage, StageTarget]:
    """The built-in targets (parsed once), under a tenant's own."""
    if not _DEFAULTS_CACHE:
        policy = parse_policy(DEFAULT_DOC, version=0)
        _DEFAULTS_CACHE.update(policy.targets_for({}))
    return _DEFAULTS_CACHE


def parse_duration(text: Any) -> timedelta:
    if not isinstance(text, str) or not text or not (m := _DURATION.match(text.strip())):
        raise ValueError(f"{text!r} is not a duration like 30m, 2h, 1d or 1h30m")
    d, h, mins = (int(g) if g else 0 for g in m.groups())
    if d > 60 or h > 60 * 24 or mins > 60 * 24 * 60:
        raise ValueError(f"{text!r} is longer than 60 days")
    value = timedelta(days=d, hours=h, minutes=mins)
    if value > timedelta(days=60):
        raise ValueError(f"{text!r} is longer than 60 days")
    return value


def format_duration(value: timedelta) -> str:
    minutes = int(value.total_seconds() // 60)
    d, rest = divmod(minutes, 1440)
    h, m = divmod(rest, 60)
    out = (f"{d}d" if d else "") + (f"{h}h" if h else "") + (f"{m}m" if m else "")
    return out or "0m"


def parse_policy(doc: Any, *, version: int) -> SlaPolicy:
    """A policy document to a policy; every problem is reported with its path."""
    errors: list[FieldError] = []
    if not isinstance(doc, dict):
        raise InvalidInput([FieldError("policy", "an object")])
    for key in sorted(set(doc) - set(DEFAULT_DOC)):
        errors.append(FieldError(key, "unknown field"))

    def duration(key: str, default: str) -> timedelta:
        try:
            return parse_duration(doc.get(key, default))
        except ValueError as exc:
            errors.append(FieldError(key, str(exc)))
            return parse_duration(default)

    stall, escalate = duration("stall_after", "15m"), duration("escalate_after", "30m")
    prob = doc.get("at_risk_probability", 0.5)
    if isinstance(prob, bool) or not isinstance(prob, int | float) or not 0 < prob < 1:
        errors.append(FieldError("at_risk_probability", "a number between 0 and 1"))
        prob = 0.5
    targets = _targets(doc.get("targets", []), errors)
    teams: dict[Stage, str] = {}
    raw_teams = doc.get("teams", {})
    if not isinstance(raw_teams, dict):
        errors.append(FieldError("teams", "an object: stage -> team"))
    else:
        for k, v in raw_teams.items():
            if k not in Stage._value2member_map_:
                errors.append(FieldError(f"teams.{k}", f"unknown stage; stages: "
                                         f"{', '.join(Stage)}"))
            elif not isinstance(v, str) or not v.strip() or len(v) > 64:
                errors.append(FieldError(f"teams.{k}", "a team name (1-64 characters)"))
            else:
                teams[Stage(k)] = v.strip()
    calendars: dict[str, WorkingCalendar] = {}
    raw_cals = doc.get("calendars", {})
    if not isinstance(raw_cals, dict):
        errors.append(FieldError("calendars", "an object: warehouse code (or *) -> calendar"))
    else:
        base = raw_cals.get("*", DEFAULT_DOC["calendars"]["*"])
        for code, cal in raw_cals.items():
            merged = {**base, **cal} if isinstance(cal, dict) and isinstance(base, dict) \
                else cal
            try:
                calendars[code] = WorkingCalendar.from_doc(merged, f"calendars.{code}")
            except InvalidInput as exc:
                errors.extend(exc.errors)
    if errors:
        raise InvalidInput(errors)
    return SlaPolicy(version, stall, escalate, float(prob), tuple(targets), teams, calendars,
                     doc)


def _targets(raw: Any, errors: list[FieldError]) -> list[Target]:
    out: list[Target] = []
    if not isinstance(raw, list):
        errors.append(FieldError("targets", "a list of targets"))
        return out
    for i, item in enumerate(raw):
        loc = f"targets.{i}"
        if not isinstance(item, dict):
            errors.append(FieldError(loc, "an object with name, when, stages"))
            continue
        for key in sorted(set(item) - {"name", "when", "stages"}):
            errors.append(FieldError(f"{loc}.{key}", "unknown field"))
        name = item.get("name", f"target {i + 1}")
        if not isinstance(name, str) or len(name) > 200:
            errors.append(FieldError(f"{loc}.name", "text of at most 200 characters"))
            name = f"target {i + 1}"
        when: dict[str, frozenset[str]] = {}
        raw_when = item.get("when", {})
        if not isinstance(raw_when, dict):
            errors.append(FieldError(f"{loc}.when", "an object"))
            raw_when = {}
        for k, v in raw_when.items():
            values = [v] if isinstance(v, str) else v
            if k not in MATCH_FIELDS:
                errors.append(FieldError(f"{loc}.when.{k}",
                                         f"match on {', '.join(MATCH_FIELDS)}"))
            elif not isinstance(values, list) or not values or not all(
                    isinstance(x, str) and x for x in values):
                errors.append(FieldError(f"{loc}.when.{k}", "a value or a list of values"))
            else:
                when[k] = frozenset(values)
        stages: dict[Stage, StageTarget] = {}
        raw_stages = item.get("stages", {})
        if not isinstance(raw_stages, dict) or not raw_stages:
            errors.append(FieldError(f"{loc}.stages", "an object: stage -> target"))
            raw_stages = {}
        for k, spec in raw_stages.items():
            sloc = f"{loc}.stages.{k}"
            if k not in Stage._value2member_map_ or k == Stage.CREATED:
                errors.append(FieldError(sloc, "unknown stage (created has no target); "
                                         f"stages: {', '.join(list(Stage)[1:])}"))
                continue
            target = _stage_target(Stage(k), spec, sloc, name, errors)
            if target is not None:
                stages[Stage(k)] = target
        out.append(Target(name, when, stages))
    return out


def _stage_target(stage: Stage, spec: Any, loc: str, rule: str,
                  errors: list[FieldError]) -> StageTarget | None:
    if not isinstance(spec, dict):
        errors.append(FieldError(loc, "an object with within or by"))
        return None
    for key in sorted(set(spec) - {"within", "by", "business_hours", "stall_after",
                                   "promise"}):
        errors.append(FieldError(f"{loc}.{key}", "unknown field"))
    promise = spec.get("promise", False)
    if not isinstance(promise, bool) or (promise and stage != Stage.DELIVERED):
        errors.append(FieldError(f"{loc}.promise", "true or false, and only for delivered"))
        return None
    if ("within" in spec) == ("by" in spec):
        errors.append(FieldError(loc, "give exactly one of within (a duration) or by (HH:MM)"
                                 + (" (within: when an order has no promised date)"
                                    if promise else "")))
        return None
    within = by = stall = None
    try:
        if "within" in spec:
            within = parse_duration(spec["within"])
        else:
            hh, mm = str(spec["by"]).split(":")
            if not (hh.isdigit() and mm.isdigit() and len(hh) <= 2 and len(mm) == 2):
                raise ValueError
            by = time(int(hh), int(mm))
    except (ValueError, OverflowError) as exc:
        errors.append(FieldError(loc, str(exc) if "within" in spec
                                 else f"{spec['by']!r} is not a time of day HH:MM"))
        return None
    if "stall_after" in spec:
        try:
            stall = parse_duration(spec["stall_after"])
        except ValueError as exc:
            errors.append(FieldError(f"{loc}.stall_after", str(exc)))
    hours = spec.get("business_hours", stage in (Stage.RELEASED, Stage.PICKED, Stage.PACKED))
    if not isinstance(hours, bool):
        errors.append(FieldError(f"{loc}.business_hours", "true or false"))
        hours = False
    return StageTarget(stage, within, by, hours, stall, rule, promise)
