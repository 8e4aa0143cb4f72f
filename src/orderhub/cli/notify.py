"""`orderhub notify templates|optout|log|settings`: customer notifications (顾客通知):
templates per event, channel and language (checked when saved), opt-outs, an order's
delivery log, quiet hours and time zone. The same service calls as the API."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

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

app = typer.Typer(help="Customer notifications (顾客通知): templates, opt-outs, delivery "
                  "log, quiet hours.", no_args_is_help=True)
templates_app = typer.Typer(help="Message templates per event, channel, language and "
                            "medium.", no_args_is_help=True)
optout_app = typer.Typer(help="Customers who get no messages (退订).", no_args_is_help=True)
app.add_typer(templates_app, name="templates")
app.add_typer(optout_app, name="optout")

EventOption = Annotated[str, typer.Option("--event", help="Event type, e.g. OrderAllocated "
                                          "or ShipmentCheckpointRecorded.out_for_delivery")]
ChannelOption = Annotated[str, typer.Option("--channel", help="Sales channel (tmall, "
                                            "shopify, ...) or default")]
LanguageOption = Annotated[str, typer.Option("--language", help="zh or en")]
MediumOption = Annotated[str, typer.Option("--medium", help="email, sms, wechat, or * for "
                                           "any")]
CustomerOption = Annotated[str | None, typer.Option("--customer", help="The channel's "
                                                    "customer ref")]
EmailOption = Annotated[str | None, typer.Option("--email", help="An email address")]
PhoneOption = Annotated[str | None, typer.Option("--phone", help="A phone number")]


def _describe(exc: DomainError) -> str:
    if isinstance(exc, InvalidInput):
        return "; ".join(t(f"{e.loc}: {e.message}") for e in exc.errors)
    return t(str(exc))


def _now() -> datetime:
    return datetime.now(UTC)


def _read(path: Path | None, text: str | None) -> str | None:
    if path is None:
        return text
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"cannot read {path}: {exc}", 2) from None


# ----- templates --------------------------------------------------------------------------
@templates_app.command("list")
def templates_list(
    event: Annotated[str | None, typer.Option("--event", help="Only this event type")] = None,
    language: Annotated[str | None, typer.Option("--language", help="Only zh or en")] = None,
    tenant: TenantOption = "default", as_json: JsonOption = False,
    database_url: DbOption = None,
) -> None:
    """The shipped default templates and the tenant's own."""
    from orderhub.services.notifications import admin

    with open_hub(database_url) as hub:
        rows = admin.list_templates(hub.read_uow, tenant, event, language)
    if emit(rows, as_json):
        return
    table = Table(t("event"), t("channel"), t("language"), t("medium"), t("source"),
                  t("text"))
    for r in rows:
        text = r["body"] if r["enabled"] else t("(switched off)")
        table.add_row(r["event"], r["channel"], r["language"], r["medium"],
                      t(r["source"]) + (" !" if r["urgent"] else ""), text)
    console.print(table)


@templates_app.command("set")
def templates_set(
    event: EventOption,
    body: Annotated[str | None, typer.Option("--body", help="Message text (Jinja2), e.g. "
                                             "'运单 {{ waybill }}'")] = None,
    body_file: Annotated[Path | None, typer.Option("--body-file",
                                                   help="Read the text from a file")] = None,
    subject: Annotated[str, typer.Option("--subject", help="Email subject")] = "",
    channel: ChannelOption = "default", language: LanguageOption = "zh",
    medium: MediumOption = "*",
    urgent: Annotated[bool, typer.Option("--urgent", help="Send during quiet hours "
                                         "too")] = False,
    off: Annotated[bool, typer.Option("--off", help="No message for this event")] = False,
    tenant: TenantOption = "default", as_json: JsonOption = False,
    database_url: DbOption = None,
) -> None:
    """Save the tenant's template; an unknown placeholder is refused, by name."""
    from orderhub.services.notifications import admin

    text = _read(body_file, body)
    if not text:
        raise fail("give --body or --body-file", 2)
    with open_hub(database_url) as hub:
        try:
            saved = admin.set_template(hub.uow, tenant, event=event, channel=channel,
                                       language=language, medium=medium, subject=subject,
                                       body=text, urgent=urgent, enabled=not off,
                                       now=_now(), actor=cli_actor())
        except DomainError as exc:
            raise fail(_describe(exc)) from None
    if not emit(saved, as_json):
        console.print(t(f"template saved: {event} {channel} {language} {medium}"),
                      highlight=False)


