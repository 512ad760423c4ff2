"""``cxm surveys …``: create a survey from a YAML file, list, show, publish, invite, run the
trigger rules, send due invitations and reminders, print links and QR codes, the funnel."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from cxm.cli.output import console, cxm_errors
from cxm.services.runtime import open_runtime
from cxm.services.surveys import designer, distribution, funnel, invitations, triggers

surveys_app = typer.Typer(
    help="Surveys: designer, invitations, trigger rules, distribution, funnel.",
    no_args_is_help=True,
)
triggers_app = typer.Typer(
    help="Trigger rules at touch-points and their decisions.", no_args_is_help=True
)
surveys_app.add_typer(triggers_app, name="triggers")


def _with_runtime(fn: Any) -> Any:
    with cxm_errors(), open_runtime() as rt:
        return fn(rt)


@surveys_app.command("create")
def create_command(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="Survey YAML file"),
    publish: bool = typer.Option(False, "--publish", help="Publish it as version 1 at once"),
) -> None:
    """Create a survey from a YAML file (key, name, kind, distribution, title, questions …)."""
    survey = _with_runtime(lambda rt: designer.create_survey_from_file(rt, file, publish=publish))
    console.print(
        f"survey [bold]{survey['key']}[/] created "
        f"({survey['status']}, version {survey['current_version']})"
    )


@surveys_app.command("list")
def list_command() -> None:
    """Every survey with its status, version and funnel totals."""

    def run(rt: Any) -> tuple[list[dict[str, Any]], dict[str, funnel.FunnelRow]]:
        return designer.list_surveys(rt), {r.survey: r for r in funnel.survey_funnel(rt) if r.total}

    rows, totals = _with_runtime(run)
    table = Table(title="surveys")
    for column in ("key", "name", "kind", "status", "version", "invited", "completed", "rate"):
        table.add_column(
            column,
            justify="right" if column in ("version", "invited", "completed", "rate") else "left",
        )
    for s in rows:
        t = totals.get(s["key"])
        rate = f"{100 * t.response_rate:.1f} %" if t and t.response_rate is not None else "—"
        table.add_row(
            s["key"],
            s["name"],
            s["kind"],
            s["status"],
            str(s["current_version"]),
            str(t.invited if t else 0),
            str(t.completed if t else 0),
            rate,
        )
    console.print(table)


@surveys_app.command("show")
def show_command(key: str) -> None:
    """A survey's draft definition, distribution settings and versions as JSON."""
    survey = _with_runtime(lambda rt: designer.get_survey(rt, key))
    console.print_json(json.dumps(survey, default=str, ensure_ascii=False))


@surveys_app.command("publish")
def publish_command(key: str) -> None:
    """Publish the draft as the next version."""
    survey = _with_runtime(lambda rt: designer.publish_survey(rt, key, "cli"))
    console.print(f"survey [bold]{key}[/] is live, version {survey['current_version']}")


@surveys_app.command("invite")
def invite_command(
    key: str,
    email: str | None = typer.Option(None, help="Send to this address"),
    customer: str | None = typer.Option(None, help="Customer external id"),
    interaction: str | None = typer.Option(None, help="Interaction external id (its dimensions)"),
    language: str | None = typer.Option(None, help="pl or en"),
    link_only: bool = typer.Option(False, "--link-only", help="No e-mail: print the link"),
) -> None:
    """Invite one person (e-mailed by the next `cxm surveys send`) and print the link."""
    made = _with_runtime(
        lambda rt: invitations.invite(
            rt,
            key,
            customer_external_id=customer,
            interaction_external_id=interaction,
            email=email,
            language=language,
            channel="manual" if link_only else "email",
        )
    )
    console.print(made["link"], soft_wrap=True)


@surveys_app.command("send")
def send_command() -> None:
    """Send due invitations and reminders over SMTP now."""
    counts = _with_runtime(distribution.send_due)
    console.print(" · ".join(f"{k} {v}" for k, v in counts.items()))


