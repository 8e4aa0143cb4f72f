"""One module per page. Each has `router` (its routes, relative to /console) and registers
its menu entry with `nav.register` (if it has one). Add a new page's module to MODULES."""

from __future__ import annotations

from types import ModuleType

from orderhub.console.pages import dashboard, exceptions, held, inventory, order, orders, sign_in

MODULES: tuple[ModuleType, ...] = (sign_in, dashboard, orders, order, held, exceptions,
                                    inventory)

# network, rules, audit and events (issue 15, parts 6-8)
from orderhub.console.pages import audit, events, network, rules  # noqa: E402

MODULES += (network, rules, audit, events)

# imports (issue 15, long operations)
from orderhub.console.pages import imports, waves  # noqa: E402

MODULES += (imports, waves)

# customer service's lookup (issue 19)
from orderhub.console.pages import service  # noqa: E402

MODULES += (service,)

# after-sales: returns and reconciliation (issue 17)
from orderhub.console.pages import reconciliation, returns  # noqa: E402

MODULES += (returns, reconciliation)
# compliance packs per destination country (issue 19)
from orderhub.console.pages import compliance  # noqa: E402

MODULES += (compliance,)
