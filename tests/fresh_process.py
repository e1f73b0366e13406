"""Settings are read once per process, from the environment: these helpers start a new
process of the project under the environment a test gives and report what it saw."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Set by the test run itself; a production process never has it.
_TEST_RUN_ONLY = ("DJANGO_ALLOW_ASYNC_UNSAFE",)


def _environment(env: dict, drop: tuple[str, ...]) -> dict:
    """This run's environment without the variables named (or prefixed) in `drop`, plus `env`."""
    dropped = _TEST_RUN_ONLY + drop
    kept = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    return {**kept, "DJANGO_SETTINGS_MODULE": "dealreg.settings", **env}


def run(args: list[str], env: dict, drop: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=_environment(env, drop),
        capture_output=True,
        text=True,
        timeout=120,
    )


def manage(*args: str, env: dict, drop: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """`manage.py <args>` in a new process."""
    return run(["manage.py", *args], env, drop)


def printed(expression: str, env: dict, drop: tuple[str, ...] = (), setup: str = "") -> str:
    """What `print(<expression>)` shows in a new process once Django is set up, with
    `settings` imported and `setup` run (the last line: a warning printed first does
    not count). A tuple of expressions prints its values apart by spaces."""
    lines = ["import django", "django.setup()", "from django.conf import settings", setup]
    code = "\n".join([*filter(None, lines), f"print({expression})"])
    result = run(["-c", code], env, drop)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]
