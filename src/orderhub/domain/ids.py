"""Time-ordered identifiers, generated in-process so batches need no round trip for keys."""

from __future__ import annotations

import random
import threading
import time

_lock = threading.Lock()
_rng = random.Random()  # seeded from the OS once; fast, and ids need no secrecy
_last_ms = 0
_counter = 0


def new_id(prefix: str) -> str:
    """A UUIDv7-like id (48-bit ms time, 12-bit counter, 62 random bits) as 26 hex-ish chars.

    Ids sort by creation time, so they double as a stable cursor for pagination.
    """
    global _last_ms, _counter
    with _lock:
        now = time.time_ns() // 1_000_000
        if now <= _last_ms:
            _counter += 1
            if _counter > 0xFFF:
                _last_ms += 1
                _counter = 0
            now = _last_ms
        else:
            _last_ms = now
            _counter = 0
        counter = _counter
    rand = _rng.getrandbits(62)  # uniqueness comes from time + counter; this only spreads
    value = (now << 74) | (counter << 62) | rand
    return f"{prefix}_{value:032x}"


def new_ids(prefix: str, count: int) -> list[str]:
    """`count` ids as `new_id` makes them one after another (same form, same order), the
    clock read and the lock taken once: intake numbers thousands of events a batch."""
    global _last_ms, _counter
    if count <= 0:
        return []
    stamps: list[int] = []
    with _lock:
        now = time.time_ns() // 1_000_000
        last, counter = _last_ms, _counter
        for _ in range(count):
            if now <= last:
                counter += 1
                if counter > 0xFFF:
                    last += 1
                    counter = 0
            else:
                last, counter = now, 0
            stamps.append((last << 74) | (counter << 62))
        _last_ms, _counter = last, counter
    bits = _rng.getrandbits
    return [f"{prefix}_{stamp | bits(62):032x}" for stamp in stamps]
