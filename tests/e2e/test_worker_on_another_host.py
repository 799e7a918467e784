"""Past one host: a real Celery worker on a second "host" - a Linux network namespace with its
own hostname (UTS namespace), which reaches PostgreSQL and Redis only over a veth link - and a
worker and the one beat on this host, with HSIM_QUEUE_SHARDS=2 and one shard queue each.

PostgreSQL and Redis listen on loopback only; in the root namespace `socat` relays the veth
address's ports to them (a plain TCP relay: the edge of the test world). Inside the namespace
loopback is its own, so the worker there has nothing but the veth address, as a worker on
another machine has nothing but the database's and the broker's addresses.

Needs root (namespaces, veth), iproute2, util-linux's unshare and socat; skipped otherwise.
"""

import ipaddress
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from django.db import connection
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from simulator_app.beat import send_log
from simulator_app.models import SimulatorState
from simulator_app.services import lifecycle, routing, schedule, tick
from simulator_app.services.simulators import create_simulator

from ..services.conftest import stored_rows
from .test_scaling_beat import SMALL
from .test_sharded_workers import SHARDS, orgs_on_two_shards
from .workers import REDIS_URL, ROOT, wait_for, worker_env

HOSTNAME = "host2"
PERIOD = 5  # seconds: beat's compressed schedule of both simulators' ticks
SEEDED_BACK = timedelta(minutes=3)
TICK_DONE = re.compile(r"Task simulator_app\.tasks\.run_simulator\[([0-9a-f-]{36})\] succeeded "
                       r"in [\d.]+s: \{'simulator_id': (\d+), 'outcome': '(\w+)'")

# Run inside the namespace: its hostname, and what answers a PostgreSQL SSLRequest or a Redis
# PING at each address (the reply's first bytes, or the connect error's name).
PROBE = r"""
import json, socket, sys
out = {"hostname": socket.gethostname()}
for label, host, port, hello in json.loads(sys.argv[1]):
    try:
        with socket.create_connection((host, port), timeout=3) as s:
            s.settimeout(3)
            s.sendall(bytes.fromhex(hello))
            out[label] = "reply:" + s.recv(5).decode("latin-1")
    except OSError as exc:
        out[label] = "error:" + type(exc).__name__
print(json.dumps(out))
"""
PG_SSL_REQUEST = "0000000804d2162f"  # length 8, code 80877103: answered "S" or "N"
REDIS_PING = b"PING\r\n".hex()


def run(*argv, check=True):
    result = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: exit {result.returncode}: "
                           f"{(result.stderr or result.stdout).strip()}")
    return result


def unsupported():
    """Why this machine cannot make a second host, or None."""
    if not sys.platform.startswith("linux"):
        return "network namespaces are Linux only"
    if os.geteuid() != 0:
        return "needs root to create a network namespace and a veth pair"
    missing = [tool for tool in ("ip", "unshare", "socat") if not shutil.which(tool)]
    if missing:
        return f"needs {', '.join(missing)} (iproute2, util-linux, socat)"
    if connection.vendor != "postgresql":
        return "needs the PostgreSQL test database (DATABASE_URL)"
    if urlsplit(REDIS_URL).scheme != "redis":
        return f"needs a redis:// test broker (HSIM_TEST_REDIS_URL is {REDIS_URL})"
    return None


def taken_networks():
    """Every IPv4 network this host has an address in or a route to (default route aside)."""
    taken = []
    for line in run("ip", "-4", "-o", "addr", "show").stdout.splitlines():
        taken.append(ipaddress.ip_interface(line.split()[3]).network)
    for line in run("ip", "-4", "route", "show", "table", "all").stdout.splitlines():
        words = line.split()
        dest = words[1] if words[0] in ("local", "broadcast", "unicast", "unreachable",
                                        "blackhole", "prohibit", "throw", "anycast",
                                        "multicast", "nat") else words[0]
        try:
            taken.append(ipaddress.ip_network(dest, strict=False))
        except ValueError:  # "default"
            pass
    return taken


