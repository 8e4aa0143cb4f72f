"""Chat channels and chat user -> hub user mappings, each change audited (`chat_change`,
never a secret: the audit names which secrets were set, not their values) and evented
(ChatChannelChanged, ChatUserMapped) in the transaction that makes it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from orderhub.adapters.chat.base import Secrets
from orderhub.domain import chat
from orderhub.domain import events as ev
from orderhub.domain.errors import Conflict, FieldError, InvalidInput, NotFound
from orderhub.domain.ids import new_id
from orderhub.services import audit
from orderhub.services.unit_of_work import UowFactory


def add_channel(make_uow: UowFactory, tenant_id: str, *, app: str, name: str,
                subjects: list[str], webhook_url: str, signing_secret: str = "",
                callback_secret: str, aes_key: str = "", receive_id: str = "",
                actor: str, now: datetime) -> dict[str, Any]:
    errors = chat.check_channel(app, name, subjects, webhook_url, callback_secret, aes_key,
                                receive_id)
    if errors:
        raise InvalidInput(errors)
    c = chat.Channel(new_id("cch"), tenant_id, app, name.strip(), frozenset(subjects), True,
                     now, actor)
    secrets = Secrets(webhook_url, signing_secret, callback_secret, aes_key, receive_id)
    with make_uow() as uow:
        if uow.chat.channel_named(tenant_id, c.name) is not None:
            raise Conflict(f"a chat channel named '{c.name}' exists")
        uow.chat.add_channel(c, secrets.as_dict())
        uow.record(ev.ChatChannelChanged(tenant_id=tenant_id, occurred_at=now, actor=actor,
                                         channel_id=c.id, app=c.app, name=c.name,
                                         change="added", subjects=sorted(c.subjects)))
        audit.note(uow, tenant_id, now, actor, "chat_change", f"chat-channel/{c.id}",
                   {"added": c.as_dict(),
                    "secrets_set": sorted(k for k, v in secrets.as_dict().items() if v)})
        uow.commit()
    return c.as_dict()


def list_channels(make_uow: UowFactory, tenant_id: str) -> list[dict[str, Any]]:
    with make_uow() as uow:
        return [c.as_dict() for c in uow.chat.channels(tenant_id)]


def set_enabled(make_uow: UowFactory, tenant_id: str, channel_id: str, enabled: bool, *,
                actor: str, now: datetime) -> dict[str, Any]:
    with make_uow() as uow:
        if not uow.chat.set_enabled(tenant_id, channel_id, enabled, now):
            raise NotFound(f"no chat channel {channel_id}")
        audit.note(uow, tenant_id, now, actor, "chat_change", f"chat-channel/{channel_id}",
                   {"enabled": enabled})
        c = uow.chat.channel(channel_id)
        assert c is not None
        uow.record(ev.ChatChannelChanged(tenant_id=tenant_id, occurred_at=now, actor=actor,
                                         channel_id=c.id, app=c.app, name=c.name,
                                         change="enabled" if enabled else "disabled",
                                         subjects=sorted(c.subjects)))
        uow.commit()
    return c.as_dict()


def map_user(make_uow: UowFactory, tenant_id: str, *, app: str, chat_user_id: str,
             login: str, actor: str, now: datetime) -> dict[str, Any]:
    """Map a chat app's user id to a hub user (a console login of this tenant): the user
    a click on a card acts as."""
    errors = chat.check_identity(app, chat_user_id)
    if errors:
        raise InvalidInput(errors)
    with make_uow() as uow:
        user = uow.access.user(tenant_id, login=login)
        if user is None:
            raise InvalidInput([FieldError("login", f"no hub user '{login}' in this tenant")])
        if user.disabled_at is not None:
            raise InvalidInput([FieldError("login", f"hub user '{login}' is disabled")])
        ident = chat.Identity(tenant_id, app, chat_user_id, login, now, actor)
        before = uow.chat.map_user(ident)
        audit.note(uow, tenant_id, now, actor, "chat_change",
                   f"chat-user/{app}/{chat_user_id}",
                   {"login": {"before": before.login if before else None, "after": login}})
        uow.record(ev.ChatUserMapped(tenant_id=tenant_id, occurred_at=now, actor=actor,
                                     app=app, chat_user_id=chat_user_id, login=login,
                                     change="mapped"))
        uow.commit()
    return ident.as_dict()


def unmap_user(make_uow: UowFactory, tenant_id: str, *, app: str, chat_user_id: str,
               actor: str, now: datetime) -> None:
    with make_uow() as uow:
        before = uow.chat.identity(tenant_id, app, chat_user_id)
        if before is None or not uow.chat.unmap_user(tenant_id, app, chat_user_id):
            raise NotFound(f"{app} user {chat_user_id} is not mapped")
        audit.note(uow, tenant_id, now, actor, "chat_change",
                   f"chat-user/{app}/{chat_user_id}",
                   {"login": {"before": before.login, "after": None}})
        uow.record(ev.ChatUserMapped(tenant_id=tenant_id, occurred_at=now, actor=actor,
                                     app=app, chat_user_id=chat_user_id, login="",
                                     change="unmapped"))
        uow.commit()


def list_users(make_uow: UowFactory, tenant_id: str) -> list[dict[str, Any]]:
    with make_uow() as uow:
        return [i.as_dict() for i in uow.chat.identities(tenant_id)]


def list_cards(make_uow: UowFactory, tenant_id: str, *, status: str | None = None,
               limit: int = 100) -> list[dict[str, Any]]:
    with make_uow() as uow:
        return uow.chat.cards(tenant_id, status=status, limit=limit)
