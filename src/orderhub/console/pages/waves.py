"""The routing wave from the network page: `services/network/waves.optimise_wave` (as
`orderhub routing wave` and POST /v1/routing/waves, network:write) runs on the console's job
pool (console/jobs.py) and its page polls the job (htmx) until the result summary is there:
orders considered, re-planned, skipped, cost before and after, the solver's method and
status. The optimiser has no progress hook, so the page shows the stage and the time
elapsed. One wave per tenant at a time (starting it again while one runs shows that one)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from orderhub.console.deps import CheckedDep, ConsoleForbidden, Viewer, hub_of, needs
from orderhub.console.jobs import JOBS, Job
from orderhub.console.rendering import base_of, render
from orderhub.domain.access import Scope
from orderhub.services.network.waves import WaveReport, optimise_wave

router = APIRouter()
LIMIT = 2000  # orders per wave, the CLI's default


def _key(tenant: str) -> str:
    return f"wave:{tenant}"


@router.post("/network/wave")
def start(request: Request, v: CheckedDep) -> Response:
    if not v.may(Scope.NETWORK_WRITE):
        raise ConsoleForbidden(Scope.NETWORK_WRITE.value)
    hub = hub_of(request)
    tenant, actor = v.principal.tenant_id, v.principal.actor

    def work(job: Job) -> WaveReport:
        job.stage = "optimising"
        return optimise_wave(hub.uow, hub.read_uow, tenant, strategy=hub.strategy,
                             now=hub.clock(), actor=actor, presale_lock=hub.presale_lock,
                             limit=LIMIT, time_limit=hub.settings.wave_time_limit_seconds)

    JOBS.start(_key(tenant), actor, work)
    return RedirectResponse(f"{base_of(request)}/network/wave", status_code=303)


@router.get("/network/wave")
def status(request: Request, v: Viewer = Depends(needs(Scope.NETWORK_WRITE))) -> Response:
    job = JOBS.get(_key(v.principal.tenant_id))
    block = "wave" if request.headers.get("hx-request") else None
    return render(request, v, "pages/wave.html", block=block, current="network", job=job)
