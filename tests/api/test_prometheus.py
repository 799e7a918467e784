"""/metrics: Prometheus text that parses, whose figures move when a tick runs; staff, the
metrics token or HSIM_METRICS_PUBLIC only."""

from datetime import timedelta

from django.test import Client, override_settings
from prometheus_client.parser import text_string_to_metric_families

from simulator_app.models import BackfillJob
from simulator_app.services.simulators import create_simulator

from .conftest import SMALL_BUILDING, assert_error, make_user
from .readings import END, START, generate


def scrape(client, **headers):
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.content.decode())
            for s in family.samples}


def staff_client():
    client = Client()
    client.force_login(make_user("root", staff=True))
    return client


def figure(samples, name, simulator, **labels):
    want = {"simulator": str(simulator.poller_id), "org": simulator.org.key,
            "name": simulator.poller_name, **labels}
    return samples.get((name, tuple(sorted(want.items()))))


def test_figures_move_when_a_tick_runs(org):
    simulator = create_simulator(org, "Annex", SMALL_BUILDING, 15)
    client = staff_client()
    before = scrape(client)
    assert figure(before, "hsim_simulator_ticks_total", simulator) == 0
    assert figure(before, "hsim_simulator_status", simulator, status="stopped") == 1
    generate(simulator, START, START + timedelta(minutes=15))
    generate(simulator, START + timedelta(minutes=15), END)
    after = scrape(client)
    assert figure(after, "hsim_simulator_ticks_total", simulator) == 2
    assert figure(after, "hsim_simulator_rows_written_total", simulator) > 24 * 60
    assert figure(after, "hsim_simulator_intervals_generated_total", simulator) == 24
    assert figure(after, "hsim_simulator_tick_duration_seconds_count", simulator) == 2
    assert figure(after, "hsim_simulator_tick_duration_seconds_bucket", simulator,
                  le="+Inf") == 2
    assert figure(after, "hsim_simulator_tick_duration_seconds_sum", simulator) > 0
    assert figure(after, "hsim_simulator_lag_seconds", simulator) > 0
    assert figure(after, "hsim_simulator_last_run_timestamp_seconds", simulator) == (
        END - timedelta(minutes=15)).timestamp()
    db_status = after[("hsim_value_database_status", tuple(sorted({
        "org": org.key, "database": "default", "primary": "true", "status": "ok"}.items())))]
    assert db_status == 1


def test_backfill_progress_is_exposed(org):
    simulator = create_simulator(org, "Annex", SMALL_BUILDING, 15)
    job = BackfillJob.objects.create(simulator=simulator, start=START, end=END,
                                     cursor=START + (END - START) / 4, rows_written=123)
    samples = scrape(staff_client())
    assert figure(samples, "hsim_backfill_progress_ratio", simulator, job=str(job.id)) == 0.25
    assert figure(samples, "hsim_backfill_rows_written_total", simulator) == 123


def test_only_staff_the_token_or_a_public_setting_may_scrape(org):
    assert_error(Client().get("/metrics"), 401)
    member = Client()
    member.force_login(make_user("member", org))
    assert_error(member.get("/metrics"), 403)
    with override_settings(HSIM_METRICS_TOKEN="s3cret-token"):
        scrape(Client(), HTTP_AUTHORIZATION="Bearer s3cret-token")
        assert_error(Client().get("/metrics", HTTP_AUTHORIZATION="Bearer wrong"), 401)
    with override_settings(HSIM_METRICS_PUBLIC=True):
        scrape(Client())


def test_a_lagging_secondary_shows_in_the_database_status(org, tmp_path):
    simulator = create_simulator(org, "Annex", SMALL_BUILDING, 15)
    databases = [{"key": "default", "url": "default", "primary": True},
                 {"key": "mirror", "url": "postgresql://nobody@127.0.0.1:1/none",
                  "primary": False}]
    with override_settings(HSIM_VALUE_DATABASES=databases):
        generate(simulator, START, START + timedelta(minutes=15))  # the mirror is down
        samples = scrape(staff_client())

    def status(database, value, primary):
        return samples.get(("hsim_value_database_status", tuple(sorted({
            "org": org.key, "database": database, "primary": primary,
            "status": value}.items()))))

    assert status("default", "ok", "true") == 1
    assert status("mirror", "ok", "false") == 0
    assert 1 in (status("mirror", "error", "false"), status("mirror", "lagging", "false"))
