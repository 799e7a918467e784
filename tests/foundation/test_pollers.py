import threading

import pytest
from django.db import connection

from simulator_app.models import Org, PollerConfig
from simulator_app.services.pollers import PollerError, create_poller


@pytest.fixture
def org(clean_core):
    return Org.objects.create(name="Org A", key="orga", value_table="values_orga", schema_name="orga")


def test_concurrent_poller_creation_never_duplicates_a_poller_id(org):
    ids, errors = [], []
    barrier = threading.Barrier(8)

    def create(n):
        try:
            barrier.wait()
            for i in range(5):
                ids.append(create_poller(org, "simulator", f"sim {n}.{i}", {}).poller_id)
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(ids) == 40 and len(set(ids)) == 40
    assert PollerConfig.objects.count() == 40


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"config": "{not json"}, "config"),
        ({"config": "[1, 2]"}, "config"),
        ({"status": "sleeping"}, "status"),
    ],
)
def test_bad_poller_input_is_refused_and_nothing_is_created(org, kwargs, field):
    args = {"config": {}, "status": "active", **kwargs}
    with pytest.raises(PollerError) as info:
        create_poller(org, "simulator", "bad", args["config"], status=args["status"])
    assert info.value.field == field
    assert PollerConfig.objects.count() == 0


def test_config_is_stored_as_json_text(org):
    poller = create_poller(org, "bacnet", "gw", '{"b": 2, "a": 1}')
    poller.refresh_from_db()
    assert poller.config == '{"a": 1, "b": 2}'
    assert poller.config_dict == {"a": 1, "b": 2}
