"""A large batch (about 30 MB, inside the schema's limits) through HTTP while another client
polls /healthz: how long the batch takes, how long /healthz waits at worst, and the
server's peak memory. Issue 12 found 8-13 s, 700 MB and a 7 s /healthz wait when the body
was parsed on the event loop.

    .venv/bin/python benchmarks/large_batch.py [--orders 5000] [--lines 24] [--src DIR]

`--src` runs the server from another checkout's `src/` (to compare two commits on the same
machine in one sitting). Prints figures; asserts nothing on time.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def body(orders: int, lines: int, valid: bool) -> bytes:
    address = {"province": "上海市", "city": "上海市", "district": "浦东新区",
               "line1": "世纪大道 100 号 " + "x" * 40, "name": "张三", "phone": "13800138000"}
    docs = []
    for i in range(orders):
        docs.append({"external_id": f"BIG-{i:06d}", "channel": "web", "currency": "CNY",
                     "shipping_address": address,
                     "lines": [{"sku": f"SKU-{(i + j) % 40 + 1:05d}", "quantity": 1,
                                "unit_price": "59.90", "discount": "0.00"}
                               for j in range(lines)]})
    if not valid:
        docs[-1]["lines"][0]["quantity"] = "2"  # the last order is bad: 422, nothing stored
    return json.dumps({"orders": docs}, ensure_ascii=False).encode()


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run(src: Path, payload: bytes, label: str) -> None:
    tmp = Path(tempfile.mkdtemp())
    env = {**os.environ, "PYTHONPATH": str(src), "ORDERHUB_DATABASE_URL": f"sqlite:///{tmp}/b.db",
           "ORDERHUB_KEY_DIR": str(tmp / "keys")}
    env.pop("ORDERHUB_MASTER_KEY", None)  # throwaway keys in the scratch key folder
    env.pop("ORDERHUB_AUDIT_KEY", None)
    py = sys.executable
    if (src / "orderhub" / "cli" / "keys.py").exists():
        subprocess.run([py, "-m", "orderhub", "keys", "init"], env=env, check=True,
                       capture_output=True, cwd=tmp)
    subprocess.run([py, "-m", "orderhub", "demo-data", "--skus", "40"], env=env, check=True,
                   capture_output=True, cwd=tmp)
    port = free_port()
    server = subprocess.Popen([py, "-m", "orderhub", "serve", "--demo", "--port", str(port),
                               "--no-background"], env=env, cwd=tmp,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        key_file = tmp / "keys" / "demo-api-key"
        headers = {"content-type": "application/json"}
        if key_file.exists():
            headers["authorization"] = f"Bearer {key_file.read_text().strip()}"
        waits: list[float] = []
        done = threading.Event()

        def poll() -> None:
            while not done.is_set():
                t0 = time.perf_counter()
                httpx.get(f"{base}/healthz", timeout=60)
                waits.append(time.perf_counter() - t0)
                time.sleep(0.05)

        poller = threading.Thread(target=poll)
        poller.start()
        t0 = time.perf_counter()
        r = httpx.post(f"{base}/v1/orders/batch", content=payload, headers=headers,
                       timeout=600)
        took = time.perf_counter() - t0
        done.set()
        poller.join()
        print(f"{label}: {len(payload) / 1e6:.1f} MB -> HTTP {r.status_code} in {took:.1f} s; "
              f"/healthz worst {max(waits) * 1000:.0f} ms, median "
              f"{sorted(waits)[len(waits) // 2] * 1000:.0f} ms over {len(waits)} polls; "
              f"server peak RSS {peak_rss_mb(server.pid):.0f} MB")
    finally:
        server.terminate()
        server.wait(10)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, default=5000)
    ap.add_argument("--lines", type=int, default=24)
    ap.add_argument("--src", type=Path, default=ROOT / "src")
    args = ap.parse_args()
    for valid in (False, True):
        payload = body(args.orders, args.lines, valid)
        run(args.src, payload, "valid batch" if valid else "batch refused (last order bad)")


if __name__ == "__main__":
    main()
