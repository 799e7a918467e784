"""/metrics counters are kept incrementally: a scrape reads only log rows after its checkpoint
(at most HSIM_METRICS_SCAN_ROWS), and the figures equal the sums over the whole log."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from simulator_app.models import ActivityLog
from simulator_app.services import metrics_counters, prometheus_metrics
from simulator_app.services.activity import log_event
from simulator_app.services.clock import database_now
from simulator_app.services.simulators import create_simulator

from tests.api.conftest import SMALL_BUILDING


@pytest.fixture(autouse=True)
def no_checkpoint(db):
    metrics_counters.forget_checkpoint()
    yield
    metrics_counters.forget_checkpoint()


def tick(simulator, rows=100, intervals=1, duration_ms=40.0, **extra):
    return log_event(simulator.poller_id, "generation", "tick", rows=rows, intervals=intervals,
                     duration_ms=duration_ms, **extra)


def settle(*entries, age=timedelta(hours=1)):
    """Make log rows old enough for the checkpoint to move over them: the log's end as a
    scrape noted it `age` ago, by the database's clock."""
    saved = metrics_counters.load_checkpoint()
    top = max(e.id for e in entries)
    saved["seen"] = sorted(saved.get("seen", []) + [[top, (database_now() - age).timestamp()]],
                           key=lambda note: note[1])
    metrics_counters.save_checkpoint(saved)


def logged_by_a_skewed_worker(entry, skew):
    """The row as a worker whose clock is `skew` off the database's inserts it."""
    ActivityLog.objects.filter(id=entry.id).update(created_at=database_now() + skew)


def whole_log(simulator):
    """The figures summed over the whole log, as every scrape did before."""
    figures = metrics_counters.aggregate(
        ActivityLog.objects.filter(simulator_id=simulator.poller_id))
    return metrics_counters.as_dicts(figures).get(simulator.poller_id)


def figures_of(simulator):
    return metrics_counters.log_figures().get(simulator.poller_id)


def scrape():
    text = generate_latest(prometheus_metrics.registry).decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def sample(samples, name, simulator, **labels):
    want = {"simulator": str(simulator.poller_id), "org": simulator.org.key,
            "name": simulator.poller_name, **labels}
    return samples.get((name, tuple(sorted(want.items()))))


def test_it_reports_the_sums_of_the_whole_log_across_checkpoints(org):
    a = create_simulator(org, "A", SMALL_BUILDING, 15)
    b = create_simulator(org, "B", SMALL_BUILDING, 15)
    old = [tick(a, rows=70, duration_ms=30), tick(a, rows=140, intervals=2, duration_ms=300),
           tick(b, rows=70, duration_ms=7000),
           log_event(a.poller_id, "error", "boom"),
           log_event(a.poller_id, "gap_fill", "backfill", rows=5, duration_ms=1,
                     backfill_job=1),  # backfills are counted apart
           log_event(a.poller_id, "start", "started")]
    settle(*old)
    first = scrape()
    new = [tick(a, rows=70, duration_ms=20), log_event(b.poller_id, "error", "boom")]
    assert figures_of(a) == whole_log(a)
    assert figures_of(b) == whole_log(b)
    settle(*new)
    second = scrape()

    assert sample(first, "hsim_simulator_ticks_total", a) == 2
    assert sample(first, "hsim_simulator_rows_written_total", a) == 210
    assert sample(first, "hsim_simulator_intervals_generated_total", a) == 3
    assert sample(first, "hsim_simulator_errors_total", a) == 1
    assert sample(first, "hsim_simulator_tick_duration_seconds_bucket", a, le="0.05") == 1
    assert sample(first, "hsim_simulator_tick_duration_seconds_sum", a) == pytest.approx(0.33)
    assert sample(first, "hsim_simulator_tick_duration_seconds_bucket", b, le="5.0") == 0
    assert sample(first, "hsim_simulator_tick_duration_seconds_bucket", b, le="10.0") == 1
    assert sample(second, "hsim_simulator_ticks_total", a) == 3
    assert sample(second, "hsim_simulator_rows_written_total", a) == 280
    assert sample(second, "hsim_simulator_errors_total", b) == 1
    assert figures_of(a) == whole_log(a)
    assert figures_of(b) == whole_log(b)


