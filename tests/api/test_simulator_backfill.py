"""/simulator/backfill/{id}: queue a backfill job for the Celery task, list the jobs."""

import datetime as _dt

import pytest

from simulator_app.models import BackfillJob
from simulator_app.services import backfill

from .conftest import assert_error

# Days inside the history horizon (HSIM_HISTORY_HORIZON_DAYS counts back from today): fixed
# dates would fall out of it as time passes.
_TODAY = _dt.datetime.now(_dt.timezone.utc).date()
D1, D2, D3 = ((_TODAY - _dt.timedelta(days=n)).isoformat() for n in (3, 2, 1))


def url(simulator):
    return f"/simulator/backfill/{simulator.poller_id}"


def test_it_queues_a_backfill_job_after_commit(api, simulator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = api.post(url(simulator), {"start": f"{D1}T00:00:00Z",
                                             "end": f"{D1}T06:00:00Z"}, format="json")
    assert response.status_code == 202, response.content
    job = BackfillJob.objects.get(pk=response.json()["id"])
    assert (job.simulator_id, job.status) == (simulator.poller_id, "pending")
    assert response.json()["end"].startswith(f"{D1}T06:00:00")
    assert len(queued) == 1  # the task is sent only once the job is committed
    # What the task will do, done here: the job completes and the listing shows it.
    assert backfill.run_job(job.id).status == "done"
    listed = api.get(url(simulator)).json()["results"]
    assert listed[0]["id"] == job.id and listed[0]["status"] == "done"
    assert listed[0]["rows_written"] > 24 * 10  # every point of 24 intervals, bar dropouts


@pytest.mark.parametrize(
    "body, field",
    [
        ({"start": f"{D1}T06:00:00Z", "end": f"{D1}T00:00:00Z"}, "end"),
        ({"start": "yesterday", "end": f"{D1}T00:00:00Z"}, "start"),
        ({"end": f"{D1}T00:00:00Z"}, "start"),
        ({"start": "1900-01-01T00:00:00Z", "end": f"{D1}T00:00:00Z"}, "start"),
    ],
)
def test_a_bad_backfill_window_is_a_400_and_creates_nothing(api, simulator, body, field):
    response = api.post(url(simulator), body, format="json")
    assert_error(response, 400, field=field)
    assert not BackfillJob.objects.exists()


def test_another_orgs_simulator_is_a_404(clients, simulator):
    response = clients["outsider"].post(url(simulator), {"start": f"{D1}T00:00:00Z",
                                                      "end": f"{D1}T06:00:00Z"},
                                     format="json")
    assert response.status_code == 404
    assert not BackfillJob.objects.exists()


def test_the_router_queues_and_lists_backfills_too(api, simulator):
    base = f"/api/simulators/{simulator.poller_id}/backfill/"
    response = api.post(base, {"start": f"{D1}T00:00:00Z", "end": f"{D1}T01:00:00Z"},
                        format="json")
    assert response.status_code == 202, response.content
    assert [job["id"] for job in api.get(base).json()["results"]] == [response.json()["id"]]


def test_asking_again_for_a_queued_window_queues_no_second_chain_of_tasks(
        api, simulator, django_capture_on_commit_callbacks):
    body = {"start": f"{D1}T00:00:00Z", "end": f"{D1}T06:00:00Z"}
    with django_capture_on_commit_callbacks(execute=False) as queued:
        first = api.post(url(simulator), body, format="json")
        again = api.post(url(simulator), body, format="json")  # still pending
        BackfillJob.objects.filter(pk=first.json()["id"]).update(status=BackfillJob.RUNNING)
        running = api.post(url(simulator), body, format="json")  # a slice at work
    assert first.status_code == again.status_code == running.status_code == 202
    assert first.json()["id"] == again.json()["id"] == running.json()["id"]
    assert len(queued) == 1  # one task, not one per request
    # A failed job (expired: its task lost) asked for again is queued again.
    BackfillJob.objects.filter(pk=first.json()["id"]).update(
        status=BackfillJob.FAILED, error_message="expired")
    with django_capture_on_commit_callbacks(execute=False) as requeued:
        after_failure = api.post(url(simulator), body, format="json")
    assert after_failure.status_code == 202 and after_failure.json()["status"] == "pending"
    assert after_failure.json()["id"] == first.json()["id"] and len(requeued) == 1
