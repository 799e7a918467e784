"""hsim's own /bulk/value client (storage.BulkValueHttpWriter) against hsim's live server:
the contract both sides implement, over real HTTP."""

from datetime import datetime, timezone

import pytest

from simulator_app.storage import BulkValueHttpWriter, PermissionDeniedError, ValueRows

from .conftest import client_for, make_user
from .test_bulk_values import make_entities, stored

pytestmark = pytest.mark.usefixtures("clean_core")


def test_the_http_writer_posts_batches_that_the_api_accepts(live_server, unique_key):
    from simulator_app.services.orgs import create_org
    from simulator_app.services.tokens import issue_token

    org = create_org(unique_key("http"))
    user = make_user("poller", org)
    token = issue_token(user)
    entities = make_entities(org, 4)
    t0 = int(datetime(2026, 3, 2, tzinfo=timezone.utc).timestamp()) * 1_000_000
    rows = ValueRows(
        [e for e in entities for _ in range(30)],
        [t0 + i * 900_000_000 for _ in entities for i in range(30)],
        value_n=[float(i) for i in range(120)],
    )
    writer = BulkValueHttpWriter(live_server.url, token, batch_size=50)
    try:
        assert writer.write(org.id, rows) == 120  # three batches, many timestamps each
        foreign = make_entities(create_org(unique_key("http")), 1)
        with pytest.raises(PermissionDeniedError, match="not visible"):
            writer.write(org.id, ValueRows([foreign[0]], [t0]))
    finally:
        writer.close()
    assert len(stored(org)) == 120
    assert client_for(user).get("/api/orgs/").status_code == 200
