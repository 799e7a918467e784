"""The labels endpoint refuses a repeated start/end (or anomalies) with a 400 naming the
parameter, as the history endpoint does, instead of silently taking the last one."""

import pytest

from .conftest import assert_error


@pytest.mark.parametrize("name, values", [
    ("start", ["2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z"]),
    ("end", ["2026-03-03T00:00:00Z", "2026-03-04T00:00:00Z"]),
    ("anomalies", ["true", "false"]),
])
def test_a_repeated_parameter_is_a_400_naming_it(api, simulator, name, values):
    params = {"start": "2026-03-01T00:00:00Z", "end": "2026-03-05T00:00:00Z", name: values}
    response = api.get(f"/simulator/labels/{simulator.poller_id}", params)
    body = assert_error(response, 400, field=name)
    assert body["errors"][name] == ["give it once"]


def test_history_answers_a_repeated_start_the_same_way(api, simulator):
    params = {"start": ["2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z"],
              "end": "2026-03-05T00:00:00Z"}
    labels = api.get(f"/simulator/labels/{simulator.poller_id}", params)
    history = api.get(f"/simulator/history/{simulator.poller_id}", params)
    assert labels.status_code == history.status_code == 400
    assert labels.json()["errors"] == history.json()["errors"]


def test_single_parameters_still_answer(api, simulator):
    response = api.get(f"/simulator/labels/{simulator.poller_id}",
                       {"start": "2026-03-01T00:00:00Z", "end": "2026-03-02T00:00:00Z"})
    assert response.status_code == 200, response.content
    assert response.json()["labels"] == []
