"""Client of a db-service-layer compatible `POST /bulk/value`.

Payload, exactly: {"org_id": int, "values": [{"ts": "...Z", "entity_id", "value_n", "value_b",
"value_s", "value_ts", "status"}]}, sent in batches of `batch_size` rows.

Responses:
- 2xx: the batch is written.
- 503: the platform's primary database is down -> `PrimaryDatabaseError` at once (no retry: the
  platform tells pollers to stop; the simulator goes to `error`).
- 403: `PermissionDeniedError` carrying the server's detail.
- other 5xx, dropped connections, timeouts: retried with exponential backoff, then
  `BulkValueHttpError`. Retrying is safe because the endpoint upserts.
- other 4xx: `BulkValueHttpError` with the server's detail (a bug on our side; no retry).

Batches already accepted stay written when a later batch fails; the endpoint is idempotent, so
the caller simply retries the whole write.
"""

import math
import time

import numpy as np
import requests

from .errors import BulkValueHttpError, PermissionDeniedError, PrimaryDatabaseError

_RETRYABLE_EXCEPTIONS = (requests.ConnectionError, requests.Timeout)


def iso_z(us):
    """µs since epoch (array) -> ISO 8601 UTC strings with 'Z' (µs only when non-zero)."""
    us = np.asarray(us, dtype=np.int64)
    stamps = us.astype("datetime64[us]")
    text = np.datetime_as_string(stamps, unit="s", timezone="UTC").astype(object)
    fractional = us % 1_000_000 != 0
    if fractional.any():
        text[fractional] = np.datetime_as_string(stamps[fractional], unit="us", timezone="UTC")
    return text


def bulk_values(rows, decimals=6):
    """The `values` list of a /bulk/value payload for `rows` (value_n rounded like every
    writer stores it)."""
    n = len(rows)
    value_n = rows.rounded(decimals).tolist()
    value_b = rows.value_b.tolist()
    value_s = rows.value_s.tolist() if rows.value_s is not None else [None] * n
    value_ts = [None] * n
    if rows.value_ts is not None:
        known = ~np.isnat(rows.value_ts)
        if known.any():
            stamps = iso_z(rows.value_ts[known].astype(np.int64))
            for i, text in zip(np.flatnonzero(known).tolist(), stamps):
                value_ts[i] = text
    return [
        {"ts": ts, "entity_id": eid, "value_n": None if math.isnan(vn) else vn,
         "value_b": None if vb < 0 else bool(vb), "value_s": vs, "value_ts": vts, "status": st}
        for ts, eid, vn, vb, vs, vts, st in zip(
            iso_z(rows.ts), rows.entity_id.tolist(), value_n, value_b, value_s, value_ts,
            rows.status_strings().tolist())
    ]


class BulkValueHttpWriter:
    def __init__(self, base_url, token=None, *, batch_size=5000, retries=3, backoff=0.5,
                 max_backoff=30.0, timeout=30.0, decimals=6, session=None, sleep=time.sleep):
        if batch_size < 1:
            raise ValueError("batch_size must be positive")
        self.url = base_url.rstrip("/") + "/bulk/value"
        self.token = token
        self.batch_size = batch_size
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.timeout = timeout
        self.decimals = decimals
        self.session = session or requests.Session()
        self._sleep = sleep

    def write(self, org_id, rows):
        """POST `rows` for `org_id` in batches; returns the number of rows accepted."""
        if isinstance(org_id, bool) or not isinstance(org_id, int):
            raise ValueError(f"org_id must be an int, got {org_id!r}")
        rows = rows.dedupe()
        sent = 0
        for chunk in rows.chunks(self.batch_size):
            self._post({"org_id": org_id, "values": bulk_values(chunk, self.decimals)})
            sent += len(chunk)
        return sent

    def close(self):
        self.session.close()

    def _post(self, payload):
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        last = None
        for attempt in range(self.retries + 1):
            if attempt:
                self._sleep(min(self.max_backoff, self.backoff * 2 ** (attempt - 1)))
            try:
                response = self.session.post(self.url, json=payload, headers=headers,
                                             timeout=self.timeout)
            except _RETRYABLE_EXCEPTIONS as exc:
                last = BulkValueHttpError(f"POST {self.url} failed: {exc}")
                continue
            status = response.status_code
            if 200 <= status < 300:
                return response
            detail = _detail(response)
            if status == 503:
                raise PrimaryDatabaseError("http", message=f"POST {self.url}: 503 {detail}")
            if status == 403:
                raise PermissionDeniedError(detail)
            if status >= 500:
                last = BulkValueHttpError(f"POST {self.url}: {status} {detail}", status, detail)
                continue
            raise BulkValueHttpError(f"POST {self.url}: {status} {detail}", status, detail)
        raise BulkValueHttpError(f"{last} (gave up after {self.retries + 1} attempts)",
                                 last.status, last.detail)


def _detail(response):
    try:
        body = response.json()
    except ValueError:
        return response.text[:500]
    if isinstance(body, dict) and "detail" in body:
        return body["detail"]
    return body
