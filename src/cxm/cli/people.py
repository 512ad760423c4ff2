"""``cxm ideas …``, ``cxm pulse …``, ``cxm training …``, ``cxm news send`` and
``cxm people …``: the people area from the command line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.table import Table

from cxm.cli.output import console, cxm_errors
from cxm.config import get_settings
from cxm.domain.access import Principal
from cxm.services import auth
from cxm.services.people import (
    common,
    ideas,
    jobs,
    news,
    notifications,
    pulse,
    pulse_rounds,
    training,
)
from cxm.services.runtime import Runtime, open_runtime

ideas_app = typer.Typer(help="The idea board.", no_args_is_help=True)
pulse_app = typer.Typer(help="The anonymous employee pulse.", no_args_is_help=True)
training_app = typer.Typer(help="Customer-service training.", no_args_is_help=True)
news_app = typer.Typer(help="Programme news.", no_args_is_help=True)
people_app = typer.Typer(help="Users as employees; the people area's jobs.", no_args_is_help=True)
#: The CLI acts as the system itself (an administrator).
SYSTEM = Principal(user_id=0, username="cli", role="admin")


def _runtime() -> Runtime:
    """The runtime of one command; use it as ``with _runtime() as rt:`` so it is closed."""
    return open_runtime(get_settings())


def _system(rt: Runtime) -> Principal:
    """The first active administrator (status changes are recorded under a real user)."""
    for user in auth.list_users(rt):
        if user.role == "admin" and user.active:
            return Principal(user_id=user.id, username=user.username, role="admin")
    raise typer.BadParameter("create an administrator first (cxm users create … admin)")


@ideas_app.command("list")
def list_ideas(
    q: str | None = typer.Option(None, "--q", help="Search words (any form, pl/en)."),
    status: str | None = typer.Option(None, "--status", help="Only this status."),
) -> None:
    """Ideas, newest first (or by relevance with --q)."""
    with _runtime() as rt:
        with cxm_errors():
            found = ideas.list_ideas(rt, SYSTEM, status=status, q=q)
        table = Table("id", "status", "votes", "title")
        for i in found:
            table.add_row(str(i.id), i.status, str(i.votes), i.title)
        console.print(table)


@ideas_app.command("status")
def set_status(
    idea_id: int = typer.Argument(..., help="Idea number."),
    status: str = typer.Argument(..., help="under_review, accepted, in_progress, …"),
    note: str | None = typer.Option(None, "--note", help="Note / reason for the author."),
    merged_into: int | None = typer.Option(None, "--merged-into", help="When merging."),
    implemented_on: str | None = typer.Option(None, "--on", help="Implementation day."),
) -> None:
    """Move an idea in the workflow (as the first administrator); e-mails go out."""
    with _runtime() as rt:
        with cxm_errors():
            ideas.change_status(
                rt,
                _system(rt),
                idea_id,
                status,
                note=note,
                merged_into=merged_into,
                implemented_on=date.fromisoformat(implemented_on) if implemented_on else None,
            )
            sent = notifications.deliver_outbox(rt)
        console.print(
            f"idea {idea_id}: {status} · e-mails sent {sent['sent']}, failed {sent['failed']}"
        )


@pulse_app.command("round")
def new_round(
    title: str = typer.Argument(...),
    opens_on: str = typer.Argument(..., help="YYYY-MM-DD"),
    closes_on: str = typer.Argument(..., help="YYYY-MM-DD"),
    survey: str | None = typer.Option(
        None, "--survey", help="An employee_pulse survey key (default: employee_pulse)."
    ),
    repeat_days: int | None = typer.Option(
        None, "--repeat-days", help="Recurring: the next round opens this many days later."
    ),
) -> None:
    """Open a pulse round asking an employee-pulse survey (optionally recurring)."""
    with _runtime() as rt:
        with cxm_errors():
            round_id = pulse_rounds.create_round(
                rt,
                title,
                date.fromisoformat(opens_on),
                date.fromisoformat(closes_on),
                survey=survey,
                repeat_days=repeat_days,
            )
        console.print(f"pulse round {round_id}")


@pulse_app.command("results")
def results(
    round_id: int = typer.Argument(...),
    by: str | None = typer.Option(None, "--by", help="department, role or tenure"),
    department: str | None = typer.Option(None, "--department"),
    csv_out: Path | None = typer.Option(None, "--csv", help="Write CSV here."),
) -> None:
    """A round's results; groups below CXM_PULSE_MIN_GROUP are suppressed."""
    with _runtime() as rt:
        where = {"department": department} if department else {}
        with cxm_errors():
            result = pulse.pulse_results(rt, SYSTEM, round_id, where, by)
        text = pulse.export_csv(result)
        if csv_out is not None:
            csv_out.write_text(text, encoding="utf-8")
        console.print(text, markup=False)


