"""The one way ingest runs a function of its own process in a child: ``fork``, the answer
(and progress) pickled back through a pipe. Two users:

- the heavy middle of a full ingest (``run``), so that it leaves nothing in the process that
  then builds the store;
- the C delta's second parser (``start``, then ``Child.result``): half of an edited file's
  parses run in a child while this process does the other half. The child inherits the
  loaded libclang and walker (~10 ms to start; a fresh interpreter would take ~1 s).

The parse workers of a full run are a ``multiprocessing`` pool instead (``ingest.c.plan.plan.
LazyPool``): many tasks over two long-lived workers started from a fork server, which is what
a pool is for; a forked copy of this process would carry everything the run holds.

Why: the sources allocate hundreds of thousands of small objects (records, then graph rows)
among a few that live on (caches, module objects, progress state). CPython's allocator
returns memory to the OS only by whole 1 MiB arenas, so when the rows are freed most of
those pages stay with the process, and the store build (~190 MB for Ladybug to open a
graph and COPY into it) comes on top: a 520-530 MB peak for one version, measured. The
child does the sources, the merge and the store's staging (``GraphStore.prepare_replace``),
then exits; the parent, which never held the rows, loads what was staged.

Linux only (fork with the libraries here is not safe on macOS); elsewhere, and with
``OOTKG_INGEST_FORK=0``, the same function runs in this process (for the delta: after this
process's own half).
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import pickle
import signal
import sys
import traceback
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
ProgressFn = Callable[[str, int, int], None]


class ChildDied(RuntimeError):
    """The child ended without an answer (killed, or crashed in native code)."""


def can_fork() -> bool:
    from kg.envconf import env_values

    return sys.platform == "linux" and hasattr(os, "fork") and env_values().get("ingest_fork", "1") != "0"


def run(fn: Callable[[ProgressFn], T], progress: ProgressFn) -> T:
    """``fn(progress)`` in a forked child when possible, else here. Progress calls are relayed
    to ``progress`` in this process; the child's exception is raised here."""
    child = start(fn)
    return fn(progress) if child is None else child.result(progress)


class Child:
    """A forked child running a function; ``result`` waits for its answer."""

    def __init__(self, pid: int, read_fd: int) -> None:
        self.pid, self.read_fd = pid, read_fd

    def result(self, progress: ProgressFn = lambda *_: None) -> Any:
        """The function's return value (its progress calls relayed to ``progress`` until
        then); its exception is raised here. Ctrl-C or a failing ``progress`` ends the child."""
        answer: tuple[str, Any] | None = None
        try:
            with os.fdopen(self.read_fd, "rb") as inp:
                while True:
                    try:
                        msg = pickle.load(inp)
                    except EOFError:
                        break
                    if msg[0] == "progress":
                        progress(*msg[1])
                    else:
                        answer = msg
                        break
        except BaseException:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGTERM)
            _reap(self.pid)
            raise
        status = _reap(self.pid)
        if answer is None:
            raise ChildDied(
                f"the ingest's worker process ended without an answer ({_status(status)}); the graph is unchanged"
            )
        if answer[0] == "error":
            raise answer[1]
        return answer[1]


def start(fn: Callable[[ProgressFn], Any]) -> Child | None:
    """``fn(progress)`` started in a forked child; None where this process cannot fork (the
    caller then runs ``fn`` itself)."""
    if not can_fork():
        return None
    read_fd, write_fd = os.pipe()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    with warnings.catch_warnings():  # 3.12+: "multi-threaded, fork() may deadlock"; the
        warnings.simplefilter("ignore", DeprecationWarning)  # child uses no other thread's locks
        pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_fd)
        _child(fn, os.fdopen(write_fd, "wb"))
    os.close(write_fd)
    return Child(pid, read_fd)


def _child(fn: Callable[[ProgressFn], Any], out: Any) -> None:
    code = 0
    try:
        _die_with_parent()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        # this process waits for its own children (the parse workers' server): not an
        # inherited handler that reaps any child, nor SIG_IGN, which leaves none to wait for
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        _own_forkserver()

        def progress(task: str, done: int, total: int) -> None:
            pickle.dump(("progress", (task, done, total)), out)
            out.flush()

        try:
            answer: tuple[str, Any] = ("ok", fn(progress))
        except BaseException as e:  # noqa: BLE001 - handed to the parent, raised there
            if not isinstance(e, KeyboardInterrupt | SystemExit):  # where it came from
                e.add_note(
                    "in the ingest's child process:\n"
                    + "".join(traceback.format_exception(type(e), e, e.__traceback__)).rstrip()
                )
            answer = ("error", e)
        try:
            data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 - an unpicklable error: its text, then
            err = answer[1]
            data = pickle.dumps(("error", RuntimeError(f"{type(err).__name__}: {err}")))
        out.write(data)
        out.flush()
    except BaseException:  # noqa: BLE001 - the parent is gone (broken pipe) or similar
        code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)  # no atexit handlers, no finalizers of objects the parent owns


def _own_forkserver() -> None:
    """Forget the parent's multiprocessing fork server (a process that ingested before, e.g. a
    test session, has one): the worker pool would try to use it and fail to wait for a
    process that is not this one's child. The next pool starts a server of this process."""
    from multiprocessing import forkserver

    srv = getattr(forkserver, "_forkserver", None)
    if srv is None or getattr(srv, "_forkserver_pid", None) is None:
        return
    fd = getattr(srv, "_forkserver_alive_fd", None)
    if fd is not None:
        with contextlib.suppress(OSError):
            os.close(fd)  # this process's copy; the parent keeps its own
    for attr in ("_forkserver_pid", "_forkserver_address", "_forkserver_alive_fd", "_forkserver_authkey"):
        if hasattr(srv, attr):
            setattr(srv, attr, None)


def _die_with_parent() -> None:
    """SIGKILL this child when its parent dies (prctl PR_SET_PDEATHSIG), so a killed ingest
    leaves no orphan writing on."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG


def _reap(pid: int) -> int | None:
    """The child's wait status; None when something else in this process reaped it first (a
    SIGCHLD handler, e.g. an asyncio child watcher, that waits for any child)."""
    try:
        return os.waitpid(pid, 0)[1]
    except ChildProcessError:
        return None


def _status(status: int | None) -> str:
    if status is None:
        return "its exit status was collected elsewhere"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            return f"killed by {signal.Signals(sig).name}"
        except ValueError:
            return f"killed by signal {sig}"
    return f"exit code {os.WEXITSTATUS(status)}"
