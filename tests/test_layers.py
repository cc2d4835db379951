"""The import contract in pyproject.toml passes on the project and fails on an upward import."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def importlinter_config() -> dict:
    """Read the [tool.importlinter] table of pyproject.toml."""
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def root_packages() -> list[str]:
    """Name the packages the contract covers."""
    return list(importlinter_config()["root_packages"])


def layers_contract_name() -> str:
    """Name the layers contract as lint-imports prints it (wrapped lines joined)."""
    (name,) = [contract["name"] for contract in importlinter_config()["contracts"] if contract["type"] == "layers"]
    return " ".join(name.split())


def copy_of_the_project(into: Path) -> Path:
    """Copy pyproject.toml and the contract's packages into a scratch directory."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package in root_packages():
        shutil.copytree(ROOT / package, into / package, ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", into / "pyproject.toml")
    return into


def lint_imports(project: Path) -> subprocess.CompletedProcess[str]:
    """Run lint-imports on the copy alone (not the checkout it came from)."""
    env = {**os.environ, "PYTHONPATH": str(project)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(project / "pyproject.toml")],
        check=False,
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_project_keeps_its_layers(tmp_path: Path) -> None:
    result = lint_imports(copy_of_the_project(tmp_path))

    output = " ".join(result.stdout.split())
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{layers_contract_name()} KEPT" in output


def test_the_kernel_importing_reports_breaks_the_layers_contract(tmp_path: Path) -> None:
    project = copy_of_the_project(tmp_path)
    (project / "kernel" / "_bad.py").write_text('"""Reaches up four layers."""\n\nimport reports  # noqa: F401\n')

    result = lint_imports(project)

    output = " ".join(result.stdout.split())
    assert result.returncode != 0
    assert f"{layers_contract_name()} BROKEN" in output
    assert "kernel is not allowed to import reports: - kernel._bad -> reports" in output
