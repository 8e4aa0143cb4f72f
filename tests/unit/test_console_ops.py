"""The held orders, exceptions and inventory pages' catalogue families (every exception
kind, state, tier, remedy and proposal state has a label in both languages) and the bulk
job runner (chunks, progress, refusals listed, a fault does not stop the job)."""

from __future__ import annotations

import time

from orderhub.console import bulk
from orderhub.console.i18n import CATALOG
from orderhub.domain.errors import Conflict
from orderhub.domain.exceptions import ExceptionKind, ExceptionState, ProposalState, Tier
from orderhub.domain.exceptions.model import RemedyKind
from orderhub.services.intake.crosswalk import KEY_TYPES


def test_every_code_the_pages_show_has_a_label() -> None:
    families = {"exc.kind_": ExceptionKind, "exc.state_": ExceptionState,
                "exc.tier_": Tier, "exc.remedy_": RemedyKind, "exc.pstate_": ProposalState}
    missing = [f"{prefix}{c.value}" for prefix, enum in families.items() for c in enum
               if f"{prefix}{c.value}" not in CATALOG]
    missing += [f"held.key_{k}" for k in KEY_TYPES if f"held.key_{k}" not in CATALOG]
    missing += [k for k in ("held.outcome_ok", "held.outcome_failed", "held.resume",
                            "held.cancel", "exc.decision_approve", "exc.decision_reject",
                            "held.matched_code", "held.matched_title",
                            "held.matched_barcode") if k not in CATALOG]
    assert missing == []


def test_a_bulk_job_runs_in_chunks_and_lists_refusals() -> None:
    jobs = bulk.BulkJobs()
    ids = [f"o{i}" for i in range(bulk.CHUNK * 2 + 3)]

    def work(order_id: str) -> str:
        if order_id == "o1":
            raise Conflict("order o1 is cancelled")
        if order_id == "o2":
            raise RuntimeError("boom")
        return "allocated"

    job = jobs.start("t1", "user:op", "resume", ids, work)
    deadline = time.monotonic() + 10
    while job.running:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert (job.done, job.total, job.percent, job.failed) == (len(ids), len(ids), 100, 2)
    assert job.results[1] == ("o1", "failed", "order o1 is cancelled")
    assert job.results[2][1] == "failed" and "internal error" in job.results[2][2]
    assert [r[0] for r in job.results] == ids
    assert jobs.get("t1", job.id, None) is job
    assert jobs.get("t1", job.id, "user:op") is job
    assert jobs.get("t1", job.id, "user:someone-else") is None  # another user's job
    assert jobs.get("other-tenant", job.id, None) is None  # another tenant's job: not found
