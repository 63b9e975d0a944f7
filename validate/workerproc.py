"""One worker process of a ``validate.workers.WorkerPool``: JSON lines over pipes, its CPU
time and resident memory from /proc, its priority; and what a worker calls at start."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any


class WorkerProcess:
    """One worker process and its line-buffered stdout."""

    def __init__(self, argv: list[str], config: dict[str, Any], cwd: str, env: dict[str, str] | None) -> None:
        self.p = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=cwd,
            close_fds=True,
            env=env,
        )
        self.buf = b""
        self.send(config)

    def send(self, obj: Any) -> None:
        assert self.p.stdin is not None
        self.p.stdin.write((json.dumps(obj) + "\n").encode())
        self.p.stdin.flush()

    def recv(self, deadline: float, check: Callable[[], str | None] | None = None) -> Any:
        """The next line as JSON; TimeoutError at ``deadline``, EOFError if the process
        ended, or ``Stop(why)`` when ``check`` (polled every 0.1 s) returns a reason."""
        assert self.p.stdout is not None
        fd = self.p.stdout.fileno()
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            ready, _, _ = select.select([fd], [], [], min(left, 0.1) if check else left)
            if not ready:
                why = check() if check else None
                if why:
                    raise Stop(why)
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                raise EOFError
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return json.loads(line)

    def rss_mb(self) -> float:
        try:
            with open(f"/proc/{self.p.pid}/statm") as f:
                return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
        except (OSError, ValueError, IndexError):
            return 0.0

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the process has used."""
        try:
            with open(f"/proc/{self.p.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / _TICKS
        except (OSError, ValueError, IndexError):
            return 0.0

    def set_priority(self, nice: int) -> bool:
        try:
            os.setpriority(os.PRIO_PROCESS, self.p.pid, nice)
            return True
        except OSError:
            return False

    def kill(self) -> None:
        try:
            self.p.kill()
        except OSError:
            pass
        try:
            self.p.wait(5)
        except subprocess.TimeoutExpired:
            pass
        for f in (self.p.stdin, self.p.stdout):
            try:
                f.close()  # type: ignore[union-attr]
            except OSError:
                pass


class Stop(Exception):
    pass


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def die_with_parent() -> None:
    """In a worker: be killed when the process that started it dies (Linux)."""
    if sys.platform != "linux":
        return
    import ctypes
    import signal

    try:
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
