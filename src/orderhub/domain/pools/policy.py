"""The pooling policy: rule data per channel (radius, window, threshold), one versioned
document per tenant. A channel not named in the document is not pooled."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from orderhub.domain.errors import FieldError, InvalidInput

DEFAULT_RADIUS_KM = 5.0
DEFAULT_WINDOW_MINUTES = 120
DEFAULT_THRESHOLD = 30
MAX_RADIUS_KM = 100.0
MAX_WINDOW_MINUTES = 7 * 24 * 60
MAX_THRESHOLD = 10_000
_KEYS = {"radius_km", "window_minutes", "threshold", "enabled"}


@dataclass(frozen=True, slots=True)
class ChannelPooling:
    """How one channel's orders are pooled."""

    channel: str
    radius_km: float = DEFAULT_RADIUS_KM
    window_minutes: int = DEFAULT_WINDOW_MINUTES
    threshold: int = DEFAULT_THRESHOLD
    enabled: bool = True

    @property
    def window(self) -> timedelta:
        return timedelta(minutes=self.window_minutes)

    def as_dict(self) -> dict[str, Any]:
        return {"radius_km": self.radius_km, "window_minutes": self.window_minutes,
                "threshold": self.threshold, "enabled": self.enabled}


@dataclass(frozen=True, slots=True)
class PoolPolicy:
    version: int = 0  # 0: none stored (nothing is pooled)
    channels: Mapping[str, ChannelPooling] = field(default_factory=dict)

    def for_channel(self, channel: str) -> ChannelPooling | None:
        rule = self.channels.get(channel)
        return rule if rule is not None and rule.enabled else None

    def document(self) -> dict[str, Any]:
        return {"channels": {c: r.as_dict() for c, r in sorted(self.channels.items())}}


def _number(value: Any, loc: str, errors: list[FieldError], *, integer: bool,
            low: float, high: float) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or (
            integer and not isinstance(value, int)):
        errors.append(FieldError(loc, "must be an integer" if integer else "must be a number"))
        return None
    if not low <= value <= high:
        errors.append(FieldError(loc, f"must be between {low:g} and {high:g}"))
        return None
    return float(value)


def parse_policy(doc: Any, *, version: int) -> PoolPolicy:
    """The policy in a document, or InvalidInput naming every bad field by its path."""
    errors: list[FieldError] = []
    if not isinstance(doc, Mapping):
        raise InvalidInput([FieldError("document", "must be an object")])
    unknown = sorted(set(doc) - {"channels"})
    errors += [FieldError(k, "unknown field") for k in unknown]
    raw = doc.get("channels", {})
    out: dict[str, ChannelPooling] = {}
    if not isinstance(raw, Mapping):
        errors.append(FieldError("channels", "must be an object of channel code -> rule"))
        raw = {}
    for channel, rule in raw.items():
        loc = f"channels.{channel}"
        if not isinstance(channel, str) or not channel.strip() or len(channel) > 64:
            errors.append(FieldError(loc, "a channel code of 1 to 64 characters"))
            continue
        if not isinstance(rule, Mapping):
            errors.append(FieldError(loc, "must be an object"))
            continue
        errors += [FieldError(f"{loc}.{k}", "unknown field") for k in sorted(set(rule) - _KEYS)]
        radius = _number(rule.get("radius_km", DEFAULT_RADIUS_KM), f"{loc}.radius_km",
                         errors, integer=False, low=0.1, high=MAX_RADIUS_KM)
        window = _number(rule.get("window_minutes", DEFAULT_WINDOW_MINUTES),
                         f"{loc}.window_minutes", errors, integer=True, low=1,
                         high=MAX_WINDOW_MINUTES)
        threshold = _number(rule.get("threshold", DEFAULT_THRESHOLD), f"{loc}.threshold",
                            errors, integer=True, low=2, high=MAX_THRESHOLD)
        enabled = rule.get("enabled", True)
        if not isinstance(enabled, bool):
            errors.append(FieldError(f"{loc}.enabled", "must be true or false"))
            continue
        if radius is None or window is None or threshold is None:
            continue
        out[channel] = ChannelPooling(channel, radius, int(window), int(threshold), enabled)
    if errors:
        raise InvalidInput(errors)
    return PoolPolicy(version, out)
