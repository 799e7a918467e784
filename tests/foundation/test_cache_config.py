"""Which cache holds the throttle counters: shared Redis wherever Redis is configured."""

import pytest

from hsim_project.cache_config import cache_settings

REDIS = "django.core.cache.backends.redis.RedisCache"
LOCMEM = "django.core.cache.backends.locmem.LocMemCache"


@pytest.mark.parametrize("broker, location", [
    ("redis://redis:6379/0", "redis://redis:6379/1"),  # the compose stack
    ("redis://127.0.0.1:6379", "redis://127.0.0.1:6379/1"),
    ("redis://:secret@cache.internal:6380/4", "redis://:secret@cache.internal:6380/5"),
    ("rediss://user:pw@host:6379/15", "rediss://user:pw@host:6379/0"),  # wraps within 16
])
def test_a_redis_broker_gives_a_shared_cache_on_its_server_and_the_next_database(broker,
                                                                                 location):
    assert cache_settings(None, broker) == {"BACKEND": REDIS, "LOCATION": location,
                                            "KEY_PREFIX": "hsim"}


@pytest.mark.parametrize("broker", ["filesystem://", "amqp://guest@localhost//", "", None])
def test_without_redis_the_cache_is_local_memory(broker):
    assert cache_settings("", broker)["BACKEND"] == LOCMEM


def test_hsim_cache_url_wins_and_locmem_keeps_each_process_apart():
    assert cache_settings("redis://other:6379/7", "redis://redis:6379/0")["LOCATION"] == (
        "redis://other:6379/7")
    assert cache_settings("locmem", "redis://redis:6379/0")["BACKEND"] == LOCMEM
