"""The embedded default: set up, then run web, worker (with beat) and Flower on this machine."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from tqdm import tqdm

from ...services import backfill
from ...services.local_secret import local_secret_key
from ...services.demo import (
    ADMIN_PASSWORD, ADMIN_USERNAME, ensure_admin_user, ensure_demo_org, ensure_demo_simulator,
)


class Command(BaseCommand):
    help = "Migrate, create the demo org, admin login and simulator, then serve (Ctrl-C stops)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--flower-port", type=int, default=5555)
        parser.add_argument("--history-days", type=int, default=7)
        parser.add_argument(
            "--setup-only", action="store_true", help="set up (no simulator) and exit"
        )

    def handle(self, *args, host, port, flower_port, history_days, setup_only, **options):
        call_command("migrate", interactive=False, verbosity=0)
        ensure_admin_user()
        org = ensure_demo_org()
        self.stdout.write(f"demo org '{org.key}' (id {org.id}) ready")
        if setup_only:
            return
        simulator = self.demo_simulator(org, history_days)
        processes = self.start_processes(host, port, flower_port)
        self.stdout.write(
            f"\n  simulator #{simulator.poller_id} '{simulator.poller_name}' is running\n"
            f"  admin:   http://{host}:{port}/admin/   login {ADMIN_USERNAME} / {ADMIN_PASSWORD}\n"
            f"  API:     http://{host}:{port}/api/docs/\n"
            f"  Flower:  http://{host}:{flower_port}/\n"
            "  Ctrl-C stops everything.\n"
        )
        self.supervise(processes)

    def demo_simulator(self, org, history_days):
        bar = None

        def on_chunk(job, rows):
            nonlocal bar
            done = backfill.progress(job)
            if bar is None:
                bar = tqdm(total=done.total_intervals, unit="interval", desc="backfill")
            bar.update(done.done_intervals - bar.n)

        try:
            return ensure_demo_simulator(org, history_days, on_chunk=on_chunk)
        finally:
            if bar is not None:
                bar.close()

    @staticmethod
    def interrupt(signum, frame):
        raise KeyboardInterrupt

    def start_processes(self, host, port, flower_port):
        python = sys.executable
        celery = [python, "-m", "celery", "-A", "hsim_project"]
        env = os.environ.copy()
        # Web, worker and Flower refuse a published SECRET_KEY: they share one kept in var/.
        env.setdefault("SECRET_KEY", local_secret_key(settings.VAR_DIR))
        if host not in ("127.0.0.1", "localhost", "::1") and "FLOWER_BASIC_AUTH" not in env:
            # Flower answers beyond this machine only behind a login: the admin's.
            env["FLOWER_BASIC_AUTH"] = f"{ADMIN_USERNAME}:{ADMIN_PASSWORD}"
        commands = {
            "web": [python, "manage.py", "runserver", "--noreload", "--insecure", f"{host}:{port}"],
            # One worker with the one embedded beat (DatabaseScheduler, from settings).
            "worker": celery + ["worker", "-B", "-E", "--loglevel=INFO", "--concurrency=2"],
            "flower": celery + ["flower", f"--address={host}", f"--port={flower_port}"],
        }
        return {
            name: subprocess.Popen(cmd, env=env, start_new_session=True)
            for name, cmd in commands.items()
        }

    def supervise(self, processes):
        # `kill` (SIGTERM) stops everything too, the same way as Ctrl-C.
        signal.signal(signal.SIGTERM, self.interrupt)
        try:
            while all(p.poll() is None for p in processes.values()):
                time.sleep(0.5)
            dead = [n for n, p in processes.items() if p.poll() is not None]
            self.stderr.write(f"{', '.join(dead)} exited; stopping the rest")
        except KeyboardInterrupt:
            self.stdout.write("\nstopping...")
        finally:
            for p in processes.values():
                if p.poll() is None:
                    os.killpg(p.pid, signal.SIGTERM)
            for p in processes.values():
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, signal.SIGKILL)
