"""The default cache (throttle counters) from the environment.

Throttle counters must be shared by every web process, or each gunicorn worker counts alone
(60/min lets 60 x workers through). So where Redis is configured -- a redis:// Celery broker --
the cache defaults to that Redis server, on the next database number (a cache is flushed as a
whole by `cache.clear()`, which must never empty the broker's queues). HSIM_CACHE_URL overrides:
a redis:// URL, or `locmem` for a cache private to each process.
"""

from urllib.parse import urlsplit, urlunsplit

REDIS_SCHEMES = ("redis", "rediss")
REDIS_DATABASES = 16  # Redis' default `databases`


def cache_settings(cache_url, broker_url):
    """CACHES["default"] for HSIM_CACHE_URL and CELERY_BROKER_URL (either may be empty)."""
    cache_url = (cache_url or "").strip()
    if cache_url.lower() in ("locmem", "local", "memory"):
        return locmem()
    if cache_url:
        return redis(cache_url)
    if urlsplit(broker_url or "").scheme in REDIS_SCHEMES:
        return redis(next_database(broker_url))
    return locmem()


def locmem():
    return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "hsim"}


def redis(url):
    return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url,
            "KEY_PREFIX": "hsim"}


def next_database(url):
    """The same Redis server (and credentials), the database after the broker's."""
    parts = urlsplit(url)
    path = parts.path.strip("/")
    db = int(path) if path.isdigit() else 0
    return urlunsplit(parts._replace(path=f"/{(db + 1) % REDIS_DATABASES}"))
