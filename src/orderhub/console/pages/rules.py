"""Rules: the live routing rules and validation checks in readable form (a rule written as a
sentence keeps the sentence as its description), writing a rule as a sentence in Chinese
or English (domain/rules/language.py through routing_rules.rule_from_text, the parser's
errors by the field), and rule sets through their lifecycle (services/rules): a draft,
its sandbox run as a background job (services/background_jobs.py; the report is recorded on the set
by the sandbox itself), a canary and the comparison of its arms, activation, rollback.
The same service functions as /v1/routing/rules/from-text and /v1/rules/sets/*, with the
same scopes (rules:read, rules:draft, rules:approve)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Request
from starlette.responses import RedirectResponse, Response

from orderhub.console import nav
from orderhub.console.deps import CheckedDep, ConsoleForbidden, Viewer, hub_of, needs
from orderhub.console.rendering import base_of, render
from orderhub.domain.access import Scope
from orderhub.domain.errors import Conflict, InvalidInput
from orderhub.domain.rules.conditions import CONDITIONS
from orderhub.domain.rules.model import ACTIONS
from orderhub.services import background_jobs
from orderhub.services.background_jobs import JobContext
from orderhub.services.rules import rollout, routing_rules, rule_sets, sandbox, validation_rules

router = APIRouter()
NAV = nav.register(nav.NavItem("rules", "/rules", Scope.RULES_READ, order=60))
SetId = Annotated[int, Path(ge=1, le=2**53)]
MAX_REASON = 500
MAX_SENTENCE = 500


def _need(v: Viewer, scope: Scope) -> None:
    if not v.may(scope):
        raise ConsoleForbidden(scope.value)


def _job_key(tenant: str, set_id: int) -> str:
    return f"sandbox:{tenant}:{set_id}"


def _reason_error(reason: str) -> str | None:
    if not reason:
        return "field.required"
    return "net.too_long" if len(reason) > MAX_REASON else None


def _list_page(request: Request, v: Viewer, *, status: int = 200,
               errors: dict[str, list[str]] | None = None, text: str = "", code: str = "",
               translated: dict[str, Any] | None = None, message: str = "",
               table: dict[str, str] | None = None) -> Response:
    hub = hub_of(request)
    tenant = v.principal.tenant_id
    return render(request, v, "pages/rules.html", status=status, current=NAV.key,
                  rules=routing_rules.list_rules(hub.read_uow, tenant),
                  checks=validation_rules.list_rules(hub.read_uow, tenant),
                  sets=rule_sets.list_sets(hub.read_uow, tenant),
                  may_draft=v.may(Scope.RULES_DRAFT), errors=errors or {}, text=text,
                  code=code, translated=translated, table=table or {},
                  conditions=CONDITIONS, actions=ACTIONS,
                  translated_json=json.dumps(translated["rule"], ensure_ascii=False)
                  if translated else "", message=message)


@router.get("/rules")
def page(request: Request, v: Viewer = Depends(needs(Scope.RULES_READ))) -> Response:
    return _list_page(request, v)


@router.post("/rules/translate")
def translate(request: Request, v: CheckedDep, text: Annotated[str, Form()] = "",
              code: Annotated[str, Form()] = "") -> Response:
    """A sentence to a rule, checked against the tenant's sites, carriers, channels and
    catalogue; nothing is saved."""
    _need(v, Scope.RULES_DRAFT)
    text, code = text.strip(), code.strip()
    if not text or len(text) > MAX_SENTENCE:
        return _list_page(request, v, status=400, text=text, code=code, errors={
            "text": ["field.required" if not text else "net.too_long"]})
    if len(code) > 64:
        return _list_page(request, v, status=400, text=text, code=code,
                          errors={"code": ["net.too_long"]})
    try:
        out = routing_rules.rule_from_text(hub_of(request).read_uow, v.principal.tenant_id,
                                           text, code or None)
    except InvalidInput as exc:
        errors: dict[str, list[str]] = {}
        for e in exc.errors:
            field = e.loc.split(".")[0]
            field = field if field in ("text", "code") else "text"
            errors.setdefault(field, []).append(f"{e.loc}: {e.message}"
                                                if e.loc not in ("text", "code") else e.message)
        return _list_page(request, v, status=400, text=text, code=code, errors=errors)
    return _list_page(request, v, text=text, code=code, translated=out)


@router.post("/rules/sets")
def draft(request: Request, v: CheckedDep, reason: Annotated[str, Form()] = "",
          rule: Annotated[str, Form()] = "", text: Annotated[str, Form()] = "") -> Response:
    """A draft set: the live rules, with the translated rule added (or replacing the live
    rule of the same code); without a rule, a copy of the live rules."""
    _need(v, Scope.RULES_DRAFT)
    hub = hub_of(request)
    tenant = v.principal.tenant_id
    reason = reason.strip()
    translated: dict[str, Any] | None = None
    if rule:
        try:
            doc = json.loads(rule)
            if not isinstance(doc, dict) or not isinstance(doc.get("code"), str):
                raise ValueError
        except ValueError:
            return _list_page(request, v, status=400, message="rules.bad_rule", text=text)
        translated = {"rule": doc}
    bad = _reason_error(reason)
    if bad:
        return _list_page(request, v, status=400, errors={"reason": [bad]}, text=text,
                          translated=translated)
    docs: list[Any] | None = None
    if translated is not None:
        new = translated["rule"]
        docs = [d for d in routing_rules.export_rules(hub.read_uow, tenant)
                if d.get("code") != new["code"]] + [new]
    try:
        made = rule_sets.create_draft(hub.uow, tenant, docs, actor=v.principal.actor,
                                      reason=reason, now=hub.clock())
    except InvalidInput as exc:
        return _list_page(request, v, status=400, text=text, translated=translated,
                          errors={"rule": [f"{e.loc}: {e.message}" for e in exc.errors]})
    except Conflict:
        return _list_page(request, v, status=409, text=text, translated=translated,
                          message="error.conflict")
    return RedirectResponse(f"{base_of(request)}/rules/sets/{made['id']}", status_code=303)


def _set_page(request: Request, v: Viewer, set_id: int, *, status: int = 200,
              errors: dict[str, str] | None = None, form: str = "",
              values: dict[str, str] | None = None, message: str = "") -> Response:
    hub = hub_of(request)
    tenant = v.principal.tenant_id
    s = rule_sets.get_set(hub.read_uow, tenant, set_id)
    compared: dict[str, Any] | None = None
    if s["canary_at"] is not None:
        try:
            compared = rollout.compare(hub.read_uow, tenant, set_id)
        except Conflict:
            compared = None
    job = background_jobs.latest(hub.read_uow, tenant, _job_key(tenant, set_id),
                                 now=hub.clock())
    return render(request, v, "pages/rule_set.html", status=status, current=NAV.key, s=s,
                  report=s["sandbox"], job=job, compared=compared,
                  may_draft=v.may(Scope.RULES_DRAFT), may_approve=v.may(Scope.RULES_APPROVE),
                  errors=errors or {}, form=form, values=values or {}, message=message)


@router.get("/rules/sets/{set_id}")
def set_page(request: Request, set_id: SetId,
             v: Viewer = Depends(needs(Scope.RULES_READ))) -> Response:
    return _set_page(request, v, set_id)


@router.get("/rules/sets/{set_id}/job")
def job_status(request: Request, set_id: SetId,
               v: Viewer = Depends(needs(Scope.RULES_READ))) -> Response:
    """The sandbox job's block (htmx polls it while it runs); done: reload the page, which
    shows the report the sandbox recorded."""
    hub = hub_of(request)
    tenant = v.principal.tenant_id
    job = background_jobs.latest(hub.read_uow, tenant, _job_key(tenant, set_id),
                                 now=hub.clock())
    headers = {"HX-Refresh": "true"} if job is None or job.state != "running" else None
    return render(request, v, "pages/rule_set.html", block="job", headers=headers, job=job,
                  s={"id": set_id})


@router.post("/rules/sets/{set_id}/simulate")
def simulate(request: Request, set_id: SetId, v: CheckedDep,
             since_days: Annotated[str, Form()] = "7") -> Response:
    """Start the sandbox run in the background and come back to the set's page."""
    _need(v, Scope.RULES_DRAFT)
    hub = hub_of(request)
    tenant = v.principal.tenant_id
    try:
        days = int(since_days)
        if not 1 <= days <= 365:
            raise ValueError
    except ValueError:
        return _set_page(request, v, set_id, status=400, form="simulate",
                         values={"since_days": since_days},
                         errors={"since_days": "rules.bad_days"})
    rule_sets.get_set(hub.read_uow, tenant, set_id)  # 404 before starting anything
    actor = v.principal.actor

    def work(job: JobContext) -> dict[str, Any]:
        job.stage("replaying")
        sandbox.simulate(hub.uow, hub.read_uow, tenant, set_id, since=timedelta(days=days),
                         now=hub.clock(), actor=actor, strategy=hub.strategy)
        return {}  # the report is recorded on the rule set

    background_jobs.start(hub.uow, tenant_id=tenant, kind="sandbox", actor=actor,
                          clock=hub.clock, work=work, key=_job_key(tenant, set_id),
                          label={"rule_set": set_id})
    return RedirectResponse(f"{base_of(request)}/rules/sets/{set_id}", status_code=303)


