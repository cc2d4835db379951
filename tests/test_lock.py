"""The lock files pin a release of every dependency that pyproject.toml asks for, in its range."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.MULTILINE)
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
RUNTIME = [Requirement(line) for line in PROJECT["dependencies"]]
TEST = [Requirement(line) for line in PROJECT["optional-dependencies"]["test"]]


def pins(lock: str) -> dict[str, Version]:
    """Map each package pinned in requirements/<lock> to its version."""
    text = (ROOT / "requirements" / lock).read_text()
    return {canonicalize_name(name): Version(version) for name, version in PIN.findall(text)}


def unmet(requirements: list[Requirement], pinned: dict[str, Version]) -> list[str]:
    """Name the requirements the lock leaves out or pins outside their range."""
    return [
        f"{requirement} (locked: {pinned.get(canonicalize_name(requirement.name), 'nothing')})"
        for requirement in requirements
        if canonicalize_name(requirement.name) not in pinned
        or not requirement.specifier.contains(pinned[canonicalize_name(requirement.name)], prereleases=True)
    ]


@pytest.mark.parametrize(
    ("lock", "requirements"),
    [("runtime.txt", RUNTIME), ("dev.txt", RUNTIME + TEST)],
)
def test_each_lock_pins_every_dependency_within_its_range(lock: str, requirements: list[Requirement]) -> None:
    assert unmet(requirements, pins(lock)) == [], "pyproject.toml changed after the lock: run `make lock`"


def test_the_runtime_lock_leaves_the_test_tools_out() -> None:
    runtime = pins("runtime.txt")

    assert [requirement.name for requirement in TEST if canonicalize_name(requirement.name) in runtime] == []


def test_both_locks_pin_the_shared_packages_alike() -> None:
    runtime, dev = pins("runtime.txt"), pins("dev.txt")

    assert {name: version for name, version in runtime.items() if dev.get(name) != version} == {}
