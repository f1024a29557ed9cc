"""The README's two commands work on a fresh machine as written: every install step they need, Debian
packages included, is in the repository's own make targets, not only in CI's script."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def dry_run(target: str) -> str:
    return subprocess.run(
        ["make", "--always-make", "--dry-run", target], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout


def test_the_readme_starts_with_the_two_make_commands() -> None:
    commands = re.findall(r"^make (\w+)", (ROOT / "README.md").read_text().split("```")[1], re.MULTILINE)

    assert commands == ["run", "test"]


def test_make_test_installs_the_browser_the_web_tests_drive() -> None:
    steps = dry_run("test")

    assert "apt-get install" in steps
    assert re.search(r"^SYSTEM_PACKAGES := .*\bchromium\b", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert "pip install --quiet torch==2.13.0" in steps


def test_ci_installs_nothing_the_make_targets_do_not() -> None:
    assert "apt-get" not in (ROOT / ".ci" / "run").read_text()
    assert (ROOT / ".ci" / "run").read_text().rstrip().endswith("make test")