def _lifecycle(request: Request, v: Viewer, set_id: int, form: str, reason: str,
               action: Any, extra: dict[str, str] | None = None) -> Response:
    values = {"reason": reason, **(extra or {})}
    bad = _reason_error(reason)
    if bad:
        return _set_page(request, v, set_id, status=400, form=form, values=values,
                         errors={"reason": bad})
    try:
        action()
    except InvalidInput as exc:
        errors = {e.loc.split(".")[-1] if e.loc.startswith("slice.") else e.loc:
                  "field.rejected" for e in exc.errors}
        return _set_page(request, v, set_id, status=400, form=form, values=values,
                         errors=errors)
    except Conflict as exc:
        return _set_page(request, v, set_id, status=409, form=form, values=values,
                         message="rules.refused", errors={"_detail": str(exc)})
    return RedirectResponse(f"{base_of(request)}/rules/sets/{set_id}", status_code=303)


@router.post("/rules/sets/{set_id}/canary")
def canary(request: Request, set_id: SetId, v: CheckedDep,
           percent: Annotated[str, Form()] = "", reason: Annotated[str, Form()] = "") -> Response:
    _need(v, Scope.RULES_DRAFT)
    hub = hub_of(request)
    reason = reason.strip()
    try:
        pct = int(percent)
        if not 1 <= pct <= 100:
            raise ValueError
    except ValueError:
        return _set_page(request, v, set_id, status=400, form="canary",
                         values={"percent": percent, "reason": reason},
                         errors={"percent": "rules.bad_percent"})
    return _lifecycle(request, v, set_id, "canary", reason, lambda: rollout.start_canary(
        hub.uow, v.principal.tenant_id, set_id, {"percent": pct}, actor=v.principal.actor,
        reason=reason, now=hub.clock(), strategy=hub.strategy), {"percent": percent})