@templates_app.command("reset")
def templates_reset(
    event: EventOption, channel: ChannelOption = "default", language: LanguageOption = "zh",
    medium: MediumOption = "*", tenant: TenantOption = "default",
    database_url: DbOption = None,
) -> None:
    """Remove the tenant's template: the shipped default applies again."""
    from orderhub.services.notifications import admin

    with open_hub(database_url) as hub:
        try:
            admin.reset_template(hub.uow, tenant, event=event, channel=channel,
                                 language=language, medium=medium, now=_now(),
                                 actor=cli_actor())
        except DomainError as exc:
            raise fail(_describe(exc)) from None
    console.print(t(f"template removed: {event} {channel} {language} {medium}"),
                  highlight=False)


@templates_app.command("preview")
def templates_preview(
    event: EventOption, channel: ChannelOption = "default", language: LanguageOption = "zh",
    medium: Annotated[str, typer.Option("--medium", help="email, sms or wechat")] = "sms",
    order: Annotated[str | None, typer.Option("--order", help="Render for this order "
                                              "(default: a sample order)")] = None,
    body: Annotated[str | None, typer.Option("--body", help="Try this text instead of "
                                             "the stored one")] = None,
    tenant: TenantOption = "default", as_json: JsonOption = False,
    database_url: DbOption = None,
) -> None:
    """Show the message a template makes, without sending it."""
    from orderhub.services.notifications import admin

    with open_hub(database_url) as hub:
        try:
            shown = admin.preview(hub.read_uow, tenant, event=event, channel=channel,
                                  language=language, medium=medium,
                                  links=hub.notification_links, order_id=order, body=body,
                                  now=_now())
        except DomainError as exc:
            raise fail(_describe(exc)) from None
    if emit(shown, as_json):
        return
    if shown["rendered_subject"]:
        console.print(f"{t('subject')}: {shown['rendered_subject']}", highlight=False)
    console.print(shown["rendered_body"], highlight=False)


@templates_app.command("placeholders")
def templates_placeholders(as_json: JsonOption = False) -> None:
    """The placeholders a template may use."""
    from orderhub.domain.notifications import PLACEHOLDERS

    if emit(dict(PLACEHOLDERS), as_json):
        return
    for name, what in PLACEHOLDERS.items():
        console.print(f"{{{{ {name} }}}}  {t(what)}", highlight=False)


# ----- opt-outs ---------------------------------------------------------------------------
@optout_app.command("add")
def optout_add(
    customer: CustomerOption = None, email: EmailOption = None, phone: PhoneOption = None,
    medium: MediumOption = "*", tenant: TenantOption = "default", as_json: JsonOption = False,
    database_url: DbOption = None,
) -> None:
    """Opt a customer (ref), an email address or a phone number out of a medium."""
    from orderhub.services.notifications import admin

    with open_hub(database_url) as hub:
        try:
            done = admin.add_optout(hub.uow, tenant, customer=customer, email=email,
                                    phone=phone, medium=medium, now=_now(),
                                    actor=cli_actor(), source="cli")
        except DomainError as exc:
            raise fail(_describe(exc)) from None
    if not emit(done, as_json):
        console.print(t(f"opted out: {done['who']} ({done['medium']}); "
                        f"{done['suppressed']} pending messages suppressed"), highlight=False)


