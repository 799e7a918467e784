"""A process doing on the embedded SQLite file what the running stack does next to a backfill.

Run as `python tests/e2e/sqlite_neighbour.py SIMULATOR_ID FOLDER`: it starts the simulator,
then until FOLDER/stop exists it ticks it (a real tick: values, `_current`, state, activity
log), saves the beat schedule entry as django-celery-beat's scheduler does, and reads what the
web pages read. After every round it writes {"ticks": n, "errors": [...]} to FOLDER/neighbour.json.
"""

import json
import os
import sys
import traceback
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hsim_project.settings")

import django  # noqa: E402

django.setup()

from django.utils import timezone  # noqa: E402
from django_celery_beat.models import PeriodicTask  # noqa: E402

from simulator_app.models import ActivityLog, Simulator, SimulatorState  # noqa: E402
from simulator_app.services import lifecycle, schedule, tick  # noqa: E402


def main(simulator_id, folder):
    simulator = Simulator.objects.get(poller_id=simulator_id)
    lifecycle.start(simulator, run_first_tick=False)
    # A clock of its own in the past, one interval further each round: every tick has one
    # interval to write, however fast the rounds go.
    now = timezone.now() - timedelta(days=20)
    ticks, errors = 0, []
    while not (folder / "stop").exists():
        now += timedelta(minutes=15)
        try:
            result = tick.run_tick(simulator_id, now=now)
            if result.outcome == "generated":
                ticks += 1
            elif result.outcome != "busy":
                errors.append(f"tick {result.outcome}: {result.error}")
            PeriodicTask.objects.filter(name=schedule.task_name(simulator_id)).update(
                last_run_at=timezone.now(), total_run_count=ticks)
            list(SimulatorState.objects.all())
            ActivityLog.objects.filter(simulator_id=simulator_id).count()
        except Exception:
            errors.append(traceback.format_exc())
        (folder / "neighbour.tmp").write_text(json.dumps({"ticks": ticks, "errors": errors}))
        (folder / "neighbour.tmp").replace(folder / "neighbour.json")
        if len(errors) > 20:
            break


if __name__ == "__main__":
    main(int(sys.argv[1]), Path(sys.argv[2]))
