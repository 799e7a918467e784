"""An optional record of every send beat makes: `HSIM_BEAT_SEND_LOG=/path/file`.

One line per send: `<sent at, unix s> <grid point, unix s or -> <task id> <entry name>`. The
fleet benchmark and the end-to-end beat test read it to measure lateness (sent minus grid
point) and to count sends per grid point (a doubled task-interval shows as two lines). Off by
default; a line costs a buffered write.
"""

from django.conf import settings


class SendLog:
    def __init__(self, path=None):
        if path is None:
            path = getattr(settings, "HSIM_BEAT_SEND_LOG", "")
        self._file = open(path, "a", buffering=1 << 16) if path else None

    def record(self, sent_at, grid_point, task_id, name):
        if self._file is not None:
            point = f"{grid_point:.3f}" if grid_point is not None else "-"
            self._file.write(f"{sent_at:.3f} {point} {task_id or '-'} {name}\n")

    def flush(self):
        if self._file is not None:
            self._file.flush()


def read(path):
    """[(sent_at, grid_point or None, task_id, name)] from a send log."""
    rows = []
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split(" ", 3)
            if len(parts) == 4:
                sent, point, task_id, name = parts
                rows.append((float(sent), None if point == "-" else float(point), task_id, name))
    return rows
