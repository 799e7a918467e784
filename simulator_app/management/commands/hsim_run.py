"""The embedded default: set up, then run web, worker (with beat) and Flower on this machine.

Each process's lines are shown prefixed with its name (`web    | ...`); once every one of them
answers, the URLs and the login are printed again, so they are the last thing on the screen.
Ctrl-C (or SIGTERM) asks each process to stop the way its own Ctrl-C would and waits for it.
"""

import fcntl
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from ...services import backfill
from ...services.history_horizon import horizon_days
from ...services.local_secret import local_secret_key
from ...services.demo import (
    ADMIN_PASSWORD, ADMIN_USERNAME, ensure_admin_user, ensure_demo_org, ensure_demo_simulator,
)

# What each process prints once it is ready to work (the web server and Flower are asked
# over HTTP instead). The worker's beat runs inside it (-B) and says so too.
READY_LINES = {"worker": ("ready.", "beat: Starting...")}
READY_TIMEOUT = 180  # seconds before saying which process has not answered yet
STOP_TIMEOUT = 20  # seconds a process gets to stop by itself before it is killed


class Command(BaseCommand):
    help = "Migrate, create the demo org, admin login and simulator, then serve (Ctrl-C stops)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--host", default="127.0.0.1",
            help="address the web server and Flower listen on (default 127.0.0.1: this machine"
            " only; elsewhere Flower asks for the admin login)",
        )
        parser.add_argument("--port", type=int, default=8000,
                            help="web server port: admin, API, docs (default 8000)")
        parser.add_argument("--flower-port", type=int, default=5555,
                            help="Flower port, the Celery monitor (default 5555)")
        parser.add_argument(
            "--history-days", type=int, default=7,
            help="days of history the demo simulator gets on its first run (default 7; 0: none)",
        )
        parser.add_argument(
            "--setup-only", action="store_true",
            help="migrate, create the demo org and the admin login, then exit (starts nothing)",
        )

    def handle(self, *args, host, port, flower_port, history_days, setup_only, **options):
        check_flags(port, flower_port, history_days)  # before anything is created
        if not setup_only:
            # Held until this process exits: a second run would start a second beat (every
            # send twice) and a second worker on the same database and broker folders.
            self.instance_lock = hold_instance_lock(settings.VAR_DIR)
        try:
            self.run(host, port, flower_port, history_days, setup_only)
        except KeyboardInterrupt:  # Ctrl-C during the set-up: nothing runs yet
            self.stdout.write("\ninterrupted; nothing was left running")
            sys.exit(130)

    def run(self, host, port, flower_port, history_days, setup_only):
        call_command("migrate", interactive=False, verbosity=0)
        ensure_admin_user()
        org = ensure_demo_org()
        self.stdout.write(f"demo org '{org.key}' (id {org.id}) ready")
        if setup_only:
            return
        simulator = self.demo_simulator(org, history_days)
        banner = self.banner(simulator, org.key, host, port, flower_port)
        self.output = threading.RLock()
        self.ready_lines = {name: set() for name in READY_LINES}
        # SIGTERM (`kill`) stops everything too, the same way as Ctrl-C. SIGINT explicitly:
        # started in the background by a script (`./hsim run &`), it inherits SIGINT ignored,
        # and Python then keeps ignoring it, so `kill -INT` would do nothing.
        signal.signal(signal.SIGTERM, self.interrupt)
        signal.signal(signal.SIGINT, self.interrupt)
        processes, dead = {}, []
        try:
            self.say(banner + "  starting web, worker (with beat) and Flower...\n")
            self.start_processes(processes, host, port, flower_port)
            dead = self.supervise(processes, host, port, flower_port, banner)
        except KeyboardInterrupt:
            self.say("\nstopping...")
        finally:
            self.stop(processes)
        if dead:
            raise CommandError(f"{', '.join(dead)} exited (see its lines above); stopped the"
                               " rest", returncode=1)

    @staticmethod
    def banner(simulator, org_key, host, port, flower_port):
        web = f"http://{host}:{port}"
        return (
            f"\n  simulator #{simulator.poller_id} '{simulator.poller_name}' is running\n"
            f"  dashboard: {web}/   login {ADMIN_USERNAME} / {ADMIN_PASSWORD}\n"
            f"  admin:     {web}/admin/\n"
            f"  API:       {web}/api/docs/\n"
            # The project root a Haystack client (phable, pyhaystack) is given; ops below it.
            f"  Haystack:  {web}/haystack/{org_key}   (e.g. {web}/haystack/{org_key}/about)\n"
            f"  Flower:    http://{host}:{flower_port}/\n"
            "  Ctrl-C stops everything.\n"
        )

    def say(self, text):
        with self.output:
            self.stdout.write(text)
            self.stdout.flush()

    def demo_simulator(self, org, history_days):
        bar = None

        def on_chunk(job, rows):
            nonlocal bar
            done = backfill.progress(job)
            if bar is None:
                # Starts at the first chunk's count: counted from zero, tqdm's first rate
                # would be that chunk over the microseconds since the bar was made.
                bar = tqdm(total=done.total_intervals, initial=done.done_intervals,
                           unit="interval", desc="backfill", mininterval=0, miniters=1)
            bar.update(done.done_intervals - bar.n)

        try:
            return ensure_demo_simulator(org, history_days, on_chunk=on_chunk)
        finally:
            if bar is not None:
                bar.close()

    @staticmethod
    def interrupt(signum, frame):
        raise KeyboardInterrupt

    def start_processes(self, processes, host, port, flower_port):
        """Start each process into `processes` (so a Ctrl-C half-way stops those started)."""
        python = sys.executable
        celery = [python, "-m", "celery", "-A", "hsim_project"]
        env = os.environ.copy()
        # Web, worker and Flower refuse a published SECRET_KEY: they share one kept in var/.
        env.setdefault("SECRET_KEY", local_secret_key(settings.VAR_DIR))
        if host not in ("127.0.0.1", "localhost", "::1") and "FLOWER_BASIC_AUTH" not in env:
            # Flower answers beyond this machine only behind a login: the admin's.
            env["FLOWER_BASIC_AUTH"] = f"{ADMIN_USERNAME}:{ADMIN_PASSWORD}"
        if "ALLOWED_HOSTS" not in env:
            env["ALLOWED_HOSTS"] = ",".join(allowed_hosts(host, settings.ALLOWED_HOSTS))
        env["PYTHONUNBUFFERED"] = "1"  # lines as they happen, not when a buffer fills
        commands = {
            "web": [python, "manage.py", "runserver", "--noreload", "--insecure", f"{host}:{port}"],
            # One worker with the one embedded beat (DatabaseScheduler, from settings).
            "worker": celery + ["worker", "-B", "-E", "--loglevel=INFO", "--concurrency=2"],
            # Started once the worker is up: Flower asks the workers what they are at once,
            # and logs a warning per question not answered in time (the filesystem broker is
            # slow to answer on a busy machine).
            "flower": celery + ["flower", f"--address={host}", f"--port={flower_port}",
                                "--inspect_timeout=10000"],
        }
        for name, cmd in commands.items():
            if name == "flower":
                self.wait_for_worker(processes["worker"])
            # A session of its own: the terminal's Ctrl-C reaches hsim_run only, which then
            # stops each process in order (a process group killed at once logs errors).
            processes[name] = subprocess.Popen(
                cmd, env=env, start_new_session=True, stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
                errors="replace",
            )
            threading.Thread(target=self.relay, args=(name, processes[name]), daemon=True).start()

    def wait_for_worker(self, worker, timeout=60):
        deadline = time.monotonic() + timeout
        while (self.ready_lines["worker"] != set(READY_LINES["worker"])
               and worker.poll() is None and time.monotonic() < deadline):
            time.sleep(0.2)

    def relay(self, name, process):
        """Copy a process's lines to our output, prefixed with its name."""
        prefix = f"{name:<6} | "
        for line in process.stdout:
            line = line.rstrip("\n")
            for marker in READY_LINES.get(name, ()):
                if marker in line:
                    self.ready_lines[name].add(marker)
            self.say(prefix + line)

    def ready(self, host, port, flower_port):
        """The processes that do not answer yet (empty: all of them do)."""
        address = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
        waiting = []
        if not answers(f"http://{address}:{port}/healthz"):
            waiting.append("web")
        for name, markers in READY_LINES.items():
            if self.ready_lines[name] != set(markers):
                waiting.append(name)
        if not answers(f"http://{address}:{flower_port}/"):
            waiting.append("flower")
        return waiting

    def supervise(self, processes, host, port, flower_port, banner):
        started, announced, warned = time.monotonic(), False, False
        while all(p.poll() is None for p in processes.values()):
            if not announced:
                waiting = self.ready(host, port, flower_port)
                if not waiting:
                    announced = True
                    self.say(f"\n  hsim is ready: every process answers.{banner}")
                elif not warned and time.monotonic() - started > READY_TIMEOUT:
                    warned = True
                    self.say(f"  still waiting for {', '.join(waiting)} to answer...")
            time.sleep(0.5)
        return [n for n, p in processes.items() if p.poll() is not None]

    def stop(self, processes):
        """SIGTERM to each process itself (the worker then stops its pool and its beat, as its
        own Ctrl-C would), then SIGKILL to whatever of its session is still there."""
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_IGN)  # a second Ctrl-C must not cut this short
        for p in processes.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for p in processes.values():
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            try:
                os.killpg(p.pid, signal.SIGKILL)  # a leftover child of a process that exited
            except (ProcessLookupError, PermissionError):
                pass
            p.wait()