@optout_app.command("remove")
def optout_remove(
    customer: CustomerOption = None, email: EmailOption = None, phone: PhoneOption = None,
    medium: MediumOption = "*", tenant: TenantOption = "default",
    database_url: DbOption = None,
) -> None:
    """Opt back in."""
    from orderhub.services.notifications import admin

    with open_hub(database_url) as hub:
        try:
            admin.remove_optout(hub.uow, tenant, customer=customer, email=email, phone=phone,
                                medium=medium, now=_now(), actor=cli_actor())
        except DomainError as exc:
            raise fail(_describe(exc)) from None
    console.print(t("opted back in"), highlight=False)


@optout_app.command("list")
def optout_list(
    customer: CustomerOption = None, tenant: TenantOption = "default",
    as_json: JsonOption = False, database_url: DbOption = None,
) -> None:
    """The opt-outs (addresses shown masked)."""
    from orderhub.services.notifications import admin

    with open_hub(database_url) as hub:
        rows = admin.list_optouts(hub.read_uow, tenant, customer)
    if emit(rows, as_json):
        return
    table = Table(t("who"), t("medium"), t("source"), t("since"))
    for r in rows:
        table.add_row(r["who"], r["medium"], r["source"], f"{r['created_at']:%Y-%m-%d %H:%M}")
    console.print(table)


# ----- the log and the settings -----------------------------------------------------------
@app.command("log")
def notify_log(
    order_id: Annotated[str, typer.Argument(help="Order id")],
    tenant: TenantOption = "default", as_json: JsonOption = False,
    database_url: DbOption = None,
) -> None:
    """An order's messages and their delivery log (recipients masked)."""
    from orderhub.services.notifications import views

    with open_hub(database_url) as hub:
        try:
            rows = views.order_log(hub.read_uow, tenant, order_id)
        except DomainError as exc:
            raise fail(_describe(exc)) from None
    if emit(rows, as_json):
        return
    if not rows:
        console.print(t("no notifications for this order"))
        return
    table = Table(t("event"), t("medium"), t("to"), t("status"), t("history"))
    for m in rows:
        history = "; ".join(f"{e['at']:%m-%d %H:%M:%S} {t(e['state'])}"
                            + (f" ({e['detail']})" if e["detail"] else "") for e in m["log"])
        table.add_row(m["event_type"], m["medium"], m["recipient_masked"] or "-",
                      t(m["status"]), history)
    console.print(table)


def _print_settings(s: dict[str, Any]) -> None:
    console.print(t(f"notifications {'on' if s['enabled'] else 'off'}; media "
                    f"{', '.join(s['media']) or '-'}; quiet hours {s['quiet_hours']} "
                    f"({s['timezone']}); language {s['language']}"), highlight=False)


@app.command("settings")
def notify_settings(
    quiet_hours: Annotated[str | None, typer.Option(
        "--quiet-hours", help="Local HH:MM-HH:MM, e.g. 22:00-08:00, or off")] = None,
    timezone: Annotated[str | None, typer.Option("--timezone", help="IANA time zone, e.g. "
                                                 "Asia/Shanghai")] = None,
    media: Annotated[str | None, typer.Option("--media", help="Comma-separated: email,sms,"
                                              "wechat")] = None,
    language: Annotated[str | None, typer.Option("--language", help="auto, zh or en")] = None,
    enabled: Annotated[bool | None, typer.Option("--on/--off", help="Send notifications "
                                                 "or not")] = None,
    tenant: TenantOption = "default", as_json: JsonOption = False,
    database_url: DbOption = None,
) -> None:
    """Show the settings, or change those given."""
    from orderhub.services.notifications import admin

    with open_hub(database_url) as hub:
        try:
            if all(v is None for v in (quiet_hours, timezone, media, language, enabled)):
                s = admin.get_settings(hub.read_uow, tenant)
            else:
                s = admin.change_settings(
                    hub.uow, tenant, now=_now(), actor=cli_actor(), enabled=enabled,
                    media=[m.strip() for m in media.split(",") if m.strip()]
                    if media is not None else None,
                    quiet_hours=quiet_hours, timezone=timezone, language=language)
        except DomainError as exc:
            raise fail(_describe(exc)) from None
    if not emit(s.as_dict(), as_json):
        _print_settings(s.as_dict())
