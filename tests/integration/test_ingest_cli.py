"""``cxm import`` through the real CLI: exit codes 0 / 2 / 1, the rejects file, nothing
written for a malformed file."""

from __future__ import annotations

from pathlib import Path

import pytest
from ingest_files import CUSTOMERS, write_records
from typer.testing import CliRunner

from cxm.cli.main import app
from cxm.config import get_settings
from cxm.services.ingest import recent_imports
from cxm.services.runtime import open_runtime


@pytest.fixture
def cli(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("CXM_DATA_DIR", str(data_dir))
    monkeypatch.setenv("CXM_ENV", "test")
    monkeypatch.delenv("CXM_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def flat(output: str) -> str:
    """CLI output without Rich's line wrapping."""
    return " ".join(output.split())


def rows_inserted(data_dir: Path) -> int:
    """Rows inserted by every import so far (from the import runs)."""
    rt = open_runtime(get_settings())
    try:
        return sum(r.inserted for r in recent_imports(rt, 100))
    finally:
        rt.close()


def test_clean_file_exits_zero(cli: CliRunner, tmp_path: Path, data_dir: Path) -> None:
    path = write_records(tmp_path / "customers.csv", CUSTOMERS)
    result = cli.invoke(app, ["import", "customers", str(path), "--no-mirror"])
    assert result.exit_code == 0, result.output
    assert "inserted" in result.stdout and "2" in result.stdout
    assert not (tmp_path / "customers.csv.rejects.txt").exists()
    again = cli.invoke(app, ["import", "customers", str(path), "--no-mirror"])
    assert again.exit_code == 0
    assert rows_inserted(data_dir) == 2  # the second run updated, inserted nothing


def test_some_bad_rows_exit_two_with_rejects_file(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_text(
        "external_id,segment,email\nC1,young,a@b.pl\nC2,elderly,c@d.pl\nC3,senior,not-mail\n",
        encoding="utf-8",
    )
    rejects = tmp_path / "rejects" / "customers.txt"
    result = cli.invoke(app, ["import", "customers", str(path), "--rejects", str(rejects)])
    assert result.exit_code == 2, result.output
    assert rejects.read_text(encoding="utf-8").splitlines() == [
        f"{path}:3:segment: is not a segment key of the taxonomy (value 'elderly')",
        f"{path}:4:email: is not an e-mail address (value 'not-mail')",
    ]


def test_malformed_file_exits_one_and_writes_nothing(
    cli: CliRunner, tmp_path: Path, data_dir: Path
) -> None:
    path = tmp_path / "customers.csv"
    path.write_bytes(b"external_id,name\nC1,Jan\nC2,Ma\xb3gorzata\n")  # Latin-2, not UTF-8
    result = cli.invoke(app, ["import", "customers", str(path)])
    assert result.exit_code == 1
    assert "not valid UTF-8 at line 3, byte 30" in flat(result.output)
    missing = write_records(tmp_path / "e.csv", [{"external_id": "E1", "name": "Ewa"}])
    result = cli.invoke(app, ["import", "employees", str(missing)])
    assert result.exit_code == 1
    assert "missing required column(s): department, role" in flat(result.output)
    assert rows_inserted(data_dir) == 0


def test_unknown_kind_exits_one(cli: CliRunner, tmp_path: Path) -> None:
    path = write_records(tmp_path / "customers.csv", CUSTOMERS)
    result = cli.invoke(app, ["import", "clients", str(path)])
    assert result.exit_code == 1
    assert "unknown import kind 'clients'" in flat(result.output)


def test_several_files_import_as_one_command_each_with_its_rejects(
    cli: CliRunner, tmp_path: Path, data_dir: Path
) -> None:
    good = write_records(tmp_path / "a.csv", CUSTOMERS)
    mixed = tmp_path / "b.csv"
    mixed.write_text("external_id,segment\nC7,young\nC8,elderly\n", encoding="utf-8")
    result = cli.invoke(app, ["import", "customers", str(good), str(mixed), "--no-mirror"])
    assert result.exit_code == 2, result.output
    assert not (tmp_path / "a.csv.rejects.txt").exists()
    assert (tmp_path / "b.csv.rejects.txt").read_text(encoding="utf-8").splitlines() == [
        f"{mixed}:3:segment: is not a segment key of the taxonomy (value 'elderly')"
    ]
    assert rows_inserted(data_dir) == 3
    one_rejects = cli.invoke(
        app, ["import", "customers", str(good), str(mixed), "--rejects", str(tmp_path / "r")]
    )
    assert one_rejects.exit_code == 1
    assert "--rejects names the rejects file of a single FILE" in flat(one_rejects.output)
