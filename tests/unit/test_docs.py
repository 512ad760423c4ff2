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


def test_every_error_code_documented_in_api() -> None:
    import cxm.web.app  # noqa: F401  (imports every area, so every error class exists)
    from cxm.domain.errors import CxmError

    def subclasses(cls: type[CxmError]) -> list[type[CxmError]]:
        return [s for c in cls.__subclasses__() for s in (c, *subclasses(c))]

    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    codes = {cls.code for cls in subclasses(CxmError)}
    missing = sorted(code for code in codes if f"`{code}`" not in text)
    assert not missing, f"error codes missing from docs/api.md: {missing}"
