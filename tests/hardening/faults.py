"""What the fault tests break things with: processes that kill themselves mid-write, and a cable to pull.

The killers subclass the real recorder and projector and add nothing but the kill, at the
worst moment: the rows are written, the transaction is not yet committed.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
from typing import Any, Sequence

from sqlalchemy import Connection

from domain.chain import ChainedSQLiteRecorder, chained_postgres_recorder
from projections.decoding import Change
from projections.orders import OrdersProjector

DIE = "PEISONG_TEST_DIE"


def die_if_told(moment: str) -> None:
    if os.environ.get(DIE) == moment:
        os.kill(os.getpid(), signal.SIGKILL)


class DyingSQLiteRecorder(ChainedSQLiteRecorder):
    def _extend_chain(self, c: Any) -> None:
        super()._extend_chain(c)
        die_if_told("in-save")


class DyingPostgresRecorder(chained_postgres_recorder()):  # type: ignore[misc]
    def _extend_chain(self, curs: Any, new: list[Any]) -> None:
        super()._extend_chain(curs, new)
        die_if_told("in-save")


class DyingOrdersProjector(OrdersProjector):
    def apply(self, conn: Connection, changes: Sequence[Change]) -> None:
        super().apply(conn, changes)
        die_if_told("in-projection")


class Cable:
    """A TCP forwarder to a database that can be unplugged (connections cut, port closed) and plugged back."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self.plug()

    def plug(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(32)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def unplug(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            sockets, self._sockets = self._sockets, []
        if listener is not None:
            listener.close()
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # unplugged
            try:
                server = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
