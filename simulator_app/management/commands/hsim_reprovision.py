"""Re-provision simulators: write each one's catalogue (entities and tags) again, so tags an
hsim upgrade changed reach its existing points. Idempotent: a second run changes nothing.

    hsim_reprovision --all            every active simulator of an enabled org
    hsim_reprovision 12 15 ...        these simulators (poller_ids)

One line per simulator, then a summary. Exit status 2 on bad input (nothing done), 1 when a
simulator could not be re-provisioned (busy, or an error: the others are still done).
"""

from django.core.management.base import BaseCommand, CommandError

from ...models import Simulator
from ...services.errors import ServiceError
from ...services.simulators import reprovision


def describe(changes):
    parts = [f"{changes[k]} {label}" for k, label in (
        ("added", "entities added"), ("disabled", "entities disabled"),
        ("tags_added", "tags written"), ("tags_disabled", "tags disabled")) if changes[k]]
    return ", ".join(parts) if parts else "unchanged"


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("ids", nargs="*", type=int, help="simulators' poller_ids")
        parser.add_argument("--all", action="store_true",
                            help="every active simulator of an enabled org")
        parser.add_argument("--wait", type=int, default=30,
                            help="seconds to wait for a simulator a tick holds (default 30)")

    def handle(self, *args, ids, all, wait, **options):
        simulators = self.selection(ids, all)
        if wait < 0:
            raise CommandError("--wait must be 0 or more seconds", returncode=2)
        changed = unchanged = 0
        failed = []
        total = len(simulators)
        for n, simulator in enumerate(simulators, 1):
            label = f"[{n}/{total}] simulator {simulator.poller_id} ({simulator.poller_name})"
            try:
                changes = reprovision(simulator, wait_seconds=wait)
            except ServiceError as exc:  # busy
                failed.append(simulator.poller_id)
                self.stdout.write(f"{label}: not re-provisioned: {exc}")
                continue
            except Exception as exc:  # its spec no longer parses, the database failed...
                failed.append(simulator.poller_id)
                self.stdout.write(f"{label}: failed: {type(exc).__name__}: {exc}")
                continue
            text = describe(changes)
            changed, unchanged = (changed + 1, unchanged) if text != "unchanged" else (
                changed, unchanged + 1)
            self.stdout.write(f"{label}: {text}")
        summary = f"re-provisioned {total - len(failed)} of {total} simulator(s):" \
                  f" {changed} changed, {unchanged} unchanged"
        if failed:
            raise CommandError(f"{summary}; failed: {', '.join(map(str, failed))} (run again"
                               " for those)", returncode=1)
        self.stdout.write(summary)

    def selection(self, ids, every):
        if every and ids:
            raise CommandError("give simulator ids or --all, not both", returncode=2)
        if not every and not ids:
            raise CommandError("name the simulators to re-provision (ids) or give --all",
                               returncode=2)
        active = Simulator.objects.select_related("org").filter(
            status="active", org__disabled_ts__isnull=True).order_by("poller_id")
        if every:
            return list(active)
        found = {s.poller_id: s for s in active.filter(poller_id__in=ids)}
        missing = [i for i in dict.fromkeys(ids) if i not in found]
        if missing:
            raise CommandError(
                f"no active simulator of an enabled org with id {', '.join(map(str, missing))}"
                " (nothing re-provisioned)", returncode=2)
        return [found[i] for i in dict.fromkeys(ids)]