@router.post("/rules/sets/{set_id}/activate")
def activate(request: Request, set_id: SetId, v: CheckedDep,
             reason: Annotated[str, Form()] = "") -> Response:
    _need(v, Scope.RULES_APPROVE)
    hub = hub_of(request)
    reason = reason.strip()
    return _lifecycle(request, v, set_id, "activate", reason, lambda: rollout.activate(
        hub.uow, v.principal.tenant_id, set_id, actor=v.principal.actor, reason=reason,
        now=hub.clock(), strategy=hub.strategy))


@router.post("/rules/sets/{set_id}/rollback")
def rollback(request: Request, set_id: SetId, v: CheckedDep,
             reason: Annotated[str, Form()] = "") -> Response:
    _need(v, Scope.RULES_APPROVE)
    hub = hub_of(request)
    reason = reason.strip()
    return _lifecycle(request, v, set_id, "rollback", reason, lambda: rollout.rollback(
        hub.uow, v.principal.tenant_id, set_id, actor=v.principal.actor, reason=reason,
        now=hub.clock(), strategy=hub.strategy))


TABLE_FIELDS = ("table", "description", "when", "then", "rows")


def _cell(raw: str) -> Any:
    """A table cell as typed: empty is null ("any" / "nothing"), JSON for numbers, booleans,
    lists and objects, "a, b" a list of names, anything else the text itself."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        value = json.loads(raw)
        if not isinstance(value, str):
            return value
    except ValueError:
        pass
    if "," in raw:
        return [part.strip() for part in raw.split(",") if part.strip()]
    return raw


def _columns(raw: str) -> list[str]:
    return [c.strip() for c in raw.split(",") if c.strip()]


def table_doc(form: dict[str, str]) -> dict[str, Any]:
    """The decision table the form describes, in the rules file's shape (one line per row,
    cells separated by |)."""
    doc: dict[str, Any] = {"table": form["table"], "when": _columns(form["when"]),
                           "then": _columns(form["then"]),
                           "rows": [[_cell(c) for c in line.split("|")]
                                    for line in form["rows"].splitlines() if line.strip()]}
    if form["description"]:
        doc["description"] = form["description"]
    return doc


def _table_errors(exc: InvalidInput, index: int) -> dict[str, list[str]]:
    """`rules.<index>.<field>` / `rules.<index>.rows.<j>...` by the table's fields; an
    error in another rule of the set goes with the form."""
    out: dict[str, list[str]] = {}
    prefix = f"rules.{index}."
    for e in exc.errors:
        if not e.loc.startswith(prefix):
            out.setdefault("_form", []).append(f"{e.loc}: {e.message}")
            continue
        rest = e.loc[len(prefix):].split(".")
        if rest[0] == "rows" and len(rest) > 1 and rest[1].isdigit():
            where = ".".join(rest[2:])
            out.setdefault("rows", []).append(
                f"row {int(rest[1]) + 1}{' ' + where if where else ''}: {e.message}")
        else:
            out.setdefault(rest[0] if rest[0] in TABLE_FIELDS else "rows", []).append(e.message)
    return out


@router.post("/rules/tables")
def draft_table(request: Request, v: CheckedDep, table: Annotated[str, Form()] = "",
                description: Annotated[str, Form()] = "", when: Annotated[str, Form()] = "",
                then: Annotated[str, Form()] = "", rows: Annotated[str, Form()] = "",
                reason: Annotated[str, Form()] = "") -> Response:
    """A draft set: the live rules with this decision table (replacing the live rows of a
    table of the same code), checked like any rule set."""
    _need(v, Scope.RULES_DRAFT)
    hub = hub_of(request)
    tenant = v.principal.tenant_id
    form = {"table": table.strip(), "description": description.strip(), "when": when,
            "then": then, "rows": rows, "reason": reason.strip()}
    errors: dict[str, list[str]] = {}
    for name, limit in (("table", 56), ("description", 480), ("when", 500), ("then", 500),
                        ("rows", 50_000)):
        if len(form[name]) > limit:
            errors[name] = ["rules.too_long"]
    for name in ("table", "then", "rows"):
        if not form[name].strip():
            errors[name] = ["field.required"]
    bad = _reason_error(form["reason"])
    if bad:
        errors["table_reason"] = [bad]
    if errors:
        return _list_page(request, v, status=400, errors=errors, table=form)
    doc = table_doc(form)
    live = [d for d in routing_rules.export_rules(hub.read_uow, tenant)
            if not str(d.get("code", "")).startswith(f"{form['table']}.")]
    try:
        made = rule_sets.create_draft(hub.uow, tenant, [*live, doc], actor=v.principal.actor,
                                      reason=form["reason"], now=hub.clock())
    except InvalidInput as exc:
        return _list_page(request, v, status=400, errors=_table_errors(exc, len(live)),
                          table=form)
    except Conflict:
        return _list_page(request, v, status=409, message="error.conflict", table=form)
    return RedirectResponse(f"{base_of(request)}/rules/sets/{made['id']}", status_code=303)
