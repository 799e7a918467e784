"""Counter-based randomness: every draw is a hash of (seed, stream, key, counter).

Nothing depends on how many numbers were drawn before, so any window of time, generated in
any number of pieces, sees the same draws. Keys are hashes of catalogue keys (not positions),
so adding a point does not reshuffle the others.
"""

import hashlib
from functools import lru_cache

import numpy as np

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MASK = (1 << 64) - 1

# Streams keep independent uses of one (key, counter) apart.
NOISE, DROPOUT, STALE, OUTAGE, DRIFT, OCCUPANCY, WEATHER, WANDER = range(1, 9)


@lru_cache(maxsize=8192)
def key_hash(text):
    """Stable 64-bit hash of a string key (memoised: the same few keys every tick)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


def key_hashes(keys):
    return np.array([key_hash(k) for k in keys], dtype=np.uint64)


def _mix(x):
    """splitmix64 finalizer, in place on a uint64 array."""
    x ^= x >> np.uint64(30)
    x *= _M1
    x ^= x >> np.uint64(27)
    x *= _M2
    x ^= x >> np.uint64(31)
    return x


@lru_cache(maxsize=4096)
def _salt(seed, stream):
    z = (seed * 0x9E3779B97F4A7C15 + stream * 0xD1B54A32D192ED03 + 1) & _MASK
    return np.uint64(int(_mix(np.array([z], np.uint64))[0]))


def hashes(seed, stream, keys, counters):
    """uint64 [len(counters), len(keys)]: one independent draw per (counter, key)."""
    keys = np.asarray(keys, dtype=np.uint64)
    counters = np.asarray(counters, dtype=np.int64).astype(np.uint64)
    return _mix((counters[:, None] * _GOLDEN) ^ (keys[None, :] + _salt(seed, stream)))


def uniform(h):
    """[0, 1) from the top 53 bits of a hash."""
    return (h >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))


def normal(h):
    """Near-standard normal from one hash: the sum of its four 16-bit uniforms, rescaled
    (Irwin-Hall, unit variance, bounded at ±3.46: sensor noise has no wild outliers)."""
    # The four 16-bit words of each hash; their sum is exact and independent of byte order.
    words = np.ascontiguousarray(h).view(np.uint16).reshape(*h.shape, 4)
    total = words[..., 0].astype(np.uint32)
    for i in (1, 2, 3):
        total += words[..., i]
    return (total * (1.0 / 65536.0) - 2.0) * np.sqrt(3.0)


@lru_cache(maxsize=4096)
def scalar_uniforms(seed, stream, key, n):
    """n uniforms for per-key constants (phases, rates): counters 0..n-1. Memoised (the same
    constants every tick), so the array is read-only."""
    u = uniform(hashes(seed, stream, [key_hash(key)], np.arange(n)))[:, 0]
    u.flags.writeable = False
    return u
