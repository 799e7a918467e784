"""The embedded default: set up, then run every process hsim needs on this machine."""

import os
import signal
import subprocess
import sys
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand

from ...services.demo import ADMIN_PASSWORD, ADMIN_USERNAME, ensure_admin_user, ensure_demo_org


class Command(BaseCommand):
    help = "Migrate, create the demo org and admin login, and serve hsim (Ctrl-C stops it)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--setup-only", action="store_true", help="set up and exit without serving"
        )

    def handle(self, *args, host, port, setup_only, **options):
        call_command("migrate", interactive=False, verbosity=0)
        ensure_admin_user()
        org = ensure_demo_org()
        self.stdout.write(f"demo org '{org.key}' (id {org.id}) ready")
        if setup_only:
            return
        processes = self.start_processes(host, port)
        self.stdout.write(
            f"\n  admin:  http://{host}:{port}/admin/  (login {ADMIN_USERNAME} / {ADMIN_PASSWORD})\n"
            "  Ctrl-C stops everything.\n"
        )
        self.supervise(processes)

    def start_processes(self, host, port):
        python = sys.executable
        commands = {
            "web": [python, "manage.py", "runserver", "--noreload", f"{host}:{port}"],
        }
        return {
            name: subprocess.Popen(cmd, env=os.environ.copy(), start_new_session=True)
            for name, cmd in commands.items()
        }

    def supervise(self, processes):
        try:
            while all(p.poll() is None for p in processes.values()):
                time.sleep(0.5)
            dead = [n for n, p in processes.items() if p.poll() is not None]
            self.stderr.write(f"stopped: {', '.join(dead)} exited; shutting down the rest")
        except KeyboardInterrupt:
            self.stdout.write("\nstopping...")
        finally:
            for p in processes.values():
                if p.poll() is None:
                    os.killpg(p.pid, signal.SIGTERM)
            for p in processes.values():
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, signal.SIGKILL)
