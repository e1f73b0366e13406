"""Several app nodes share Redis through Django's cache framework (`CACHE_URL`); one process
needs nothing but local memory. Runs against the real Redis on 127.0.0.1:6379 (database 15)
and skips with a reason when none answers."""

import os
import socket

import pytest
from django.core.cache import caches
from django.test import override_settings
from django.urls import reverse

from tests import fresh_process

REDIS = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")


def redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


needs_redis = pytest.mark.skipif(not redis_answers(), reason="no Redis on 127.0.0.1:6379")


def settings_with(**env) -> str:
    return fresh_process.printed(
        "settings.CACHES['default']['BACKEND'], settings.SESSION_ENGINE", env, drop=("CACHE_URL",)
    )


def test_one_process_needs_no_shared_store():
    assert settings_with() == (
        "django.core.cache.backends.locmem.LocMemCache django.contrib.sessions.backends.db"
    )


def test_a_cache_url_puts_the_cache_and_the_sessions_in_redis():
    assert settings_with(CACHE_URL=REDIS) == (
        "django.core.cache.backends.redis.RedisCache django.contrib.sessions.backends.cached_db"
    )


@needs_redis
@pytest.mark.django_db
def test_sessions_live_in_redis_and_survive_its_restart(client, partner_user):
    shared = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": REDIS}}  # fmt: skip
    with override_settings(
        CACHES=shared, SESSION_ENGINE="django.contrib.sessions.backends.cached_db"
    ):
        caches["default"].clear()
        client.force_login(partner_user)
        assert client.get(reverse("portal:home")).status_code == 200
        key = client.cookies["sessionid"].value
        assert caches["default"].get(f"django.contrib.sessions.cached_db{key}") is not None
        caches["default"].clear()  # Redis restarted, nothing kept
        page = client.get(reverse("portal:home"))
        assert page.status_code == 200  # still logged in: the database had it
        assert partner_user.first_name in page.content.decode()
        caches["default"].clear()