def check_flags(port, flower_port, history_days):
    """Bad flags: exit 2 with the reason, before the database is touched."""
    for flag, value in (("--port", port), ("--flower-port", flower_port)):
        if not 1 <= value <= 65535:
            raise CommandError(f"{flag}: must be a port from 1 to 65535", returncode=2)
    if port == flower_port:
        raise CommandError("--flower-port: must differ from --port", returncode=2)
    # The backfill's start is `history_days` before the last interval boundary, which the
    # history horizon must still reach.
    most = horizon_days() - 1
    if not 0 <= history_days <= most:
        raise CommandError(f"--history-days: must be from 0 to {most} (the history horizon,"
                           " HSIM_HISTORY_HORIZON_DAYS, less a day)", returncode=2)


def allowed_hosts(host, defaults):
    """The names the web server answers to when listening on `host`: Django refuses (400)
    a Host it does not list, so `--host 0.0.0.0` reached by the machine's name or address
    would answer nothing but 400. A wildcard address answers any name; ALLOWED_HOSTS in the
    environment overrides this."""
    if host in ("0.0.0.0", "::", ""):
        return ["*"]
    names = list(defaults)
    bare = host.strip("[]")
    for name in (bare, f"[{bare}]" if ":" in bare else None):
        if name and name not in names:
            names.append(name)
    return names


def hold_instance_lock(var_dir):
    """An exclusive lock on VAR_DIR/hsim_run.lock, or exit 2 naming the run that holds it.
    flock: the kernel drops it when this process ends, however it ends (no stale lock)."""
    os.makedirs(var_dir, exist_ok=True)
    handle = open(os.path.join(var_dir, "hsim_run.lock"), "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "?"
        handle.close()
        raise CommandError(
            f"another hsim run (pid {holder}) is using {var_dir}: stop it first (Ctrl-C), or"
            " give this one its own HSIM_VAR_DIR", returncode=2) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


def answers(url):
    """True if an HTTP server answers at `url` with any status (Flower may ask for a login)."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status < 500
    except urllib.error.HTTPError as exc:
        return exc.code < 500
    except (OSError, ValueError):
        return False
