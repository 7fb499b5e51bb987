"""Django's PostgreSQL backend, with a connection health check that costs no round trip, and a
fresh connection after a failed query.

THE HEALTH CHECK. With CONN_HEALTH_CHECKS, Django checks a kept connection before the first
query of each request by sending `SELECT 1` (`is_usable`). On the bench that round trip was
about 0.1 ms of a cached article page's 1.2 ms (bench/RESULTS.md), paid on every request to
learn that nothing happened.

A connection that sits idle between requests has nothing to read. A server that ends it (a
restart, `pg_terminate_backend`, `idle_session_timeout`, a shutdown before a failover) sends an
error and closes the socket, and the socket becomes readable. So an idle connection whose socket
is quiet is usable, and one `poll` system call says so. A socket with something to read, or a
connection that is not idle, gets Django's own check, which reads what arrived.

What the poll can't see is a connection dropped without a word: a host that vanished, or a NAT
or load balancer that forgot an idle connection and answers the next packet with a reset.
Django's `SELECT 1` would have met that reset and reconnected; here the request's own query
meets it and the reader gets the error page once. CONN_MAX_AGE (60 s by default) ends every
connection well before common idle timeouts (AWS NAT 350 s, Azure 4 minutes): keep it short.

AFTER A FAILED QUERY the connection is closed at the end of the request instead of checked.
Its prepared statements (DJANGO_DB_PREPARE_THRESHOLD) may be what failed: after a migration
changes a column a prepared query returns, PostgreSQL refuses it ("cached plan must not change
result type") on every connection that prepared it, while `SELECT 1` still works. A new
connection prepares again. Errors are rare, and a reconnect costs a few milliseconds.
"""

import select

import psycopg
from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        if connection.info.transaction_status != TransactionStatus.IDLE:
            return super().is_usable()
        poller = select.poll()
        try:
            poller.register(connection.fileno(), select.POLLIN | select.POLLPRI)
            events = poller.poll(0)
        except (OSError, ValueError, psycopg.Error):
            return False
        if events:  # the server said something, or hung up: let Django's check read it
            return super().is_usable()
        return True

    def close_if_unusable_or_obsolete(self):
        if self.connection is not None and self.errors_occurred:
            self.close()
            return
        super().close_if_unusable_or_obsolete()
