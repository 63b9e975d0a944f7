"""Ports for the servers tests start in a process of their own (`ootkg serve`, `ootkg review
serve`). The port is chosen before the server binds it, so another process on the machine
may take it in between: then the server fails to bind and exits, or another server answers
on that port. The starters pick a new port when the bind failed (`bind_failed`) and talk to
the port only once their own process listens on it (`listens`). (A server in the test's own
process gets a socket bound here instead: tests/test_validate_service.py.)"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from bench.proctree import tree

ATTEMPTS = 5


def free_port() -> int:
    """A port nothing listens on now (free until someone binds it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bind_failed(output: str) -> bool:
    """Whether a server's output says its port was taken (uvicorn: errno 98)."""
    return "address already in use" in output.lower()


def listens(pid: int, port: int) -> bool | None:
    """Whether ``pid`` or one of its descendants listens on TCP ``port``; None where
    /proc cannot tell (not Linux)."""
    if not Path("/proc/self/net/tcp").exists():
        return None
    inodes: set[str] = set()
    for p in tree(pid):
        try:
            fds = os.listdir(f"/proc/{p}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                link = os.readlink(f"/proc/{p}/fd/{fd}")
            except OSError:
                continue
            if link.startswith("socket:["):
                inodes.add(link[len("socket:[") : -1])
    for table in ("tcp", "tcp6"):
        try:
            lines = Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()  # sl local rem st tx:rx tr:when retrnsmt uid timeout inode
            if f[3] == "0A" and int(f[1].rsplit(":", 1)[1], 16) == port and f[9] in inodes:
                return True
    return False
