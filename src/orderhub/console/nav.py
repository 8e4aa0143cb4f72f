"""The navigation registry: each page module registers its entry (`register(NavItem(...))`)
and the layout shows the entries the signed-in principal's scopes allow, in `order`."""

from __future__ import annotations

from dataclasses import dataclass

from orderhub.domain.access import Principal, Scope


@dataclass(frozen=True, slots=True)
class NavItem:
    key: str  # also the catalogue key "nav.<key>" and the `current` a page renders with
    path: str  # under /console
    scope: Scope  # what the principal needs to see the entry (and the page refuses without)
    order: int  # position in the menu
    unbound_only: bool = False  # not for a principal bound to warehouses (tenant-wide data)


_ITEMS: dict[str, NavItem] = {}


def register(item: NavItem) -> NavItem:
    if item.key in _ITEMS and _ITEMS[item.key] != item:
        raise ValueError(f"nav entry '{item.key}' registered twice")
    _ITEMS[item.key] = item
    return item


def items() -> list[NavItem]:
    return sorted(_ITEMS.values(), key=lambda i: (i.order, i.key))


def visible(principal: Principal) -> list[NavItem]:
    return [i for i in items() if principal.allows(i.scope)
            and not (i.unbound_only and principal.warehouses)]
