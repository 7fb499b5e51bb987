"""Django's PostgreSQL backend, with a connection health check that costs no round trip.

With CONN_HEALTH_CHECKS, Django checks a kept connection before the first query of each request
by sending `SELECT 1` (`is_usable`). On the bench that round trip was about 0.1 ms of a cached
article page's 1.2 ms (bench/RESULTS.md), paid on every request to learn that nothing happened.

A connection that sits idle between requests has nothing to read. A server that ends it (a
restart or failover, `pg_terminate_backend`, `idle_session_timeout`) sends an error and closes
the socket, and the socket becomes readable. So an idle connection whose socket is quiet is
usable, and one `poll` system call says so. A socket with something to read, or a connection
that is not idle, gets Django's own check, which reads what arrived.

What neither check can see quickly is a connection dropped silently in between (a middlebox
that forgets it without a word): Django's `SELECT 1` would wait for TCP to give up, and here the
request's own query does. CONN_MAX_AGE (60 s by default) keeps connections short-lived.
"""

import select

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
        except (OSError, ValueError):
            return False
        if events:  # the server said something, or hung up: let Django's check read it
            return super().is_usable()
        return True
