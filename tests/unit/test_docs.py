"""Documentation that can be checked is checked: every setting and every CLI command."""

from __future__ import annotations

from pathlib import Path

import typer.main

from cxm.cli.main import app
from cxm.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_every_setting_documented_in_operations() -> None:
    text = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    missing = [
        f"CXM_{name.upper()}" for name in Settings.model_fields if f"CXM_{name.upper()}" not in text
    ]
    assert not missing, f"settings missing from docs/operations.md: {missing}"


def _command_paths() -> list[str]:
    root = typer.main.get_command(app)
    paths: list[str] = []

    def walk(cmd: object, prefix: str) -> None:
        commands = getattr(cmd, "commands", None)
        if not commands:
            paths.append(prefix)
            return
        for name, sub in commands.items():
            walk(sub, f"{prefix} {name}".strip())

    walk(root, "")
    return paths


def test_every_cli_command_documented_in_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [p for p in _command_paths() if f"cxm {p}" not in readme]
    assert not missing, f"commands missing from README.md: {missing}"
