"""Solver processes: PyVRP's search holds the GIL, so plans solved side by side, and the API serving requests
meanwhile, each need a process of their own.

The processes live as long as this one and solve one recorded request after another (a new
process must import its parent's main module, which in a server costs seconds: paid once,
not per plan). A solve sends its progress and then its one answer down the process's pipe
in order, so every progress report of a plan arrives before its result. A solve that is
abandoned (shutdown, or the plan was discarded meanwhile) ends its process; a fresh one
takes its place when next needed.
"""

from __future__ import annotations

import atexit
import multiprocessing
import queue
import threading
import time
import warnings
from multiprocessing.connection import Connection
from typing import Any, Callable, Mapping, Sequence

from pyvrp.exceptions import PenaltyBoundWarning

from domain.planning import solve_recorded

ProgressHandler = Callable[[str, int, "int | None", float], None]  # phase, iterations, best objective, seconds


class SolveFailed(RuntimeError):
    """The solver raised, or its process died, before answering."""


class SolveStopped(RuntimeError):
    """The caller stopped waiting (shutting down); the solve was ended."""


def _serve(conn: Connection) -> None:
    """A solver process: one recorded request after another until its parent closes the pipe."""
    # PyVRP warns when it struggles to find a feasible plan; the plan says so itself (orders left out, and why).
    warnings.filterwarnings("ignore", category=PenaltyBoundWarning)
    while True:
        try:
            record, seed, time_limit_s, max_iterations, progress_every = conn.recv()
        except (EOFError, OSError):
            return
        last = [float("-inf")]

        def progress(report: Any) -> None:
            now = time.monotonic()
            if now - last[0] >= progress_every:
                last[0] = now
                conn.send(("progress", report.phase, report.iterations, report.best_objective, report.elapsed_s))

        try:
            result = solve_recorded(record, seed=seed, time_limit_s=time_limit_s, max_iterations=max_iterations,
                                    progress=progress)
        except Exception as error:  # the caller records why planning failed
            conn.send(("error", f"{type(error).__name__}: {error}"))
        else:
            conn.send(("result", result))


class SolverProcess:
    def __init__(self, context: Any) -> None:
        self.conn, theirs = context.Pipe(duplex=True)
        # Not a daemon: a big plan is split over processes of its own (solver.decompose).
        self.process = context.Process(target=_serve, args=(theirs,), name="peisong-solver")
        self.process.start()
        theirs.close()

    def end(self) -> None:
        self.conn.close()
        self.process.join(timeout=1)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout=5)


class SolverPool:
    """Idle solver processes, started on demand and shared by every planning worker of this process."""

    def __init__(self) -> None:
        self._idle: queue.LifoQueue[SolverProcess] = queue.LifoQueue()
        self._all: set[SolverProcess] = set()
        self._lock = threading.Lock()
        self._context: Any = None

    def _take(self) -> SolverProcess:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            if self._context is None:
                self._context = multiprocessing.get_context("forkserver")
                self._context.set_forkserver_preload(["domain.planning"])
            process = SolverProcess(self._context)
            self._all.add(process)
            return process

    def _drop(self, process: SolverProcess) -> None:
        with self._lock:
            self._all.discard(process)
        process.end()

    def solve(
        self,
        record: Mapping[str, Any],
        *,
        seed: int,
        time_limit_s: float | None = None,
        max_iterations: int | Sequence[Sequence[Any]] | None = None,
        progress_every: float = 2.0,
        on_progress: ProgressHandler | None = None,
        stop: threading.Event | None = None,
    ) -> dict[str, Any]:
        """`domain.planning.solve_recorded` in a solver process; progress handed to `on_progress` as it comes.

        An exception from `on_progress` (the plan was discarded meanwhile, say) ends the solve and propagates.
        """
        process = self._take()
        finished = False
        try:
            try:
                process.conn.send((dict(record), seed, time_limit_s, max_iterations, progress_every))
            except (OSError, ValueError):
                raise SolveFailed("the solver process is gone") from None
            while True:
                if stop is not None and stop.is_set():
                    raise SolveStopped("stopped while solving")
                if not process.conn.poll(0.1):
                    if not process.process.is_alive() and not process.conn.poll(0):
                        raise SolveFailed(f"the solver process died (exit code {process.process.exitcode})")
                    continue
                try:
                    message = process.conn.recv()
                except (EOFError, OSError):
                    raise SolveFailed(f"the solver process died (exit code {process.process.exitcode})") from None
                if message[0] == "progress":
                    if on_progress is not None:
                        on_progress(*message[1:])
                    continue
                finished = True
                if message[0] == "result":
                    return message[1]
                raise SolveFailed(message[1])
        finally:
            if finished:
                self._idle.put(process)
            else:
                self._drop(process)  # mid-solve: its answer would go to nobody

    def close(self) -> None:
        with self._lock:
            processes, self._all = list(self._all), set()
        for process in processes:
            process.end()


_pool = SolverPool()
# Before multiprocessing's own exit handler joins every child: the idle ones wait for work that never comes.
atexit.register(_pool.close)


def solve_in_child(record: Mapping[str, Any], **options: Any) -> dict[str, Any]:
    """Solve a recorded request in one of this process's solver processes (see `SolverPool.solve`)."""
    return _pool.solve(record, **options)
