"""`hsim_run --host` beyond loopback: the web server answers the names it is reached by
(Django answered 400 to any Host but localhost's), unless ALLOWED_HOSTS says otherwise."""

from simulator_app.management.commands.hsim_run import allowed_hosts

DEFAULTS = ["localhost", "127.0.0.1", "[::1]", "testserver"]


def test_a_wildcard_address_answers_any_name():
    assert allowed_hosts("0.0.0.0", DEFAULTS) == ["*"]
    assert allowed_hosts("::", DEFAULTS) == ["*"]


def test_a_given_address_is_added_to_the_defaults():
    assert allowed_hosts("192.0.2.7", DEFAULTS) == DEFAULTS + ["192.0.2.7"]
    assert allowed_hosts("fd00::7", DEFAULTS) == DEFAULTS + ["fd00::7", "[fd00::7]"]


def test_loopback_keeps_the_defaults():
    assert allowed_hosts("127.0.0.1", DEFAULTS) == DEFAULTS
