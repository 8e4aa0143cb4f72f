"""Scenario: a warehouse closes in the middle of the day's order stream.

    .venv/bin/python benchmarks/closure_scenario.py [--orders 4000] [--close SH-JD] [--seed 3]

The same as `orderhub scenario closure` (orderhub/tools/scenarios.py): demo data in a scratch
SQLite store, half the stream, a share released, the closure, the other half.
"""

from __future__ import annotations

import argparse

from orderhub.tools.scenarios import closure


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--orders", type=int, default=4000)
    ap.add_argument("--close", default="SH-JD", help="warehouse to close mid-stream")
    ap.add_argument("--release-share", type=float, default=0.3,
                    help="share of allocated orders released to the warehouse before closing")
    ap.add_argument("--seed", type=int, default=3)
    args = ap.parse_args()
    r = closure(orders=args.orders, close=args.close, release_share=args.release_share,
                seed=args.seed)
    print(f"closure of {r.warehouse} after {r.orders // 2} of {r.orders} orders "
          f"({r.released_before} released to warehouses beforehand)")
    print(f"  open orders at {r.warehouse}:         {r.open_at_closure}")
    print(f"  re-routed at once:                {r.rerouted} in {r.seconds:.2f} s")
    print(f"    promise kept or earlier:        {r.promises_kept}")
    print(f"    promise later:                  {r.promises_later}")
    print(f"  held (no stock elsewhere):        {r.held}")
    print(f"  released there, flagged:          {r.flagged}")
    print(f"  later orders routed to {r.warehouse}: {r.later_orders_to_closed} (must be 0)")
    for w in r.warnings:
        print(f"  warning: {w}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
