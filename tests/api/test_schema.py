"""The OpenAPI schema validates and is served, with Swagger UI on local assets."""

import re
from io import StringIO

import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client

EXPECTED_PATHS = {
    "/org/{org_id}/poller": {"get"},
    "/poller/{poller_id}": {"get"},
    "/poller": {"get", "post"},
    "/bulk/value": {"post"},
    "/simulator/state/{id}": {"get", "post"},
    "/simulator/start/{id}": {"post"},
    "/simulator/stop/{id}": {"post"},
    "/simulator/reset/{id}": {"post"},
    "/simulator/health/{id}": {"get"},
    "/simulator/activity/{id}": {"get"},
    "/simulator/metrics/{id}": {"get"},
    "/api/simulators/": {"get", "post"},
    "/api/simulators/{poller_id}/": {"get", "delete"},
    "/healthz": {"get"},
}


def test_the_schema_validates_without_warnings(db, tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target),
                 stdout=StringIO(), stderr=StringIO())
    schema = yaml.safe_load(target.read_text())
    for path, methods in EXPECTED_PATHS.items():
        assert methods <= set(schema["paths"][path]), path


def test_every_operation_documents_its_errors_in_the_one_shape(db):
    schema = yaml.safe_load(Client().get("/api/schema/").content)
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if path == "/healthz":
                continue
            codes = set(operation["responses"])
            assert "401" in codes, (method, path)
            for code in codes - {"200", "201", "202", "204"}:
                if code == "503" and "health" in path:
                    continue  # a health report (unhealthy), not an error
                ref = operation["responses"][code]["content"]["application/json"]["schema"]
                assert ref == {"$ref": "#/components/schemas/Error"}, (method, path, code)


def test_the_schema_is_served_without_authentication(db):
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "hsim API"


def test_swagger_ui_is_served_from_local_assets(db):
    page = Client().get("/api/docs/").content.decode()
    assets = re.findall(r'"/static/(drf_spectacular_sidecar/[^"]+)"', page)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets), page
    for asset in assets:
        assert finders.find(asset), asset  # shipped in the package, found by collectstatic
    for cdn in ("cdn.jsdelivr", "unpkg.com", "cdnjs"):
        assert cdn not in page


def test_collected_static_files_are_served_without_debug(db, tmp_path, monkeypatch):
    from django.urls import get_resolver

    static = next(p for p in get_resolver().url_patterns if "static" in str(p.pattern))
    monkeypatch.setitem(static.default_args, "document_root", str(tmp_path))
    (tmp_path / "ui.js").write_text("console.log('ok')")
    assert b"".join(Client().get("/static/ui.js").streaming_content) == b"console.log('ok')"
    refused = Client().get("/static/../settings.py")
    assert refused.status_code == 400 and refused.json()["detail"] == "Bad request."
