"""The routing wave from the network page: `services/network/waves.optimise_wave` (as
`orderhub routing wave` and POST /v1/routing/waves, network:write) runs as a
background job (services/background_jobs.py, its record stored, so any server process
shows it) and its page polls the job (htmx) until the result summary is there:
orders considered, re-planned, skipped, cost before and after, the solver's method and
status. The optimiser has no progress hook, so the page shows the stage and the time
elapsed. One wave per tenant at a time (starting it again while one runs shows that one)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from orderhub.console.deps import CheckedDep, ConsoleForbidden, Viewer, hub_of, needs
from orderhub.console.rendering import base_of, render
from orderhub.domain.access import Scope
from orderhub.domain.jobs import JobRecord
from orderhub.services import background_jobs
from orderhub.services.background_jobs import JobContext
from orderhub.services.network.waves import WaveReport, optimise_wave

router = APIRouter()
LIMIT = 2000  # orders per wave, the CLI's default


_MONEY = ("cost_before", "cost_after", "score_before", "score_after")


def _key(tenant: str) -> str:
    return f"wave:{tenant}"


def _report_doc(report: WaveReport) -> dict[str, Any]:
    doc = asdict(report)
    for name in _MONEY:
        doc[name] = str(doc[name])
    return doc


@dataclass
class WaveJob:
    """What the page shows of the wave's job record: the report as the optimiser made it."""

    state: str
    stage: str
    seconds: float
    error: str
    result: WaveReport | None

    @classmethod
    def of(cls, record: JobRecord | None) -> WaveJob | None:
        if record is None:
            return None
        doc = record.detail.get("result")
        fields: dict[str, Any] = {} if doc is None else {
            k: Decimal(v) if k in _MONEY else v for k, v in doc.items()}
        result = None if doc is None else WaveReport(**fields)
        return cls(record.state, record.stage, record.seconds, record.error, result)


@router.post("/network/wave")
def start(request: Request, v: CheckedDep) -> Response:
    if not v.may(Scope.NETWORK_WRITE):
        raise ConsoleForbidden(Scope.NETWORK_WRITE.value)
    hub = hub_of(request)
    tenant, actor = v.principal.tenant_id, v.principal.actor

    def work(job: JobContext) -> dict[str, Any]:
        job.stage("optimising")
        report = optimise_wave(hub.uow, hub.read_uow, tenant, strategy=hub.strategy,
                               now=hub.clock(), actor=actor, presale_lock=hub.presale_lock,
                               limit=LIMIT, time_limit=hub.settings.wave_time_limit_seconds)
        return {"result": _report_doc(report)}

    background_jobs.start(hub.uow, tenant_id=tenant, kind="wave", actor=actor,
                          clock=hub.clock, work=work, key=_key(tenant))
    return RedirectResponse(f"{base_of(request)}/network/wave", status_code=303)


@router.get("/network/wave")
def status(request: Request, v: Viewer = Depends(needs(Scope.NETWORK_WRITE))) -> Response:
    hub = hub_of(request)
    tenant = v.principal.tenant_id
    job = WaveJob.of(background_jobs.latest(hub.read_uow, tenant, _key(tenant),
                                            now=hub.clock()))
    block = "wave" if request.headers.get("hx-request") else None
    return render(request, v, "pages/wave.html", block=block, current="network", job=job)
