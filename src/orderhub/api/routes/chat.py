"""Approvals and alerts in chat apps (issue 19 item 3): chat channels and chat user
mappings (chat:read / chat:write), the cards sent, and the apps' card callbacks (public:
the app's signature with the channel's secret is the credential; a bad one is a 401)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from orderhub.adapters.chat.base import CallbackRequest
from orderhub.api.deps import ActorDep, HubDep, TenantDep
from orderhub.api.problems import problem
from orderhub.api.schemas import Flag, Line, Strict
from orderhub.services.chat import admin, callbacks
from orderhub.services.exceptions import desk

router = APIRouter(prefix="/v1/chat", tags=["chat"])

App = Annotated[str, Path(min_length=1, max_length=16, description="dingtalk, wecom or slack")]
ChatUser = Annotated[str, Path(min_length=1, max_length=128,
                               description="The app's user id (DingTalk staff id, WeCom "
                               "userid, Slack user id)")]
Secret = Annotated[str, Field("", max_length=500)]


class ChannelIn(Strict):
    app: Line = Field(max_length=16, description="dingtalk, wecom or slack")
    name: Line = Field(min_length=1, max_length=100)
    subjects: list[Annotated[str, Field(max_length=20)]] = Field(
        max_length=3, description="approvals, alerts, rule_sets")
    webhook_url: Line = Field(max_length=1000, description="The app's incoming webhook")
    signing_secret: Secret = Field("", description="DingTalk robot's secret (SEC...), for "
                                   "the webhook's sign")
    callback_secret: Secret = Field(description="DingTalk app secret, Slack signing "
                                    "secret, or WeCom callback Token")
    aes_key: Secret = Field("", description="WeCom EncodingAESKey (43 characters)")
    receive_id: Secret = Field("", description="WeCom CorpID")


class ChannelOut(BaseModel):
    id: str
    app: str
    name: str
    subjects: list[str]
    enabled: bool
    created_at: str
    created_by: str


class ChannelPatch(Strict):
    enabled: Flag


class MapIn(Strict):
    login: Line = Field(min_length=1, max_length=100, description="The hub user (console "
                        "login) a click by this chat user acts as")


class IdentityOut(BaseModel):
    app: str
    chat_user_id: str
    login: str
    mapped_at: str
    mapped_by: str


class CardOut(BaseModel):
    id: str
    channel_id: str
    kind: str
    event_id: str
    order_id: str
    exception_id: str
    remedy_n: int
    proposal_id: str
    status: str
    reason: str
    attempts: int
    next_attempt_at: datetime | None
    handed_at: datetime | None
    created_at: datetime


@router.post("/channels", response_model=ChannelOut, status_code=201)
def add_channel(body: ChannelIn, hub: HubDep, tenant: TenantDep, actor: ActorDep) -> Any:
    """Add a chat channel: approvals, alerts and rule-set changes of the tenant are pushed
    to it as cards. Its secrets are stored encrypted and never shown again. Its card
    callbacks go to `POST /v1/chat/{app}/callback?channel=<id>`."""
    return admin.add_channel(hub.uow, tenant, app=body.app, name=body.name,
                             subjects=list(body.subjects), webhook_url=body.webhook_url,
                             signing_secret=body.signing_secret,
                             callback_secret=body.callback_secret, aes_key=body.aes_key,
                             receive_id=body.receive_id, actor=actor, now=hub.clock())


@router.get("/channels", response_model=list[ChannelOut])
def list_channels(hub: HubDep, tenant: TenantDep) -> Any:
    return admin.list_channels(hub.read_uow, tenant)


@router.patch("/channels/{channel_id}", response_model=ChannelOut)
def patch_channel(channel_id: Annotated[str, Path(max_length=40)], body: ChannelPatch,
                  hub: HubDep, tenant: TenantDep, actor: ActorDep) -> Any:
    return admin.set_enabled(hub.uow, tenant, channel_id, body.enabled, actor=actor,
                             now=hub.clock())


@router.get("/users", response_model=list[IdentityOut])
def list_users(hub: HubDep, tenant: TenantDep) -> Any:
    return admin.list_users(hub.read_uow, tenant)


@router.put("/users/{app}/{chat_user_id}", response_model=IdentityOut)
def map_user(app: App, chat_user_id: ChatUser, body: MapIn, hub: HubDep, tenant: TenantDep,
             actor: ActorDep) -> Any:
    """Map a chat user to a hub user (audited): their clicks on cards act as that user."""
    return admin.map_user(hub.uow, tenant, app=app, chat_user_id=chat_user_id,
                          login=body.login, actor=actor, now=hub.clock())


@router.delete("/users/{app}/{chat_user_id}", status_code=204)
def unmap_user(app: App, chat_user_id: ChatUser, hub: HubDep, tenant: TenantDep,
               actor: ActorDep) -> Response:
    admin.unmap_user(hub.uow, tenant, app=app, chat_user_id=chat_user_id, actor=actor,
                     now=hub.clock())
    return Response(status_code=204)


@router.get("/cards", response_model=list[CardOut])
def list_cards(hub: HubDep, tenant: TenantDep,
               status: Annotated[str | None, Query(max_length=16)] = None,
               limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> Any:
    """The cards queued, sent, retried or dead-lettered, newest first."""
    return admin.list_cards(hub.read_uow, tenant, status=status, limit=limit)


@router.post("/{app}/callback",
             responses={200: {"description": "The app's reply, shown on the card"},
                        400: {"description": "Signed, but not one of the channel's card "
                              "actions"},
                        401: {"description": "Bad or missing signature, stale timestamp, "
                              "or no such channel (the answer does not say which)"}})
async def callback(app: App, request: Request, hub: HubDep,
                   channel: Annotated[str, Query(max_length=40, description=(
                       "The chat channel's id (put into the app's callback URL)"))] = ""
                   ) -> Response:
    """A click on a card's button, as the app sends it: verified with the channel's
    secret, then the same approve/reject the console calls, as the hub user the chat user
    is mapped to (four-eyes, L3 and expiry enforced by the desk)."""
    body = await request.body()
    req = CallbackRequest({k.lower(): v for k, v in request.headers.items()},
                          dict(request.query_params), body)
    try:
        done = await run_in_threadpool(callbacks.handle, hub.uow, app, channel, req,
                                       now=hub.clock(), presale_lock=hub.presale_lock,
                                       strategy=hub.strategy)
    except callbacks.Refused:
        return problem(401, "Bad signature", "the callback does not verify for this chat "
                       "channel", kind="bad-signature", instance=request.url.path)
    except callbacks.Unreadable as exc:
        return problem(400, "Unreadable callback", str(exc), kind="bad-payload",
                       instance=request.url.path,
                       errors=[{"field": "body", "message": str(exc)}])
    if done.desk_result is not None:
        await run_in_threadpool(desk.void_recalled, hub.compensator, done.tenant_id,
                                done.desk_result)
    return Response(done.reply.body, status_code=done.reply.status,
                    media_type=done.reply.content_type)


@router.get("/{app}/callback",
            responses={200: {"description": "The decrypted echostr (WeCom's URL check)"},
                       401: {"description": "Bad signature, or no such channel"}})
def verify_callback_url(app: App, request: Request, hub: HubDep,
                        channel: Annotated[str, Query(max_length=40)] = "") -> Response:
    """WeCom checks a callback URL when it is registered: a GET with `msg_signature`,
    `timestamp`, `nonce` and an encrypted `echostr`, answered with its plaintext."""
    try:
        plain = callbacks.verify_url(hub.uow, app, channel, dict(request.query_params),
                                     now=hub.clock())
    except callbacks.Refused:
        return problem(401, "Bad signature", "the request does not verify for this chat "
                       "channel", kind="bad-signature", instance=request.url.path)
    return Response(plain, media_type="text/plain")
