"""How long `orderhub` takes to start: `--help`, `order list --help` and `order list
--limit 1` (a small demo store), each run N times in a fresh process; median and best wall
and CPU (user + system) seconds, and how many modules `import orderhub.cli.app` loads.

    .venv/bin/python benchmarks/cli_startup.py [--runs 9] [--src OTHER/src]

`--src` runs another checkout's code with this environment (e.g. `git archive main src |
tar -x -C /tmp/base`, then `--src /tmp/base/src`) to compare two commits on one machine.
"""

from __future__ import annotations

import argparse
import base64
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMANDS = [["--help"], ["order", "list", "--help"], ["order", "list", "--limit", "1"]]
ENTRY = "from orderhub.cli.app import main; main()"


def _run(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", ENTRY, *args], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--src", type=Path, default=None, help="Another checkout's src/")
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "ORDERHUB_DATABASE_URL": f"sqlite:///{tmp}/cli.db",
               "ORDERHUB_LANG": "en"}
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # measure start-up, not compilation
        for key in ("ORDERHUB_MASTER_KEY", "ORDERHUB_AUDIT_KEY"):  # throw-away keys
            env.setdefault(key, base64.b64encode(os.urandom(32)).decode())
        if opts.src is not None:
            env["PYTHONPATH"] = str(opts.src.resolve())
        for setup in (["db", "upgrade"], ["demo-data", "--skus", "50"],
                      ["simulate", "--orders", "50", "--batch-size", "50"]):
            _run(setup, env)
        loaded = subprocess.run(
            [sys.executable, "-c", "import sys, orderhub.cli.app; "
             "print(len(sys.modules), sum(m.startswith('orderhub') for m in sys.modules))"],
            env=env, check=True, capture_output=True, text=True).stdout.split()
        print(f"import orderhub.cli.app: {loaded[0]} modules, {loaded[1]} of orderhub")
        print(f"{'command':<32} {'wall median':>12} {'wall best':>10} {'cpu median':>11}"
              f" {'cpu best':>9}")
        for args in COMMANDS:
            _run(args, env)  # warm the page cache and byte code
            runs = [_run(args, env) for _ in range(opts.runs)]
            walls, cpus = [w for w, _ in runs], [c for _, c in runs]
            print(f"{'orderhub ' + ' '.join(args):<32} {statistics.median(walls):>11.3f}s "
                  f"{min(walls):>9.3f}s {statistics.median(cpus):>10.3f}s {min(cpus):>8.3f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
