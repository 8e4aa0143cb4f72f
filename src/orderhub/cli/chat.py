"""`orderhub chat channels|users|cards`: approvals and alerts in chat apps (DingTalk,
WeCom, Slack): the channels cards go to, which chat user acts as which hub user, and the
cards sent. The same service calls as the API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from orderhub.cli.common import (
    DbOption,
    JsonOption,
    TenantOption,
    cli_actor,
    console,
    emit,
    fail,
    open_hub,
)
from orderhub.cli.i18n import t
from orderhub.domain.errors import DomainError, InvalidInput

app = typer.Typer(help="Approvals and alerts in chat apps (DingTalk, WeCom, Slack).",
                  no_args_is_help=True)
channels_app = typer.Typer(help="The chat channels cards are pushed to.",
                           no_args_is_help=True)
users_app = typer.Typer(help="Chat users mapped to hub users.", no_args_is_help=True)
app.add_typer(channels_app, name="channels")
app.add_typer(users_app, name="users")

AppArg = Annotated[str, typer.Argument(help="dingtalk, wecom or slack")]


def _describe(exc: DomainError) -> str:
    if isinstance(exc, InvalidInput):
        return "; ".join(t(f"{e.loc}: {e.message}") for e in exc.errors)
    return t(str(exc))


def _now() -> datetime:
    return datetime.now(UTC)


@channels_app.command("add")
def channels_add(
    chat_app: AppArg,
    name: Annotated[str, typer.Option("--name", help="A name for the channel")],
    webhook_url: Annotated[str, typer.Option("--webhook-url", help="The app's incoming "
                                             "webhook (https://)")],
    callback_secret: Annotated[str, typer.Option(
        "--callback-secret", envvar="ORDERHUB_CHAT_CALLBACK_SECRET",
        help="DingTalk app secret, Slack signing secret or WeCom Token")],
    subjects: Annotated[list[str] | None, typer.Option(
        "--subject", help="approvals, alerts, rule_sets (repeat)")] = None,
    signing_secret: Annotated[str, typer.Option(
        "--signing-secret", envvar="ORDERHUB_CHAT_SIGNING_SECRET",
        help="DingTalk robot secret (SEC...)")] = "",
    aes_key: Annotated[str, typer.Option("--aes-key", envvar="ORDERHUB_CHAT_AES_KEY",
                                         help="WeCom EncodingAESKey")] = "",
    corp_id: Annotated[str, typer.Option("--corp-id", help="WeCom CorpID")] = "",
    tenant: TenantOption = "default", as_json: JsonOption = False,
    database_url: DbOption = None,
) -> None:
    """Add a chat channel; its secrets are stored encrypted and never shown again."""
    from orderhub.services.chat import admin

    with open_hub(database_url) as hub:
        try:
            c = admin.add_channel(hub.uow, tenant, app=chat_app, name=name,
                                  subjects=subjects or ["approvals", "alerts"],
                                  webhook_url=webhook_url, signing_secret=signing_secret,
                                  callback_secret=callback_secret, aes_key=aes_key,
                                  receive_id=corp_id, actor=cli_actor(), now=_now())
        except DomainError as exc:
            raise fail(_describe(exc)) from None
    if not emit(c, as_json):
        console.print(t(f"chat channel added: {c['id']} ({chat_app})"), highlight=False)
        console.print(t(f"callback URL: /v1/chat/{chat_app}/callback?channel={c['id']}"),
                      highlight=False)


@channels_app.command("list")
def channels_list(tenant: TenantOption = "default", as_json: JsonOption = False,
                  database_url: DbOption = None) -> None:
    """The tenant's chat channels (without their secrets)."""
    from orderhub.services.chat import admin

    with open_hub(database_url) as hub:
        rows = admin.list_channels(hub.read_uow, tenant)
    if emit(rows, as_json):
        return
    table = Table("id", t("app"), t("name"), t("subjects"), t("enabled"))
    for r in rows:
        table.add_row(r["id"], r["app"], r["name"], ", ".join(r["subjects"]),
                      t("yes") if r["enabled"] else t("no"))
    console.print(table)


