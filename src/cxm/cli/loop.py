"""``cxm cases …``, ``cxm standards …`` and ``cxm jobs run [JOB]``: the closed loop from the
command line (the local operator acts as an administrator)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import typer
from rich.table import Table

from cxm.cli.output import console, cxm_errors
from cxm.domain.access import Principal
from cxm.domain.errors import ValidationFailed
from cxm.services.loop import cases, jobs, notifications, rules, setup, standards
from cxm.services.runtime import open_runtime

cases_app = typer.Typer(help="Cases, alert rules, routing, webhooks and notifications.",
                        no_args_is_help=True)  # fmt: skip
standards_app = typer.Typer(help="Service standards and their compliance.", no_args_is_help=True)
jobs_app = typer.Typer(help="Run the loop's jobs once.", no_args_is_help=True)
OPERATOR = Principal(0, "cli", "admin")
FORMAT = typer.Option("table", "--format", help="table or json.")


def _now(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValidationFailed(f"--now: not an ISO time: '{value}'", field="now") from exc


def _show(rows: list[dict[str, Any]], columns: list[str], output: str, title: str) -> None:
    if output == "json":
        console.print_json(json.dumps(rows, default=str))
        return
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("—" if row.get(c) is None else str(row.get(c)) for c in columns))
    console.print(table)


# --- cases -------------------------------------------------------------------------------------
@cases_app.command("list")
def list_command(
    status: str | None = typer.Option(None, help="new, acknowledged, in_progress, …"),
    department: str | None = typer.Option(None),
    owner: str | None = typer.Option(None),
    open_only: bool = typer.Option(False, "--open", help="Only cases still open."),
    limit: int = typer.Option(100),
    output: str = FORMAT,
) -> None:
    """List cases, newest first."""
    with cxm_errors(), open_runtime() as rt:
        rows = cases.list_cases(rt, OPERATOR, status=status, department=department,
                                owner=owner, open_only=open_only, limit=limit)  # fmt: skip
        _show(rows, ["id", "status", "priority", "department", "owner", "opened_at",
                     "resolution_due", "title"], output, "Cases")  # fmt: skip


@cases_app.command("show")
def show_command(case_id: int) -> None:
    """A case with its history (JSON)."""
    with cxm_errors(), open_runtime() as rt:
        console.print_json(json.dumps(cases.get_case(rt, case_id, OPERATOR), default=str))


@cases_app.command("open")
def open_command(
    title: str = typer.Option(..., help="What the case is about."),
    department: str | None = typer.Option(None),
    touchpoint: str | None = typer.Option(None),
    priority: str = typer.Option("normal"),
    complaint: bool = typer.Option(False, help="Handle as a complaint (ISO 10002)."),
    customer: str | None = typer.Option(None, help="The customer's external id."),
) -> None:
    """Open a case by hand (routed like the others)."""
    with cxm_errors(), open_runtime() as rt:
        case = cases.open_case(rt, OPERATOR, title=title, department=department,
                               touchpoint=touchpoint, priority=priority,
                               kind="complaint" if complaint else "feedback",
                               customer_external_id=customer)  # fmt: skip
        console.print(f"opened case {case['id']} in {case['department']}")


@cases_app.command("status")
def status_command(case_id: int, status: str, note: str | None = typer.Option(None)) -> None:
    """Move a case to STATUS (in_progress on a resolved/closed case reopens it)."""
    with cxm_errors(), open_runtime() as rt:
        case = cases.change_status(rt, case_id, status, OPERATOR, note=note)
        console.print(f"case {case_id}: {case['status']}")


@cases_app.command("note")
def note_command(case_id: int, text: str) -> None:
    """Add a note to a case."""
    with cxm_errors(), open_runtime() as rt:
        cases.add_note(rt, case_id, text, OPERATOR)


@cases_app.command("rules")
def rules_command(output: str = FORMAT) -> None:
    """The alert rules."""
    with cxm_errors(), open_runtime() as rt:
        _show(rules.list_rules(rt), ["id", "name", "kind", "priority", "scope", "params",
                                        "complaint", "active"], output, "Alert rules")  # fmt: skip


@cases_app.command("add-rule")
def add_rule_command(
    name: str,
    kind: str,
    priority: str = typer.Option("normal"),
    scope: list[str] = typer.Option([], help="DIM=KEY (repeat)."),
    params: str = typer.Option("{}", help='JSON, e.g. {"max_nps": 4}.'),
    complaint: bool = typer.Option(False),
) -> None:
    """Add an alert rule (detractor, low_csat, high_effort, negative_emotion, churn_words,
    control_limit)."""
    with cxm_errors(), open_runtime() as rt:
        parsed: dict[str, list[str]] = {}
        for item in scope:
            dim, _, key = item.partition("=")
            parsed.setdefault(dim, []).append(key)
        try:
            values = json.loads(params)
        except json.JSONDecodeError as exc:
            raise ValidationFailed(f"--params is not JSON: {exc}", field="params") from exc
        rule_id = rules.add_rule(rt, name, kind, priority=priority, scope=parsed,
                                 params=values, complaint=complaint)  # fmt: skip
        console.print(f"rule {rule_id} added")


@cases_app.command("routes")
def routes_command(output: str = FORMAT) -> None:
    """The routing rules (touch-point → department → owner)."""
    with cxm_errors(), open_runtime() as rt:
        _show(setup.list_routes(rt), ["id", "touchpoint", "department", "owner",
                                         "owner_email", "manager", "manager_email"],
              output, "Routing")  # fmt: skip


@cases_app.command("route")
def route_command(
    department: str,
    touchpoint: str | None = typer.Option(None),
    owner: str | None = typer.Option(None),
    owner_email: str | None = typer.Option(None),
    manager: str | None = typer.Option(None),
    manager_email: str | None = typer.Option(None),
) -> None:
    """Add a routing rule."""
    with cxm_errors(), open_runtime() as rt:
        route_id = setup.add_route(rt, department, touchpoint=touchpoint, owner=owner,
                                   owner_email=owner_email, manager=manager,
                                   manager_email=manager_email)  # fmt: skip
        console.print(f"routing rule {route_id} added")


@cases_app.command("defaults")
def defaults_command() -> None:
    """Install the default rules, routing and standards where none exist."""
    with cxm_errors(), open_runtime() as rt:
        console.print(setup.install_defaults(rt))


@cases_app.command("webhooks")
def webhooks_command(output: str = FORMAT) -> None:
    """Registered webhooks (secrets hidden)."""
    with cxm_errors(), open_runtime() as rt:
        _show(notifications.list_webhooks(rt), ["id", "name", "url", "events", "active"],
              output, "Webhooks")  # fmt: skip


@cases_app.command("add-webhook")
def add_webhook_command(name: str, url: str, events: str = typer.Option("*")) -> None:
    """Register a webhook; prints its signing secret once."""
    with cxm_errors(), open_runtime() as rt:
        hook = notifications.add_webhook(rt, name, url, events=events)
        console.print(f"webhook {hook['id']} added; secret (shown once): {hook['secret']}")


@cases_app.command("outbox")
def outbox_command(
    status: str | None = typer.Option(None, help="pending, delivered or dead."),
    output: str = FORMAT,
) -> None:
    """Notifications queued, delivered and dead."""
    with cxm_errors(), open_runtime() as rt:
        _show(notifications.list_outbox(rt, status=status),
              ["id", "channel", "event", "target", "status", "attempts", "next_attempt_at",
               "last_error"], output, "Outbox")  # fmt: skip


@cases_app.command("replay")
def replay_command(
    ids: list[int] = typer.Argument(None, help="Outbox ids; all dead if none."),
) -> None:
    """Queue dead notifications again."""
    with cxm_errors(), open_runtime() as rt:
        count = notifications.replay_dead(rt, ids or None)
        console.print(f"{count} notification(s) queued again")


# --- standards ---------------------------------------------------------------------------------
@standards_app.command("list")
def standards_list_command(output: str = FORMAT) -> None:
    """The service standards."""
    with cxm_errors(), open_runtime() as rt:
        rows = [s.__dict__ for s in standards.load_standards(rt, active_only=False)]
        _show(rows, ["id", "key", "kind", "scope_dimension", "scope_value", "target",
                     "window_days", "percentile", "min_n"], output, "Standards")  # fmt: skip


@standards_app.command("add")
def standards_add_command(
    key: str,
    kind: str,
    target: float,
    scope_dimension: str = typer.Option("department"),
    scope_value: str | None = typer.Option(None),
    window_days: int = typer.Option(30),
    percentile: float = typer.Option(0.9),
    name_pl: str | None = typer.Option(None),
    name_en: str | None = typer.Option(None),
) -> None:
    """Add a standard (response_time, first_contact_resolution, min_csat, min_nps, case_sla,
    checklist_completion)."""
    with cxm_errors(), open_runtime() as rt:
        standard_id = standards.add_standard(
            rt, key, kind, target, scope_dimension=scope_dimension, scope_value=scope_value,
            window_days=window_days, percentile=percentile, name_pl=name_pl, name_en=name_en,
        )  # fmt: skip
        console.print(f"standard {standard_id} added")


@standards_app.command("evaluate")
def standards_evaluate_command(
    now: str | None = typer.Option(None, help="Evaluate as of this time (ISO)."),
    output: str = FORMAT,
) -> None:
    """Measure compliance now (and store the monthly history); breaches raise cases."""
    with cxm_errors(), open_runtime() as rt:
        run = standards.evaluate_standards(rt, now=_now(now))
        rows = [
            {"standard": c.standard.key, "scope": c.scope_value, "value": c.value, "n": c.n,
             "target": c.standard.target, "met": c.met}
            for c in run.current
        ]  # fmt: skip
        _show(rows, ["standard", "scope", "value", "n", "target", "met"], output,
              f"Standards as of {run.as_of:%Y-%m-%d %H:%M} — {run.breaches} new breach(es), "
              f"{run.seconds:.2f} s")  # fmt: skip


@standards_app.command("history")
def standards_history_command(
    standard_id: int | None = typer.Option(None, "--standard"),
    scope: str | None = typer.Option(None),
    output: str = FORMAT,
) -> None:
    """Monthly compliance history."""
    with cxm_errors(), open_runtime() as rt:
        rows = standards.compliance_history(rt, standard_id=standard_id, scope_value=scope)
        _show(rows, ["key", "scope_value", "period", "n", "value", "target", "met"], output,
              "Compliance over time")  # fmt: skip


# --- jobs --------------------------------------------------------------------------------------
@jobs_app.command("run")
def jobs_run_command(
    job: str | None = typer.Argument(
        None, help="rules, sla, standards or notifications; all if none."
    ),
    now: str | None = typer.Option(None, help="Run as of this time (ISO, UTC)."),
    batch_size: int = typer.Option(rules.BATCH_SIZE, help="Responses per rules transaction."),
) -> None:
    """Run the loop's jobs once (a killed run resumes without doubling anything)."""
    with cxm_errors(), open_runtime() as rt:
        result = jobs.run_jobs(rt, [job] if job else None, now=_now(now),
                               batch_size=batch_size)  # fmt: skip
        console.print_json(json.dumps(result, default=str))


def register(app: typer.Typer) -> None:
    app.add_typer(cases_app, name="cases")
    app.add_typer(standards_app, name="standards")
    app.add_typer(jobs_app, name="jobs")
