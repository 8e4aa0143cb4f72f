"""The exception desk (pure): exception kinds and records, remedy candidates priced by
the router, the ranking and tier policies, and the four-eyes approval rules."""

from orderhub.domain.exceptions.model import (
    Approval,
    Basis,
    ExceptionKind,
    ExceptionRecord,
    ExceptionState,
    Proposal,
    ProposalState,
    Remedy,
    RemedyKind,
    Tier,
)
from orderhub.domain.exceptions.policy import RankingPolicy, TierPolicy, approve, rank, reject
from orderhub.domain.exceptions.remedies import DeskInput, Substitution, plan_remedies

__all__ = ["Approval", "Basis", "DeskInput", "ExceptionKind", "ExceptionRecord",
           "ExceptionState", "Proposal", "ProposalState", "RankingPolicy", "Remedy",
           "RemedyKind", "Substitution", "Tier", "TierPolicy", "approve", "plan_remedies",
           "rank", "reject"]