def test_rows_behind_the_checkpoint_are_not_read_again(org):
    simulator = create_simulator(org, "A", SMALL_BUILDING, 15)
    first = tick(simulator, rows=70)
    settle(first)
    assert figures_of(simulator)["rows"] == 70  # the checkpoint moves over it
    # Were the row summed again, the next scrape would see this.
    ActivityLog.objects.filter(id=first.id).update(
        details={"rows": 10**9, "intervals": 1, "duration_ms": 40.0})
    tick(simulator, rows=30)
    assert figures_of(simulator)["rows"] == 100


def test_recent_rows_are_counted_but_not_checkpointed(org):
    simulator = create_simulator(org, "A", SMALL_BUILDING, 15)
    recent = tick(simulator, rows=70)  # its transaction may yet meet lower ids: not settled
    assert figures_of(simulator)["rows"] == 70
    ActivityLog.objects.filter(id=recent.id).update(
        details={"rows": 71, "intervals": 1, "duration_ms": 40.0})
    assert figures_of(simulator)["rows"] == 71  # read again: it was not checkpointed


def test_one_scrape_reads_at_most_the_scan_limit_and_the_next_ones_catch_up(org):
    simulator = create_simulator(org, "A", SMALL_BUILDING, 15)
    settle(*[tick(simulator, rows=10) for _ in range(5)])
    with override_settings(HSIM_METRICS_SCAN_ROWS=2):
        seen = [figures_of(simulator)["runs"] for _ in range(4)]
    assert seen == [2, 4, 5, 5]
    assert figures_of(simulator) == whole_log(simulator)


def test_a_checkpoint_whose_log_went_back_is_counted_again(org):
    simulator = create_simulator(org, "A", SMALL_BUILDING, 15)
    entries = [tick(simulator, rows=10), tick(simulator, rows=20)]
    settle(*entries)
    assert figures_of(simulator)["rows"] == 30
    # A restored or truncated log: the row at the checkpoint's id is another row now.
    ActivityLog.objects.filter(id=entries[-1].id).update(
        created_at=timezone.now() - timedelta(hours=2),
        details={"rows": 5, "intervals": 1, "duration_ms": 40.0})
    assert figures_of(simulator)["rows"] == 15
    assert figures_of(simulator) == whole_log(simulator)


def test_rows_of_a_worker_behind_the_database_clock_are_not_checkpointed_while_recent(org):
    """A worker two hours behind stamps a row just inserted as two hours old: it is still
    recent, and its transaction may yet meet lower ids."""
    simulator = create_simulator(org, "A", SMALL_BUILDING, 15)
    recent = tick(simulator, rows=70)
    logged_by_a_skewed_worker(recent, -timedelta(hours=2))
    assert figures_of(simulator)["rows"] == 70
    ActivityLog.objects.filter(id=recent.id).update(
        details={"rows": 71, "intervals": 1, "duration_ms": 40.0})
    assert figures_of(simulator)["rows"] == 71  # read again: it was not checkpointed


def test_rows_of_a_worker_ahead_of_the_database_clock_settle_like_any_other(org):
    """A worker two hours ahead stamps its rows in the future: they settle (and the rows after
    them) by the database's clock, not two hours late."""
    simulator = create_simulator(org, "A", SMALL_BUILDING, 15)
    ahead = tick(simulator, rows=70)
    logged_by_a_skewed_worker(ahead, timedelta(hours=2))
    after = tick(simulator, rows=30)
    settle(ahead, after)
    assert figures_of(simulator)["rows"] == 100
    ActivityLog.objects.filter(id__in=[ahead.id, after.id]).update(
        details={"rows": 10**9, "intervals": 1, "duration_ms": 40.0})
    assert figures_of(simulator)["rows"] == 100  # both behind the checkpoint