@channels_app.command("disable")
def channels_disable(channel_id: Annotated[str, typer.Argument(help="The channel's id")],
                     enable: Annotated[bool, typer.Option("--enable",
                                                          help="Enable it again")] = False,
                     tenant: TenantOption = "default", database_url: DbOption = None) -> None:
    """Stop (or, with --enable, resume) pushing cards to a channel."""
    from orderhub.services.chat import admin

    with open_hub(database_url) as hub:
        try:
            admin.set_enabled(hub.uow, tenant, channel_id, enable, actor=cli_actor(),
                              now=_now())
        except DomainError as exc:
            raise fail(_describe(exc)) from None
    console.print(t(f"chat channel {channel_id} {'enabled' if enable else 'disabled'}"),
                  highlight=False)


@users_app.command("map")
def users_map(
    chat_app: AppArg,
    chat_user_id: Annotated[str, typer.Argument(help="The app's user id")],
    login: Annotated[str, typer.Argument(help="The hub user's login")],
    tenant: TenantOption = "default", as_json: JsonOption = False,
    database_url: DbOption = None,
) -> None:
    """Map a chat user to a hub user: their clicks on cards act as that user (audited)."""
    from orderhub.services.chat import admin

    with open_hub(database_url) as hub:
        try:
            m = admin.map_user(hub.uow, tenant, app=chat_app, chat_user_id=chat_user_id,
                               login=login, actor=cli_actor(), now=_now())
        except DomainError as exc:
            raise fail(_describe(exc)) from None
    if not emit(m, as_json):
        console.print(t(f"mapped {chat_app} user {chat_user_id} to {login}"), highlight=False)


@users_app.command("unmap")
def users_unmap(chat_app: AppArg,
                chat_user_id: Annotated[str, typer.Argument(help="The app's user id")],
                tenant: TenantOption = "default", database_url: DbOption = None) -> None:
    """Remove a chat user's mapping: their clicks are refused from now on."""
    from orderhub.services.chat import admin

    with open_hub(database_url) as hub:
        try:
            admin.unmap_user(hub.uow, tenant, app=chat_app, chat_user_id=chat_user_id,
                             actor=cli_actor(), now=_now())
        except DomainError as exc:
            raise fail(_describe(exc)) from None
    console.print(t(f"unmapped {chat_app} user {chat_user_id}"), highlight=False)


@users_app.command("list")
def users_list(tenant: TenantOption = "default", as_json: JsonOption = False,
               database_url: DbOption = None) -> None:
    """Chat users and the hub users they act as."""
    from orderhub.services.chat import admin

    with open_hub(database_url) as hub:
        rows = admin.list_users(hub.read_uow, tenant)
    if emit(rows, as_json):
        return
    table = Table(t("app"), t("chat user"), t("hub user"), t("mapped by"))
    for r in rows:
        table.add_row(r["app"], r["chat_user_id"], r["login"], r["mapped_by"])
    console.print(table)


@app.command("cards")
def cards(status: Annotated[str | None, typer.Option("--status", help="queued, failed, "
                                                     "sent or dead_lettered")] = None,
          limit: Annotated[int, typer.Option("--limit", min=1, max=1000,
                                             help="At most this many")] = 50,
          tenant: TenantOption = "default", as_json: JsonOption = False,
          database_url: DbOption = None) -> None:
    """The cards pushed to chat apps, newest first, with their delivery state."""
    from orderhub.services.chat import admin

    with open_hub(database_url) as hub:
        rows = admin.list_cards(hub.read_uow, tenant, status=status, limit=limit)
    if emit(rows, as_json):
        return
    table = Table("id", t("kind"), t("channel"), t("exception"), t("state"), t("attempts"),
                  t("reason"))
    for r in rows:
        table.add_row(r["id"], t(r["kind"]), r["channel_id"], r["exception_id"],
                      t(r["status"]), str(r["attempts"]), r["reason"])
    console.print(table)