@training_app.command("course")
def course(
    key: str = typer.Argument(...),
    title_pl: str = typer.Argument(...),
    title_en: str = typer.Argument(...),
    optional: bool = typer.Option(False, "--optional", help="Not required."),
    valid_months: int | None = typer.Option(None, "--valid-months"),
) -> None:
    """Add or update a course."""
    with _runtime() as rt:
        with cxm_errors():
            training.ensure_course(
                rt, key, title_pl, title_en, required=not optional, valid_months=valid_months
            )
        console.print(f"course {key}")


@training_app.command("complete")
def complete(
    course_key: str = typer.Argument(...),
    employee: list[str] = typer.Argument(..., help="Employee external ids."),
    on: str | None = typer.Option(None, "--on", help="Day (default today)."),
) -> None:
    """Record completions of a course."""
    with _runtime() as rt:
        day = date.fromisoformat(on) if on else common.now().date()
        with cxm_errors():
            added = training.record_completions(rt, course_key, [(e, day) for e in employee])
        console.print(f"{added} completions recorded")


@training_app.command("coverage")
def coverage_command() -> None:
    """Coverage by department (back office marked)."""
    with _runtime() as rt:
        table = Table("department", "back office", "employees", "trained", "%")
        for c in training.coverage(rt):
            share = f"{c.share:.1f}" if c.share is not None else "—"
            table.add_row(
                c.department,
                "yes" if c.back_office else "",
                str(c.employees),
                str(c.trained),
                share,
            )
        console.print(table)


@training_app.command("remind")
def remind() -> None:
    """E-mail employees who are due (once a month each), then deliver."""
    with _runtime() as rt:
        queued = training.queue_reminders(rt)
        sent = notifications.deliver_outbox(rt)
        console.print(f"{queued} reminders queued · sent {sent['sent']}, failed {sent['failed']}")


@news_app.command("send")
def send_news(days: int = typer.Option(7, "--days", help="News of the last N days.")) -> None:
    """E-mail the news digest to every employee (once per ISO week), then deliver."""
    with _runtime() as rt:
        queued = news.queue_news_digest(rt, days=days)
        sent = notifications.deliver_outbox(rt)
        console.print(f"{queued} digests queued · sent {sent['sent']}, failed {sent['failed']}")


@people_app.command("link")
def link(
    username: str = typer.Argument(...),
    employee: str | None = typer.Argument(None, help="Employee external id; none: unlink."),
) -> None:
    """Say which employee a dashboard user is."""
    with _runtime() as rt:
        with cxm_errors():
            common.link_user(rt, username, employee)
        console.print(f"{username} → {employee or '—'}")


@people_app.command("jobs")
def run_jobs() -> None:
    """Queue due digests, news and reminders and deliver the outbox (what serve runs)."""
    with _runtime() as rt:
        counts = jobs.run_people_jobs(rt)
        console.print(" · ".join(f"{k} {v}" for k, v in counts.items()))


def register(app: typer.Typer) -> None:
    """Add ``cxm ideas``, ``cxm pulse``, ``cxm training``, ``cxm news``, ``cxm people``."""
    app.add_typer(ideas_app, name="ideas")
    app.add_typer(pulse_app, name="pulse")
    app.add_typer(training_app, name="training")
    app.add_typer(news_app, name="news")
    app.add_typer(people_app, name="people")
