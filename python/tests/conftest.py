"""Shared fixtures: the repository root, the release CLI to compare with, generated notices."""

import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SEED = ROOT / "fixtures/seed/000_289293f812862803.txt"


def seed_renditions():
    lines = (ROOT / "fixtures/seed-renditions.list").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


@pytest.fixture(scope="session")
def cli():
    """The release executable (built by `.ci/run` before the tests; built here if missing)."""
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    exe = target / "release" / "notice-ingest"
    if not exe.exists():
        subprocess.run(["cargo", "build", "--release", "--locked", "--quiet"], cwd=ROOT, check=True)
    return str(exe)


@pytest.fixture
def at_root(monkeypatch):
    """Runs the test in the repository root, so relative paths read as the CLI's do."""
    monkeypatch.chdir(ROOT)
    return ROOT
