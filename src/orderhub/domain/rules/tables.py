"""Decision tables: one document standing for many rules, one per row, each checked like
a rule written on its own (model.parse_rule)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from orderhub.domain.errors import FieldError, InvalidInput
from orderhub.domain.rules.conditions import CONDITIONS
from orderhub.domain.rules.model import ACTIONS


def expand_table(doc: Mapping[str, Any], loc: str = "") -> list[dict[str, Any]]:
    """A decision table as the rules it stands for: one rule per row, `<table>.<row>`.

        {"table": "tmall-plan", "description": "Tmall by tier",
         "when": ["channel", "customer_tier"], "then": ["only_sites", "notify"],
         "rows": [[["tmall"], ["VIP"], ["SH-JD"], null],
                  [["tmall"], null, null, "Tmall order"]]}

    A null cell is "any" (a condition) or "nothing" (an action); every row that matches
    applies, as with rules written one by one. The rules are checked like any other."""
    p = f"{loc}." if loc else ""
    errors: list[FieldError] = []
    code = doc.get("table")
    if not isinstance(code, str) or not re.fullmatch(r"[A-Za-z0-9_.:\-]{1,56}", code):
        errors.append(FieldError(f"{p}table", "the table's code: 1 to 56 letters, digits "
                                 "and _ . : -"))
    cols: dict[str, list[str]] = {}
    for side, known in (("when", CONDITIONS), ("then", ACTIONS)):
        names = doc.get(side, [])
        if (not isinstance(names, list) or not all(isinstance(n, str) for n in names)
                or len(set(names)) != len(names)):
            errors.append(FieldError(f"{p}{side}", "a list of distinct column names"))
            names = []
        for n in names:
            if n not in known:
                errors.append(FieldError(f"{p}{side}", f"unknown column '{n}'; known: "
                                         f"{', '.join(known)}"))
        cols[side] = names
    if not cols["then"]:
        errors.append(FieldError(f"{p}then", "at least one action column"))
    rows = doc.get("rows")
    if not isinstance(rows, list) or not rows or len(rows) > 1000:
        errors.append(FieldError(f"{p}rows", "1 to 1,000 rows, each a list of cells"))
        rows = []
    extra = sorted(set(doc) - {"table", "description", "when", "then", "rows", "priority",
                               "enabled"})
    for key in extra:
        errors.append(FieldError(f"{p}{key}", "unknown field of a table; known: table, "
                                 "description, when, then, rows, priority, enabled"))
    description = doc.get("description", "")
    if not isinstance(description, str) or len(description) > 480 or "\x00" in description:
        errors.append(FieldError(f"{p}description", "text of at most 480 characters (each "
                                 "row's rule adds its row number)"))
        description = ""
    width = len(cols["when"]) + len(cols["then"])
    out = []
    for j, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != width:
            errors.append(FieldError(f"{p}rows.{j}", f"{width} cells: "
                                     f"{', '.join(cols['when'] + cols['then'])}"))
            continue
        when = {k: v for k, v in zip(cols["when"], row, strict=False) if v is not None}
        then = {k: v for k, v in zip(cols["then"], row[len(cols["when"]):], strict=True)
                if v is not None}
        rule: dict[str, Any] = {"code": f"{code}.{j + 1}", "when": when, "then": then,
                                "description": f"{description or code} (row {j + 1})"}
        for key in ("priority", "enabled"):
            if key in doc:
                rule[key] = doc[key]
        out.append(rule)
    if errors:
        raise InvalidInput(errors)
    return out
