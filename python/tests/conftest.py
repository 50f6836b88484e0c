"""Shared fixtures: paths into the repository and the CLI binary to compare against."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def cli():
    """Run the `fleetplan` binary (FLEETPLAN_BIN, else target/{debug,release}/fleetplan, else PATH)."""
    candidates = [os.environ.get("FLEETPLAN_BIN"), ROOT / "target/debug/fleetplan",
                  ROOT / "target/release/fleetplan", shutil.which("fleetplan")]
    binary = next((str(c) for c in candidates if c and Path(c).is_file()), None)
    if binary is None:
        pytest.fail("no fleetplan binary: build it with `cargo build -p fleetplan` or set FLEETPLAN_BIN")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([binary, *args], cwd=ROOT, capture_output=True, text=True,
                              env=dict(os.environ, NO_COLOR="1"))

    return run
