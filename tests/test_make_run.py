"""The newcomer's first command: `make run PORT=…` serves on that port, links follow it, and
a taken port is one sentence, not a traceback."""

import shutil
import socket
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def make(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_make_run_serves_on_the_chosen_port_and_links_follow_it():
    plan = make("-n", "run", "PORT=8010").stdout
    assert "runserver 127.0.0.1:8010" in plan
    assert "SITE_URL=http://127.0.0.1:8010" in plan
    assert "runserver 127.0.0.1:8000" in make("-n", "run").stdout


def test_a_taken_port_is_said_in_one_sentence():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = make("port-free", f"PORT={port}")
    assert result.returncode != 0
    assert result.stdout.strip() == (
        f"Port {port} is already in use on 127.0.0.1: choose another one, e.g. make run PORT=8010."
    )
    assert "Traceback" not in result.stderr
