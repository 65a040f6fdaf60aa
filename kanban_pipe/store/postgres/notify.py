"""Live boards across machines: LISTEN for the server's change notices in a thread.

Every committed change on the pipeline's tables sends a NOTIFY (a trigger, see
postgres.schema); this thread holds one connection that listens, and counts the notices
of other sessions, so the board's once-a-second look at `version` never asks the server.
When the connection drops (a server restart, the network) it says so in `problem`, tries
again by itself, and on success counts one change more so the board catches up.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable

import psycopg

from kanban_pipe.store.postgres.connection import ServerAddress, connect
from kanban_pipe.store.postgres.schema import CHANNEL

_WAIT_S = 0.5  # how often the thread looks whether it should stop
_RETRY_S = (0.5, 2.0)  # the first and the longest pause between reconnection attempts


class ChangeListener:
    """Counts other sessions' committed changes to the pipeline in `schema`."""

    def __init__(self, address: ServerAddress, schema: str,
                 own_sessions: Callable[[], set[int]]) -> None:
        self.address = address
        self.schema = schema
        self.own_sessions = own_sessions
        self.version = 0
        self.problem = ""
        self._stop = threading.Event()
        self._listening = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kanban-pipe-listen",
                                        daemon=True)

    def start(self) -> None:
        """Start listening (returns once the first LISTEN is in place, or has failed)."""
        self._thread.start()
        self._listening.wait(timeout=10)

    def stop(self) -> None:
        """Stop the thread (within about half a second)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        pause = _RETRY_S[0]
        lost = False
        while not self._stop.is_set():
            try:
                conn = connect(self.address)
            except Exception as error:  # any failure means: not reachable now
                self._report(error)
                lost = True
                self._stop.wait(pause + random.uniform(0, pause / 2))
                pause = min(pause * 2, _RETRY_S[1])
                continue
            try:
                conn.execute(f"LISTEN {CHANNEL}")
                if lost:
                    self.version += 1  # whatever happened meanwhile: read it all again
                self.problem, lost, pause = "", False, _RETRY_S[0]
                self._listening.set()
                self._listen(conn)
            except psycopg.Error as error:
                self._report(error)
                lost = True
            finally:
                conn.close()

    def _listen(self, conn: psycopg.Connection[object]) -> None:
        while not self._stop.is_set():
            for notice in conn.notifies(timeout=_WAIT_S):
                schema, _, pid = notice.payload.rpartition(" ")
                if schema == self.schema and (not pid.isdigit()
                                              or int(pid) not in self.own_sessions()):
                    self.version += 1
            if conn.broken or conn.closed:
                raise psycopg.OperationalError("the connection was lost")

    def _report(self, error: BaseException) -> None:
        """Say once, in one line, that the server is out of reach (the detail is logged
        nowhere: it may be long, and the line is what a board shows)."""
        del error
        self.problem = (f"Lost the connection to {self.address.label} at "
                        f"{time.strftime('%H:%M')}: reconnecting by itself; what you type "
                        "is kept")
        self._listening.set()
