"""The held orders, exceptions and inventory pages' catalogue families (every exception
kind, state, tier, remedy and proposal state has a label in both languages); the bulk job
runner is tested with its stored record in tests/integration/test_background_jobs.py."""

from __future__ import annotations

from orderhub.console.i18n import CATALOG
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
