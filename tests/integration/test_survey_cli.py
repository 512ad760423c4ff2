"""``cxm surveys …`` through the real CLI: a survey from the example YAML file, published,
an invitation link, a trigger rule run over interactions, the funnel and a QR code."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxm.cli.main import app
from cxm.cli.output import console
from cxm.config import get_settings
from cxm.services.runtime import open_runtime
from cxm.store.bulk import utc_now
from survey_helpers import seed_customers_and_interactions

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "survey-hotline-csat.yaml"


@pytest.fixture
def cli(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("CXM_DATA_DIR", str(data_dir))
    monkeypatch.setenv("CXM_ENV", "test")
    monkeypatch.delenv("CXM_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    monkeypatch.setattr(console, "_width", 200)  # tables unwrapped
    yield CliRunner()
    get_settings.cache_clear()


def flat(output: str) -> str:
    return " ".join(output.split())


def test_survey_commands_from_yaml_to_funnel(cli: CliRunner, tmp_path: Path) -> None:
    created = cli.invoke(app, ["surveys", "create", str(EXAMPLE)])
    assert created.exit_code == 0, created.output
    assert "csat_hotline" in created.output and "draft" in created.output
    assert cli.invoke(app, ["surveys", "create", str(EXAMPLE)]).exit_code == 1  # key taken

    published = cli.invoke(app, ["surveys", "publish", "csat_hotline"])
    assert published.exit_code == 0 and "version 1" in flat(published.output)

    link = cli.invoke(app, ["surveys", "invite", "csat_hotline", "--link-only", "--language", "en"])
    assert link.exit_code == 0 and "/s/" in link.output

    rt = open_runtime(get_settings())
    try:
        seed_customers_and_interactions(rt, 5, 15, start=utc_now() - timedelta(hours=3))
    finally:
        rt.close()
    added = cli.invoke(
        app,
        [
            "surveys",
            "triggers",
            "add",
            "csat_hotline",
            "hotline",
            "--delay",
            "0",
            "--sample",
            "100",
        ],
    )
    assert added.exit_code == 0, added.output
    run = cli.invoke(app, ["surveys", "triggers", "run"])
    assert run.exit_code == 0
    assert "invited 3" in flat(run.output) and "no_rule 10" in flat(run.output)
    decisions = cli.invoke(app, ["surveys", "triggers", "decisions", "--reason", "no_consent"])
    assert "(no_consent)" in decisions.output
    assert "hotline" in cli.invoke(app, ["surveys", "triggers", "list"]).output

    funnel = cli.invoke(app, ["surveys", "funnel", "csat_hotline"])
    assert funnel.exit_code == 0 and "(all)" in funnel.output
    listed = cli.invoke(app, ["surveys", "list"])
    assert "csat_hotline" in listed.output and "live" in listed.output
    shown = cli.invoke(app, ["surveys", "show", "csat_hotline"])
    assert '"why_low"' in shown.output

    qr = tmp_path / "qr.svg"
    printed = cli.invoke(app, ["surveys", "link", "csat_hotline", "store_sale", "--qr", str(qr)])
    assert printed.exit_code == 0 and "<iframe" in printed.output
    assert qr.read_text().startswith("<svg")
    assert cli.invoke(app, ["surveys", "link", "csat_hotline", "nowhere"]).exit_code == 1
