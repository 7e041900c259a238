"""Running the solver in a process of its own: PyVRP's search holds the GIL, so plans solved side by side, and the
API process serving requests meanwhile, each need their own process.

One child per solve, forked from a forkserver that has already imported the solver (so a
child starts in milliseconds, and the API process's threads are never forked). The child
sends progress and then its one answer down a pipe in order, so every progress report of a
plan arrives before its result.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from multiprocessing.connection import Connection
from typing import Any, Callable, Mapping, Sequence

from domain.planning import solve_recorded

ProgressHandler = Callable[[str, int, "int | None", float], None]  # phase, iterations, best objective, seconds

_lock = threading.Lock()
_context: Any = None


class SolveFailed(RuntimeError):
    """The solver raised, or its process died, before answering."""


class SolveStopped(RuntimeError):
    """The caller stopped waiting (shutting down); the child was ended."""


def _forkserver() -> Any:
    global _context
    with _lock:
        if _context is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["__main__", "domain.planning"])
            _context = context
        return _context


def _solve_child(
    conn: Connection, record: Mapping[str, Any], seed: int, time_limit_s: float | None,
    max_iterations: int | Sequence[Sequence[Any]] | None, progress_every: float,
) -> None:
    last = [float("-inf")]

    def progress(report: Any) -> None:
        now = time.monotonic()
        if now - last[0] >= progress_every:
            last[0] = now
            conn.send(("progress", report.phase, report.iterations, report.best_objective, report.elapsed_s))

    try:
        result = solve_recorded(record, seed=seed, time_limit_s=time_limit_s, max_iterations=max_iterations,
                                progress=progress)
        conn.send(("result", result))
    except BaseException as error:  # the parent records why planning failed
        conn.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        conn.close()


def solve_in_child(
    record: Mapping[str, Any],
    *,
    seed: int,
    time_limit_s: float | None = None,
    max_iterations: int | Sequence[Sequence[Any]] | None = None,
    progress_every: float = 2.0,
    on_progress: ProgressHandler | None = None,
    stop: threading.Event | None = None,
) -> dict[str, Any]:
    """`domain.planning.solve_recorded` in a child process; progress handed to `on_progress` as it comes.

    An exception from `on_progress` (the plan was discarded meanwhile, say) ends the child and propagates.
    """
    context = _forkserver()
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(
        target=_solve_child, args=(sending, dict(record), seed, time_limit_s, max_iterations, progress_every),
        name="peisong-plan",
    )
    child.start()
    sending.close()
    try:
        while True:
            if stop is not None and stop.is_set():
                raise SolveStopped("stopped while solving")
            if not receiving.poll(0.1):
                if not child.is_alive() and not receiving.poll(0):
                    raise SolveFailed(f"the planning process ended without an answer (exit code {child.exitcode})")
                continue
            try:
                message = receiving.recv()
            except EOFError:
                raise SolveFailed(f"the planning process ended without an answer (exit code {child.exitcode})") \
                    from None
            if message[0] == "progress":
                if on_progress is not None:
                    on_progress(*message[1:])
            elif message[0] == "result":
                return message[1]
            else:
                raise SolveFailed(message[1])
    finally:
        receiving.close()
        child.join(timeout=2)
        if child.is_alive():
            child.terminate()
            child.join(timeout=5)
