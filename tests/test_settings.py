"""Settings come from the environment and refuse an unsafe production start."""

import subprocess

from tests import fresh_process

# What the test run sets that a production start must not inherit.
NOT_PRODUCTION = ("SECRET_KEY", "DEBUG", "SECURE_", "SESSION_COOKIE", "CSRF_COOKIE")


def run_check(env_overrides: dict, *args: str) -> subprocess.CompletedProcess:
    return fresh_process.manage("check", *args, env=env_overrides, drop=NOT_PRODUCTION)


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
    admin = fresh_process.printed(
        "reverse('admin:index')",
        env={"DEBUG": "1", "ADMIN_URL": "/reviewers-desk/"},
        setup="from django.urls import reverse",
    )
    assert admin == "/reviewers-desk/"
