import pytest

from simulator_app.storage import (
    PostgresValueDatabase,
    SqliteValueDatabase,
    open_value_database,
    open_value_databases,
)


@pytest.mark.parametrize("url, path", [
    ("sqlite:///var/hsim.sqlite3", "var/hsim.sqlite3"),
    ("sqlite:////work/main/var/hsim.sqlite3", "/work/main/var/hsim.sqlite3"),
    ("sqlite:///:memory:", ":memory:"),
])
def test_it_opens_sqlite_urls_like_dj_database_url(url, path):
    db = open_value_database("embedded", url, primary=True)

    assert isinstance(db, SqliteValueDatabase) and db.path == path and db.primary


@pytest.mark.parametrize("url", ["postgresql://postgres@127.0.0.1:5432/hsim",
                                 "postgres://u:p@db/hsim?sslmode=disable",
                                 "host=127.0.0.1 dbname=hsim user=postgres"])
def test_it_opens_postgres_urls_and_conninfo_without_connecting(url):
    db = open_value_database("main", url)

    assert isinstance(db, PostgresValueDatabase) and db.url == url and not db.primary


@pytest.mark.parametrize("url", ["default", "mysql://x/y", "", "sqlite://"])
def test_it_rejects_unresolved_or_unsupported_urls(url):
    with pytest.raises(ValueError, match="main"):
        open_value_database("main", url)


def test_it_opens_the_setting_list():
    dbs = open_value_databases([
        {"key": "default", "url": "sqlite:///:memory:", "primary": True},
        {"key": "archive", "url": "postgresql://postgres@127.0.0.1/archive"},
    ])

    assert [(d.key, d.primary, d.kind) for d in dbs] == [("default", True, "sqlite"),
                                                         ("archive", False, "postgresql")]
