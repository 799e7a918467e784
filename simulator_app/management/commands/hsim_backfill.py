"""Backfill a simulator's history: chunked, resumable, the same rows live ticks produce."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from ...models import Simulator
from ...services import backfill
from ...services.errors import ServiceError
from ...services.times import EXAMPLE, parse_time


def time_argument(name, value):
    """--start/--end by the one rule for times (services.times); CommandError(2) otherwise."""
    try:
        return parse_time(value)
    except ValueError as exc:
        raise CommandError(f"--{name}: {exc}", returncode=2) from None


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("simulator_id", type=int, help="the simulator's poller_id")
        parser.add_argument(
            "--start", required=True, help=f"ISO-8601, no offset meaning UTC ({EXAMPLE})"
        )
        parser.add_argument("--end", required=True, help="like --start, exclusive")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")
        parser.add_argument(
            "--chunked", action="store_true",
            help="commit every chunk even for a fresh simulator on PostgreSQL (slower, resumable"
            " mid-way); SQLite always commits in short chunks",
        )

    def handle(self, *args, simulator_id, start, end, no_progress, chunked, **options):
        try:
            simulator = Simulator.objects.get(poller_id=simulator_id)
            window = time_argument("start", start), time_argument("end", end)
            job = backfill.create_job(simulator, *window)
        except Simulator.DoesNotExist:
            raise CommandError(f"no simulator with id {simulator_id}", returncode=2) from None
        except (ServiceError, ValueError) as exc:
            raise CommandError(str(exc), returncode=2) from None
        first = backfill.progress(job)
        bar = tqdm(
            total=first.total_intervals, initial=first.done_intervals, unit="interval",
            disable=no_progress, desc=f"simulator {simulator_id}",
            mininterval=0, miniters=1,  # one update per committed chunk: show each of them
        )

        def on_chunk(job, rows):
            bar.update(backfill.progress(job).done_intervals - bar.n)

        try:
            result = backfill.run_job(job.id, on_chunk=on_chunk, whole=not chunked)
        except Exception as exc:
            raise CommandError(f"backfill stopped: {exc} (run the same command to resume)") from exc
        finally:
            bar.close()
        self.stdout.write(
            f"backfill {result.status}: {result.done_intervals} intervals, {result.rows} rows"
        )
