"""BulkValueHttpWriter against a real HTTP server on 127.0.0.1."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from simulator_app.storage import (
    BulkValueHttpError,
    BulkValueHttpWriter,
    PermissionDeniedError,
    PrimaryDatabaseError,
    ValueRows,
)

from .helpers import entity_ids, make_batch


class Platform:
    """A scripted /bulk/value: `script` is a list of actions, one per request; the last one
    repeats. Actions: an int status, ("json", status, body) or "drop" (close without
    answering)."""

    def __init__(self, script):
        self.script = list(script)
        self.requests = []
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                platform.requests.append({"path": self.path, "headers": dict(self.headers),
                                          "json": json.loads(body)})
                i = len(platform.requests) - 1
                action = platform.script[min(i, len(platform.script) - 1)]
                if action == "drop":
                    self.close_connection = True
                    self.connection.close()
                    return
                status, payload = (action[1], action[2]) if isinstance(action, tuple) \
                    else (action, [] if action == 200 else {"detail": f"status {action}"})
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def platform():
    servers = []

    def start(*script):
        servers.append(Platform(script))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def client(url, **options):
    sleeps = []
    options.setdefault("backoff", 0.01)
    return BulkValueHttpWriter(url, "s3cret", sleep=sleeps.append, **options), sleeps


ROWS = ValueRows.from_records([
    {"ts": "2024-01-01T00:15:00Z", "entity_id": 7, "value_n": 72.123456789, "status": "ok"},
    {"ts": "2024-01-01T00:15:00.5Z", "entity_id": 8, "value_b": True, "status": "stale"},
    {"ts": "2024-01-01T00:30:00Z", "entity_id": 9, "value_s": "on",
     "value_ts": "2023-06-01T12:00:00Z"},
])


def test_it_posts_the_bulk_value_payload_with_the_bearer_token(platform):
    server = platform(200)
    writer, _ = client(server.url)

    assert writer.write(3, ROWS) == 3

    (request,) = server.requests
    assert request["path"] == "/api/bulk/value"
    assert request["headers"]["Authorization"] == "Bearer s3cret"
    assert request["json"] == {"org_id": 3, "values": [
        {"ts": "2024-01-01T00:15:00Z", "entity_id": 7, "value_n": 72.123457, "value_b": None,
         "value_s": None, "value_ts": None, "status": "ok"},
        {"ts": "2024-01-01T00:15:00.500000Z", "entity_id": 8, "value_n": None,
         "value_b": True, "value_s": None, "value_ts": None, "status": "stale"},
        {"ts": "2024-01-01T00:30:00Z", "entity_id": 9, "value_n": None, "value_b": None,
         "value_s": "on", "value_ts": "2023-06-01T12:00:00Z", "status": None},
    ]}


def test_it_sends_large_batches_in_bounded_requests(platform):
    server = platform(200)
    rows = ValueRows.from_batch(make_batch(n_points=5, n_intervals=9), entity_ids(5))
    writer, _ = client(server.url, batch_size=10)

    assert writer.write(1, rows) == 45

    sizes = [len(r["json"]["values"]) for r in server.requests]
    assert sizes == [10, 10, 10, 10, 5]
    sent = [(v["entity_id"], v["ts"]) for r in server.requests for v in r["json"]["values"]]
    assert len(set(sent)) == 45


def test_a_403_raises_a_permission_error_with_the_server_detail(platform):
    server = platform(("json", 403, {"detail": {"error": "entities 7, 8 not in org 3"}}))
    writer, sleeps = client(server.url)

    with pytest.raises(PermissionDeniedError) as info:
        writer.write(3, ROWS)

    assert info.value.detail == {"error": "entities 7, 8 not in org 3"}
    assert len(server.requests) == 1 and sleeps == []


def test_a_503_raises_primary_unavailable_without_retrying(platform):
    server = platform(("json", 503, {"detail": "Primary database unavailable: main down"}))
    writer, sleeps = client(server.url, retries=5)

    with pytest.raises(PrimaryDatabaseError, match="main down"):
        writer.write(3, ROWS)

    assert len(server.requests) == 1 and sleeps == []


def test_other_5xx_are_retried_with_exponential_backoff(platform):
    server = platform(500, 502, 200)
    writer, sleeps = client(server.url, retries=3, backoff=0.5)

    assert writer.write(3, ROWS) == 3

    assert len(server.requests) == 3
    assert sleeps == [0.5, 1.0]


def test_persistent_5xx_give_up_after_the_retries(platform):
    server = platform(500)
    writer, sleeps = client(server.url, retries=2)

    with pytest.raises(BulkValueHttpError, match="500") as info:
        writer.write(3, ROWS)

    assert info.value.status == 500 and len(server.requests) == 3 and len(sleeps) == 2


def test_dropped_connections_are_retried(platform):
    server = platform("drop", "drop", 200)
    writer, sleeps = client(server.url, retries=3)

    assert writer.write(3, ROWS) == 3

    assert len(server.requests) == 3 and len(sleeps) == 2


def test_a_connection_dropped_every_time_ends_in_an_error(platform):
    server = platform("drop")
    writer, _ = client(server.url, retries=1)

    with pytest.raises(BulkValueHttpError, match="gave up after 2 attempts"):
        writer.write(3, ROWS)

    assert len(server.requests) == 2


def test_a_refused_connection_is_retried_then_raised():
    writer, sleeps = client("http://127.0.0.1:1", retries=2, timeout=2)

    with pytest.raises(BulkValueHttpError, match="gave up after 3 attempts"):
        writer.write(3, ROWS)

    assert len(sleeps) == 2


def test_other_4xx_raise_at_once_with_the_detail(platform):
    server = platform(("json", 422, {"detail": [{"loc": ["values", 0, "ts"]}]}))
    writer, sleeps = client(server.url)

    with pytest.raises(BulkValueHttpError, match="422") as info:
        writer.write(3, ROWS)

    assert info.value.detail == [{"loc": ["values", 0, "ts"]}]
    assert len(server.requests) == 1 and sleeps == []
