"""Generate a building's data for [start, end) as CSV on stdout (no database needed).

    ts,point,value_n,value_b,value_s,status

`ts` is ISO-8601 UTC ending in Z, `point` the key hsim_points prints; Number points fill
value_n, Bool points value_b (true/false); dropped-out rows are absent. With --labels the
fault ground truth is written instead:

    fault,entity,start,end,severity,point,magnitude,mode

the fields of the labels API (services.labels.label_fields; empty where it answers null).
"""

import json
from pathlib import Path

import numpy as np
from django.core.management.base import BaseCommand, CommandError

from ... import engine
from ...engine.clock import iso, window
from ...services.labels import label_fields
from ...services.config_files import load_state_file
from ...services.times import EXAMPLE
from .hsim_backfill import time_argument
from .hsim_points import load_spec, quiet_on_closed_pipe

CHUNK_DAYS = 31  # generate and write a month at a time: memory stays flat for long windows


def read_state(path):
    if path is None:
        return None
    try:
        return load_state_file(path)
    except ValueError as exc:
        raise CommandError(f"--state-in: {exc}", returncode=2) from None


class Command(BaseCommand):
    help = "Generate [start, end) of a building's data as CSV (or its fault labels)."

    def add_arguments(self, parser):
        parser.add_argument("--config", help="building spec, JSON or YAML (default building)")
        parser.add_argument(
            "--start", required=True, help=f"ISO-8601, no offset meaning UTC ({EXAMPLE})"
        )
        parser.add_argument("--end", required=True, help="like --start, exclusive")
        parser.add_argument("--seed", type=int, help="override the spec's seed")
        parser.add_argument("--state-in", help="engine state JSON to continue from")
        parser.add_argument("--state-out", help="write the engine state after `end` here")
        parser.add_argument("--labels", action="store_true", help="write fault labels instead")
        parser.add_argument("--anomalies", action="store_true",
                            help="with --labels: the data-quality anomalies too (drift, stale,"
                            " dropout, outage), as the labels API's ?anomalies=true")

    @quiet_on_closed_pipe
    def handle(self, *args, config=None, start, end, seed=None, state_in=None, state_out=None,
               labels=False, anomalies=False, **options):
        if anomalies and not labels:
            raise CommandError("--anomalies goes with --labels", returncode=2)
        spec = load_spec(config, seed)
        start, end = time_argument("start", start), time_argument("end", end)
        try:
            if labels:
                # Faults only unless asked, as the labels API answers by default.
                return self.write_labels(engine.labels(spec, start, end, anomalies=anomalies))
            t0, t1 = window(start, end, spec.interval_seconds)
            state = read_state(state_in) or engine.initial_state(spec)
            self.stdout.write("ts,point,value_n,value_b,value_s,status")
            step = CHUNK_DAYS * 86400
            for chunk_start in range(t0, t1, step):
                chunk_end = min(chunk_start + step, t1)
                batch, state = engine.generate(spec, state, chunk_start, chunk_end)
                self.write_rows(batch)
        except ValueError as exc:
            raise CommandError(str(exc), returncode=2) from None
        if state_out:
            Path(state_out).write_text(json.dumps(state.to_dict(), allow_nan=False))

    def write_labels(self, labels):
        self.stdout.write("fault,entity,start,end,severity,point,magnitude,mode")
        for label in labels:
            extra = label_fields(label)
            cells = ["" if extra[k] is None else str(extra[k])
                     for k in ("severity", "point", "magnitude", "mode")]
            self.stdout.write(
                f"{label.fault},{label.entity},{iso(label.start)},{iso(label.end)},"
                + ",".join(cells))

    def write_rows(self, batch):
        prefixes = [f",{key}," for key in batch.points]
        is_bool = [kind == engine.KIND_BOOL for kind in batch.kinds]
        statuses = engine.STATUSES
        for k, t in enumerate(batch.ts):
            stamp = iso(t)
            values, status = batch.values[k].tolist(), batch.status[k].tolist()
            lines = [
                f"{stamp}{prefixes[p]}"
                f"{(',true,' if values[p] else ',false,') if is_bool[p] else f'{values[p]!r},,'}"
                f",{statuses[status[p]]}"
                for p in np.flatnonzero(batch.present[k]).tolist()
            ]
            if lines:
                self.stdout.write("\n".join(lines))
