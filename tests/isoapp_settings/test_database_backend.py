"""isoapp.postgresql: a kept connection is checked at the start of a request without a query,
and a connection the server ended is still found and replaced (PostgreSQL only)."""

import time

import psycopg
import pytest
from django.db import DatabaseError, connection, connections

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the backend is PostgreSQL's: runs in CI there"
    ),
]


@pytest.fixture
def kept():
    """A second connection to the test database, as a gunicorn worker keeps one between
    requests."""
    other = connections.create_connection("default")
    other.ensure_connection()
    yield other
    other.close()


def start_of_request(conn):
    """What Django does before a request's first query with CONN_HEALTH_CHECKS."""
    conn.close_if_unusable_or_obsolete()
    conn.close_if_health_check_failed()


def last_statement(pid):
    with connection.cursor() as cursor:
        cursor.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0]


def test_the_backend_is_isoapps_with_health_checks_on():
    assert connection.settings_dict["ENGINE"] == "isoapp.postgresql"
    assert connection.health_check_enabled


def test_a_quiet_kept_connection_is_checked_without_a_round_trip(kept):
    with kept.cursor() as cursor:
        cursor.execute("SELECT 'the last request'")
    raw, pid = kept.connection, kept.connection.info.backend_pid
    for _ in range(3):
        start_of_request(kept)
        assert kept.connection is raw
    # Django's own check would have sent `SELECT 1`: the server saw nothing after the request.
    assert last_statement(pid) == "SELECT 'the last request'"
    with kept.cursor() as cursor:
        cursor.execute("SELECT 2")
        assert cursor.fetchone() == (2,)


def test_a_connection_the_server_ended_is_replaced_before_the_next_query(kept):
    old = kept.connection
    pid = old.info.backend_pid
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    deadline = time.monotonic() + 5
    while kept.is_usable() and time.monotonic() < deadline:  # the goodbye is on its way
        time.sleep(0.01)
    start_of_request(kept)
    assert kept.connection is None or kept.connection is not old
    with kept.cursor() as cursor:  # a new connection: the reader's request goes through
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid


def test_after_a_failed_query_a_new_connection_prepares_its_statements_again(kept):
    """A migration that changes a column a prepared query returns makes PostgreSQL refuse that
    prepared statement on every connection that has it; `SELECT 1` still works there. The
    connection is replaced at the end of the request, and the next request's query runs."""
    params = kept.get_connection_params()
    admin = psycopg.connect(
        **{key: params[key] for key in ("dbname", "user", "host", "port") if params.get(key)},
        autocommit=True,
    )
    admin.execute("CREATE TABLE isoapp_prepared_probe (value integer)")
    admin.execute("INSERT INTO isoapp_prepared_probe VALUES (1)")
    query = "SELECT value FROM isoapp_prepared_probe WHERE value >= %s"
    try:
        for _ in range(8):  # prepared from the fifth run (DJANGO_DB_PREPARE_THRESHOLD)
            with kept.cursor() as cursor:
                cursor.execute(query, [0])
        admin.execute("ALTER TABLE isoapp_prepared_probe ALTER COLUMN value TYPE bigint")
        refused = pytest.raises(DatabaseError, match="cached plan must not change result type")
        with refused, kept.cursor() as cursor:
            cursor.execute(query, [0])
        kept.close_if_unusable_or_obsolete()  # the end of that request
        start_of_request(kept)
        with kept.cursor() as cursor:
            cursor.execute(query, [0])
            assert cursor.fetchall() == [(1,)]
    finally:
        admin.execute("DROP TABLE isoapp_prepared_probe")
        admin.close()