def free_subnet(seed):
    """A 10.2xx.y.0/30 this host does not use, picked from `seed` (the pid)."""
    taken = taken_networks()
    for attempt in range(512):
        n = seed + attempt * 977
        net = ipaddress.ip_network(f"10.{200 + n % 50}.{n // 50 % 256}.0/30")
        if not any(net.overlaps(other) for other in taken):
            return net
    pytest.fail(f"no free 10.2xx.y.0/30 among 512 tried; in use: {taken}")


def rehost(url, address):
    """`url` with its host replaced by `address` (user, port, path kept)."""
    parts = urlsplit(url)
    user = parts.netloc.rpartition("@")[0]
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{user + '@' if user else ''}{address}{port}"))


class SecondHost:
    """A network namespace linked to this one by a veth pair (/30: .1 here, .2 there), socat
    relaying `.1:port` to each upstream server, and a command wrapper that runs a program in the
    namespace under its own UTS hostname."""

    def __init__(self, tmp_path, upstreams):
        pid = os.getpid()
        self.tmp_path = tmp_path
        self.upstreams = upstreams  # {port: (host, port)} relayed at address:port
        self.netns = f"hsim-host2-{pid}"
        self.veth, self.peer = f"hsv{pid}a", f"hsv{pid}b"  # at most 15 characters
        self.net = free_subnet(pid)
        self.address, self.peer_address = (str(a) for a in self.net.hosts())
        self.relays = []

    def create(self):
        self.destroy()  # a namesake a killed run (same pid) left behind
        try:
            run("ip", "netns", "add", self.netns)
        except RuntimeError as exc:
            pytest.skip(f"cannot create a network namespace: {exc}")
        try:
            run("ip", "link", "add", self.veth, "type", "veth", "peer", "name", self.peer)
        except RuntimeError as exc:
            pytest.skip(f"cannot create a veth pair: {exc}")
        prefix = self.net.prefixlen
        run("ip", "link", "set", self.peer, "netns", self.netns)
        run("ip", "addr", "add", f"{self.address}/{prefix}", "dev", self.veth)
        run("ip", "link", "set", self.veth, "up")
        inside = ("ip", "netns", "exec", self.netns)
        run(*inside, "ip", "addr", "add", f"{self.peer_address}/{prefix}", "dev", self.peer)
        run(*inside, "ip", "link", "set", self.peer, "up")
        run(*inside, "ip", "link", "set", "lo", "up")  # its own loopback, with nothing on it
        try:
            run(*self.command("true"))
        except RuntimeError as exc:
            pytest.skip(f"cannot give the namespace its own hostname (unshare --uts): {exc}")
        for port, (host, upstream_port) in self.upstreams.items():
            log = open(self.tmp_path / f"socat-{port}.log", "w")
            self.relays.append(subprocess.Popen(
                ["socat", f"TCP-LISTEN:{port},bind={self.address},fork,reuseaddr",
                 f"TCP:{host}:{upstream_port}"],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
            log.close()
            self._wait_listening(self.relays[-1], port)

    def _wait_listening(self, relay, port):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if relay.poll() is not None:
                log = (self.tmp_path / f"socat-{port}.log").read_text()
                pytest.fail(f"socat on {self.address}:{port} exited ({relay.returncode}): {log}")
            try:
                socket.create_connection((self.address, port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        pytest.fail(f"socat did not listen on {self.address}:{port} within 10 s")

    def command(self, *argv):
        """argv run inside the namespace, its hostname set to HOSTNAME first (exec all the
        way: the process started is the program itself)."""
        return ["ip", "netns", "exec", self.netns, "unshare", "--uts", "sh", "-c",
                'hostname "$0" && exec "$@"', HOSTNAME, *argv]

    def env(self, env):
        """`env` with the database and the broker (and the test's Redis) at the veth address."""
        env = dict(env)
        for name in ("DATABASE_URL", "CELERY_BROKER_URL", "HSIM_TEST_REDIS_URL",
                     "HSIM_TEST_DATABASE_URL", "HSIM_CACHE_URL", "CELERY_RESULT_BACKEND"):
            if "://" in env.get(name, ""):
                env[name] = rehost(env[name], self.address)
        return env

    def probe(self, checks):
        """{label: "reply:..." | "error:...", "hostname": ...} as seen from inside."""
        result = run(*self.command(sys.executable, "-c", PROBE, json.dumps(checks)))
        return json.loads(result.stdout)

    def holds(self, pid):
        return self.netns in run("ip", "netns", "identify", str(pid), check=False).stdout.split()

    def destroy(self):
        """Everything, whatever state it is in: processes left in the namespace, the relays,
        the veth pair (deleting one end deletes both), the namespace."""
        for pid in run("ip", "netns", "pids", self.netns, check=False).stdout.split():
            try:
                os.kill(int(pid), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass
        for relay in self.relays:
            try:
                os.killpg(relay.pid, signal.SIGTERM)  # socat and its forked children
            except ProcessLookupError:
                pass
            try:
                relay.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(relay.pid, signal.SIGKILL)
                relay.wait()
        self.relays = []
        run("ip", "link", "del", self.veth, check=False)
        run("ip", "netns", "del", self.netns, check=False)


@pytest.fixture
def second_host(tmp_path):
    reason = unsupported()
    if reason:
        pytest.skip(reason)
    db = connection.settings_dict
    broker = urlsplit(REDIS_URL)
    upstreams = {int(db["PORT"] or 5432): (db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)),
                 broker.port or 6379: (broker.hostname or "127.0.0.1", broker.port or 6379)}
    if len(upstreams) < 2:
        pytest.skip("the test database and Redis share a port number: one relay cannot do both")
    host = SecondHost(tmp_path, upstreams)
    try:
        host.create()
        yield host
    finally:
        host.destroy()


@pytest.fixture
def processes(second_host, tmp_path):
    """start(name, argv, env): a process logging to tmp_path/<name>.log; all stopped after."""
    started = []

    def start(name, argv, env):
        log_path = tmp_path / f"{name}.log"
        with open(log_path, "w") as log:  # the child keeps its own handle
            process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        started.append(process)
        return process, log_path

    yield start
    for process in started:
        process.terminate()
    for process in started:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # it and its pool (not reaped: pid ours)
            process.wait()
    redis.Redis.from_url(REDIS_URL).flushdb()  # what beat sent meanwhile


def celery(*args):
    return [sys.executable, "-m", "celery", "-A", "hsim_project", *args, "--loglevel=INFO"]


def ticks_in(log_path):
    """(message id, simulator id, outcome) of every run_simulator the worker of this log
    finished."""
    return [(message, int(sim), outcome)
            for message, sim, outcome in TICK_DONE.findall(log_path.read_text())]


def generated(sim, log_path):
    """Message ids of the ticks that generated rows of `sim` in this worker's log."""
    return {message for message, simulator, outcome in ticks_in(log_path)
            if simulator == sim.poller_id and outcome == "generated"}


def state(sim):
    return SimulatorState.objects.get(simulator_id=sim.poller_id)


@pytest.mark.django_db(transaction=True)
def test_a_worker_on_another_host_serves_its_shard_with_the_one_beat(
        clean_core, unique_key, settings, tmp_path, processes, second_host):
    host = second_host
    db_port = int(connection.settings_dict["PORT"] or 5432)
    redis_port = urlsplit(REDIS_URL).port or 6379

    # The other host's network: loopback is its own (nothing listens there), the database
    # and the broker answer only at the veth address.
    seen = host.probe([
        ["pg loopback", "127.0.0.1", db_port, PG_SSL_REQUEST],
        ["redis loopback", "127.0.0.1", redis_port, REDIS_PING],
        ["pg veth", host.address, db_port, PG_SSL_REQUEST],
        ["redis veth", host.address, redis_port, REDIS_PING],
    ])
    assert seen["hostname"] == HOSTNAME, seen
    assert seen["pg loopback"].startswith("error:"), seen
    assert seen["redis loopback"].startswith("error:"), seen
    assert seen["pg veth"] in ("reply:S", "reply:N"), seen  # PostgreSQL's SSLRequest answer
    assert seen["redis veth"].startswith("reply:+PONG"), seen

    # Two orgs on the two shards, one simulator each, started (no first tick: beat's sends
    # are the only ones) and generated once three minutes back here, so beat's first tick
    # owes three intervals and its progress shows without waiting for a minute boundary.
    settings.HSIM_QUEUE_SHARDS = SHARDS  # this process routes as the workers do
    broker = redis.Redis.from_url(REDIS_URL)
    broker.flushdb()
    here_org, there_org = orgs_on_two_shards(unique_key)
    here = create_simulator(here_org, "Here", SMALL, 1)
    there = create_simulator(there_org, "There", SMALL, 1)
    every = IntervalSchedule.objects.create(every=PERIOD, period=IntervalSchedule.SECONDS)
    seeded = {}
    for sim in (here, there):
        lifecycle.start(sim, run_first_tick=False)
        assert tick.run_tick(sim.poller_id, now=timezone.now() - SEEDED_BACK).outcome == \
            "generated"
        seeded[sim.poller_id] = state(sim).last_run_timestamp
        # Beat's schedule compressed to every PERIOD s from now (the queue stays the org's
        # shard, set by the start).
        task = PeriodicTask.objects.get(name=schedule.task_name(sim.poller_id))
        assert task.queue == routing.queue_for_org(sim.org_id)
        task.interval = every
        task.start_time = timezone.now() - timedelta(seconds=1)
        task.last_run_at = None
        task.save()
    here_queue, there_queue = (routing.queue_for_org(o.pk) for o in (here_org, there_org))
    assert here_queue != there_queue

    # Every host the same settings; this one runs the beat and w1, the other host w2.
    env = worker_env(HSIM_QUEUE_SHARDS=str(SHARDS), TZ="UTC")
    w1, w1_log = processes("w1", celery("worker", "-Q", f"{here_queue},celery", "-n", "w1@%h",
                                        "--concurrency=1"), env)
    w2, w2_log = processes("w2", host.command(*celery(
        "worker", "-Q", f"{there_queue},celery", "-n", "w2@%h", "--concurrency=1")),
        host.env(env))
    sends_path = tmp_path / "sends.log"
    beat, beat_log = processes("beat", celery("beat"),
                               dict(env, HSIM_BEAT_SEND_LOG=str(sends_path)))

    # w2 is on the other host: its node is named after that host's hostname, it talks to the
    # broker at the veth address, and its process lives in the namespace (w1's does not).
    wait_for(lambda: f"w2@{HOSTNAME} ready." in w2_log.read_text(), 60, "w2 to start", w2_log)
    assert re.search(rf"Connected to redis://(\S*@)?{re.escape(host.address)}:{redis_port}/",
                     w2_log.read_text()), w2_log.read_text()[-3000:]
    assert host.holds(w2.pid) and not host.holds(w1.pid)
    wait_for(lambda: re.search(r"w1@\S+ ready\.", w1_log.read_text()), 60, "w1 to start",
             w1_log)

    # The one beat's ticks: each org's simulator is generated up to now by its shard's worker.
    for sim, log_path in ((here, w1_log), (there, w2_log)):
        wait_for(lambda sim=sim, log_path=log_path: (
                     state(sim).last_run_timestamp > seeded[sim.poller_id]
                     and generated(sim, log_path)), 60,
                 f"beat's tick of simulator {sim.poller_id} by {log_path.stem}", log_path)
    for sim in (here, there):
        current = state(sim)
        assert current.status == "running" and current.error_message is None
        assert current.last_run_timestamp >= seeded[sim.poller_id] + SEEDED_BACK
        newer = [row for row in stored_rows(sim)
                 if row[1] > seeded[sim.poller_id].timestamp()]
        assert newer, f"no rows of simulator {sim.poller_id} after {seeded[sim.poller_id]}"
    # Each worker ran its own shard's simulator only, and what generated were beat's sends.
    assert {sim for _, sim, _ in ticks_in(w1_log)} == {here.poller_id}
    assert {sim for _, sim, _ in ticks_in(w2_log)} == {there.poller_id}
    sent = {task_id: name for _, _, task_id, name in send_log.read(sends_path)}
    for sim, log_path in ((here, w1_log), (there, w2_log)):
        assert all(sent.get(m) == schedule.task_name(sim.poller_id)
                   for m in generated(sim, log_path)), (sent, ticks_in(log_path),
                                                        beat_log.read_text()[-3000:])
    assert w1.poll() is None and w2.poll() is None and beat.poll() is None
