"""Settings come from the environment and refuse an unsafe production start."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_check(env_overrides: dict, *args: str) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
        and not k.startswith(("SECURE_", "SESSION_COOKIE", "CSRF_COOKIE"))
    }
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_app_refuses_to_start_without_a_secret_key_when_debug_is_off():
    result = run_check({"DEBUG": "0"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_debug_runs_with_the_development_key():
    result = run_check({"DEBUG": "1"})
    assert result.returncode == 0, result.stderr


def test_production_settings_pass_the_deployment_checks():
    result = run_check(
        {
            "DEBUG": "0",
            "SECRET_KEY": "x" * 60 + "-long-random-production-key-0123456789",
            "ALLOWED_HOSTS": "dealreg.example.com",
        },
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_a_short_secret_key_is_refused_in_production():
    result = run_check({"DEBUG": "0", "SECRET_KEY": "short-key", "ALLOWED_HOSTS": "x.example"})
    assert result.returncode != 0
    assert "SECRET_KEY is too short for production" in result.stderr


def test_the_admin_path_comes_from_the_environment():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update({"DEBUG": "1", "ADMIN_URL": "/reviewers-desk/"})
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.urls import reverse; print(reverse('admin:index'))",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.strip().splitlines()[-1] == "/reviewers-desk/", result.stderr