@surveys_app.command("link")
def link_command(
    key: str,
    touchpoint: str,
    qr: Path | None = typer.Option(None, help="Write the QR code here (.png or .svg)"),
) -> None:
    """The public link of a survey at a touch-point, its embed snippet and QR code."""

    def run(rt: Any) -> distribution.TouchpointLink:
        found = distribution.touchpoint_link(rt, key, touchpoint)
        if qr is not None:
            kind = "png" if qr.suffix.lower() == ".png" else "svg"
            qr.write_bytes(distribution.qr_code(rt, key, touchpoint, kind))
        return found

    found = _with_runtime(run)
    console.print(found.url, soft_wrap=True)
    console.print(found.snippet, soft_wrap=True, markup=False)
    if qr is not None:
        console.print(f"QR code written to {qr}")


@surveys_app.command("funnel")
def funnel_command(key: str | None = typer.Argument(None)) -> None:
    """Invited, reminded, opened, started, completed and response rate per touch-point."""
    rows = _with_runtime(lambda rt: funnel.survey_funnel(rt, key))
    table = Table(title="survey funnel")
    for column in ("survey", "touch-point", *funnel.STEPS, "rate"):
        table.add_column(column)
    for r in rows:
        rate = f"{100 * r.response_rate:.1f} %" if r.response_rate is not None else "—"
        table.add_row(
            r.survey,
            "(all)" if r.total else (r.touchpoint or "—"),
            *(str(getattr(r, s)) for s in funnel.STEPS),
            rate,
        )
    console.print(table)


@triggers_app.command("run")
def triggers_run_command() -> None:
    """Judge new interactions against the trigger rules; counts per reason."""
    counts = _with_runtime(triggers.evaluate_triggers)
    console.print(" · ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "nothing new")


@triggers_app.command("list")
def triggers_list_command() -> None:
    """The trigger rules."""
    rows = _with_runtime(triggers.list_rules)
    table = Table(title="trigger rules")
    for column in (
        "id",
        "survey",
        "touch-point",
        "filters",
        "delay min",
        "sample %",
        "quiet",
        "active",
    ):
        table.add_column(column)
    for r in rows:
        filters = ", ".join(
            f"{k}={r[k]}" for k in ("channel", "product", "outcome", "segment") if r[k]
        )
        quiet = f"{r['quiet_start']}–{r['quiet_end']}" if r["quiet_start"] is not None else "—"
        table.add_row(
            str(r["id"]),
            r["survey_key"],
            r["touchpoint"],
            filters or "—",
            str(r["delay_minutes"]),
            f"{r['sampling_percent']:g}",
            quiet,
            str(r["active"]),
        )
    console.print(table)


@triggers_app.command("add")
def triggers_add_command(
    survey: str,
    touchpoint: str,
    delay: int = typer.Option(60, help="Minutes after the interaction"),
    sample: float = typer.Option(100.0, help="Sampling percentage"),
    channel: str | None = typer.Option(None),
    product: str | None = typer.Option(None),
    outcome: str | None = typer.Option(None),
    segment: str | None = typer.Option(None),
    quiet_start: int | None = typer.Option(21, help="Quiet hours start (hour)"),
    quiet_end: int | None = typer.Option(8, help="Quiet hours end (hour)"),
) -> None:
    """Add a rule: after an interaction at TOUCHPOINT invite to SURVEY after a delay."""
    data = {
        "survey": survey,
        "touchpoint": touchpoint,
        "delay_minutes": delay,
        "sampling_percent": sample,
        "channel": channel,
        "product": product,
        "outcome": outcome,
        "segment": segment,
        "quiet_start": quiet_start,
        "quiet_end": quiet_end,
    }
    rule = _with_runtime(lambda rt: triggers.create_rule(rt, data))
    console.print(f"rule {rule['id']} added")


@triggers_app.command("decisions")
def triggers_decisions_command(limit: int = typer.Option(20), reason: str | None = None) -> None:
    """Decision counts per reason and the latest decisions."""
    log = _with_runtime(lambda rt: triggers.list_decisions(rt, limit, reason))
    console.print(
        " · ".join(f"{k} {v}" for k, v in sorted(log["counts"].items())) or "no decisions"
    )
    for d in log["decisions"]:
        console.print(
            f"interaction {d['interaction_id']} rule {d['rule_id']}: "
            f"{d['decision']} ({d['reason']})"
        )


def register(app: typer.Typer) -> None:
    """Add ``cxm surveys …``."""
    app.add_typer(surveys_app, name="surveys")
