"""cxm text commands: evaluate the analyser on labelled comments, train a domain model,
analyse one text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from cxm.cli.output import console, cxm_errors
from cxm.config import get_settings
from cxm.services import comment_analysis, text_analysis
from cxm.services.runtime import open_runtime

text_app = typer.Typer(
    name="text",
    help="Text analytics: sentiment, emotions, themes, redaction / Analiza tekstu komentarzy.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add the ``text`` command group to the app."""
    app.add_typer(text_app, name="text")


def _figures_table(title: str, rows: list[tuple[str, dict[str, Any] | None]]) -> Table:
    table = Table(title=title)
    table.add_column("analyser")
    table.add_column("accuracy", justify="right")
    table.add_column("macro-F1", justify="right")
    for name, figures in rows:
        if figures is None:
            table.add_row(name, "—", "—")
        else:
            table.add_row(name, f"{figures['accuracy']:.3f}", f"{figures['macro_f1']:.3f}")
    return table


def _confusion_table(title: str, labels: list[str], matrix: list[list[int]]) -> Table:
    table = Table(title=title)
    table.add_column("true \\ predicted")
    for label in labels:
        table.add_column(label, justify="right")
    for label, row in zip(labels, matrix, strict=True):
        table.add_row(label, *(str(v) for v in row))
    return table


@text_app.command("evaluate")
def evaluate(
    file: Path = typer.Argument(..., help="CSV file with a header row."),
    text_column: str = typer.Option(..., "--text-column", help="Column with the comment."),
    label_column: str = typer.Option(..., "--label-column", help="negative/neutral/positive."),
    language: str | None = typer.Option(None, "--language", help="pl or en (skip detection)."),
) -> None:
    """Accuracy, macro-F1 and confusion matrix of the built-in analyser on labelled comments."""
    with cxm_errors():
        result = text_analysis.evaluate_file(file, text_column, label_column, language)
    figures = result.as_dict()
    console.print(_figures_table(f"{file.name}: {result.count} comments", [("built-in", figures)]))
    matrix = [list(row) for row in result.confusion]
    console.print(_confusion_table("confusion matrix", list(result.labels), matrix))


@text_app.command("train")
def train(
    file: Path = typer.Argument(..., help="CSV file with a header row."),
    text_column: str = typer.Option(..., "--text-column", help="Column with the comment."),
    label_column: str = typer.Option(..., "--label-column", help="Column with the label."),
    folds: int = typer.Option(5, "--folds", min=2, help="Cross-validation folds."),
    out: Path | None = typer.Option(
        None, "--out", help="Directory (default: data dir models/text)."
    ),
    language: str | None = typer.Option(None, "--language", help="pl or en (skip detection)."),
) -> None:
    """Train a domain model on labelled comments; report it beside the built-in analyser."""
    with cxm_errors(), console.status("cross-validating and training…"):
        report = text_analysis.train_file(
            file, text_column, label_column,
            settings=get_settings(), folds=folds, out_dir=out, language=language,
        )  # fmt: skip
    builtin = report.builtin.as_dict() if report.builtin else None
    title = f"{file.name}: {report.count} comments, {report.folds}-fold cross-validation"
    rows: list[tuple[str, dict[str, Any] | None]] = [
        ("trained", report.trained.as_dict()),
        ("built-in", builtin),
    ]
    console.print(_figures_table(title, rows))
    verdict = "used (better on held-out data)" if report.use_trained else "not used"
    console.print(f"model saved to {report.model_path}; trained model {verdict}")


@text_app.command("analyse-text")
def analyse_text(text: str = typer.Argument(..., help="The comment to analyse.")) -> None:
    """Analyse one text and print the result as JSON."""
    with cxm_errors():
        result = text_analysis.analyse_one(text, settings=get_settings())
    console.print_json(json.dumps(result, ensure_ascii=False))


@text_app.command("analyse")
def analyse_backlog(
    reanalyse: bool = typer.Option(
        False, "--reanalyse", help="Re-run every comment, not only new or outdated ones."
    ),
    workers: int | None = typer.Option(
        None, "--workers", min=1, help="Processes analysing comments (default: every core)."
    ),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Stop after this many."),
) -> None:
    """Analyse the stored comments waiting for it (new, changed, or by an older analyser);
    resumable: an interrupted run keeps every finished batch / Analiza zaległych komentarzy."""
    with (
        cxm_errors(),
        open_runtime() as rt,
        Progress(
            TextColumn("[bold]comments"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
        ) as progress,
    ):
        task = progress.add_task("analyse", total=None)

        def on_progress(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        run = comment_analysis.analyse_backlog(
            rt, workers=workers, reanalyse=reanalyse, limit=limit, on_progress=on_progress
        )
    console.print(
        f"analysed {run.analysed:,} comments in {run.seconds:.1f} s "
        f"({run.per_second:,.0f}/s, {run.workers} process(es)); analyser {run.version}; "
        f"{run.remaining:,} still waiting"
    )
