"""A tenant's anomaly settings: on or off, the score thresholds, and the thresholds and
windows of each reason code. Stored per tenant (versioned, audited); these defaults apply
to a tenant that never changed them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from orderhub.domain.errors import FieldError, InvalidInput


@dataclass(frozen=True, slots=True)
class AnomalySettings:
    enabled: bool = True
    use_model: bool = True  # score with the trained model when one is installed
    hold_threshold: float = 0.8  # score at or above: hold for a person (needs a reason code)
    flag_threshold: float = 0.5  # score at or above, or any reason code: flag (event only)
    # brushing and fraud
    address_accounts: int = 3  # other accounts shipping to the address in the window
    address_burst: int = 4  # earlier orders to the address within burst_hours
    phone_accounts: int = 2  # other accounts using the phone in the window
    phone_burst: int = 4  # earlier orders with the phone within burst_hours
    high_value: float = 3000.0  # CNY: a new account's order at or above this is suspect
    new_account_days: float = 3.0  # an account younger than this is new
    # channel prices and quantities
    price_deviation: float = 0.35  # net unit price this far from other channels' median
    price_min_seen: int = 3  # lines priced in other channels needed to compare
    quantity_factor: float = 4.0  # line quantity vs the account's largest before
    quantity_floor: int = 10  # ... and at least this many units
    first_order_quantity: int = 20  # a consumer line quantity with no history
    # windows
    velocity_hours: float = 24.0
    burst_hours: float = 1.0
    duplicate_hours: float = 48.0
    price_days: float = 7.0
    account_days: float = 30.0
    version: int = 0  # bumped by every change

    def as_doc(self) -> dict[str, Any]:
        return asdict(self)

    def changed(self, doc: dict[str, Any]) -> AnomalySettings:
        """These settings with `doc`'s fields changed; InvalidInput names each bad field."""
        known = {f.name: f for f in fields(self) if f.name != "version"}
        errors: list[FieldError] = []
        values: dict[str, Any] = {}
        for name, value in doc.items():
            if name not in known:
                errors.append(FieldError(name, f"unknown setting; known: "
                                               f"{', '.join(sorted(known))}"))
                continue
            default = getattr(AnomalySettings(), name)
            if isinstance(default, bool):
                if not isinstance(value, bool):
                    errors.append(FieldError(name, "must be true or false"))
                    continue
            elif isinstance(default, int):
                if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                    errors.append(FieldError(name, "must be a whole number of at least 1"))
                    continue
            else:
                if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                    errors.append(FieldError(name, "must be a number above 0"))
                    continue
                value = float(value)
            values[name] = value
        out = replace(self, **values)
        for name in ("hold_threshold", "flag_threshold"):
            if getattr(out, name) > 1:
                errors.append(FieldError(name, "a score threshold is at most 1"))
        if out.flag_threshold > out.hold_threshold:
            errors.append(FieldError("flag_threshold",
                                     "must not be above hold_threshold"))
        if out.burst_hours > out.velocity_hours:
            errors.append(FieldError("burst_hours", "must not be above velocity_hours"))
        if errors:
            raise InvalidInput(errors)
        return out

    @classmethod
    def from_doc(cls, doc: dict[str, Any], version: int) -> AnomalySettings:
        """Stored settings (unknown keys from an older version are ignored)."""
        known = {f.name for f in fields(cls)}
        return replace(cls(), **{k: v for k, v in doc.items() if k in known},
                       version=version)
