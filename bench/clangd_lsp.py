"""Time clangd's background indexer over a compile_commands.json, beside `ootkg ingest`.

A minimal LSP client (JSON-RPC with Content-Length framing, stdlib only) starts
``clangd-19 --background-index``, opens one TU so clangd loads the compilation database
(that is what starts the background index), and waits until the background index reports
done: the ``$/progress`` ``end`` for token ``backgroundIndexProgress``. When clangd never
reports progress, it falls back to waiting until the index shards and clangd's CPU time
stop changing. Peak RSS is clangd's VmHWM (read from /proc just before shutdown), checked
against periodic VmRSS samples.

What the wall time covers: from spawning clangd to the last background-index progress
``end`` (process start-up, CDB load, loading shards from disk, checking every file's
digest, indexing the TUs that need it, writing their shards). It does not include
shutdown. The foreground parse of the opened TU runs in the same window on the same
``-j`` workers.

    python bench/clangd_lsp.py --cdb-dir DIR --open FILE [--edit FILE]   # cold, rerun, edit
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel

PROGRESS_TOKEN = "backgroundIndexProgress"
CANDIDATES = ("clangd-19", "/usr/lib/llvm-19/bin/clangd")


# --- framing -------------------------------------------------------------------------------


def encode(msg: dict[str, Any]) -> bytes:
    body = json.dumps(msg, separators=(",", ":")).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def read_message(stream: IO[bytes]) -> dict[str, Any] | None:
    """One JSON-RPC message from an LSP byte stream; None at end of stream."""
    length = None
    while True:
        line = stream.readline()
        if not line:
            return None
        line = line.rstrip(b"\r\n")
        if not line:
            if length is None:
                continue  # stray blank line between messages
            break
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    body = b""
    while len(body) < length:
        chunk = stream.read(length - len(body))
        if not chunk:
            return None
        body += chunk
    return json.loads(body)


# --- results -------------------------------------------------------------------------------


class IndexRun(BaseModel):
    scenario: str
    wall_s: float  # spawn -> last background-index progress end (or last shard change)
    peak_rss_mb: float  # VmHWM of clangd
    sampled_rss_mb: float  # largest VmRSS sample (every 0.5 s)
    done_by: str  # "progress-end" | "shards-quiet" | "timeout"
    progress_total: int  # largest M in the "N/M" progress reports (tasks, incl. the load task)
    tus_indexed: int  # "Indexed <file>" lines in clangd's log: TUs parsed by the indexer
    tus_incomplete: int  # "... index may be incomplete" lines: TUs with compile errors
    shards: int  # *.idx files in the index dir at the end (TUs and headers)
    opened_file_errors: int  # error diagnostics clangd published for the opened TU (-1: none)
    exit_code: int | None
    load1: float  # 1-minute load average when the index was done (the machine is shared)


def find_clangd() -> str | None:
    for c in CANDIDATES:
        p = shutil.which(c) or (c if Path(c).is_file() else None)
        if p:
            return p
    return None


def _status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except (OSError, ValueError, IndexError):
        return -1


def count_shards(index_dir: Path) -> int:
    return sum(1 for _ in index_dir.glob("*.idx")) if index_dir.is_dir() else 0


# --- client --------------------------------------------------------------------------------


class Clangd:
    """One clangd process driven over stdin/stdout."""

    def __init__(self, clangd: str, cdb_dir: Path, log_path: Path, jobs: int = 2) -> None:
        self.args = [
            clangd,
            "--background-index",
            f"--compile-commands-dir={cdb_dir}",
            f"-j={jobs}",
            "--background-index-priority=normal",
            "--log=info",
            "--enable-config=0",
        ]
        self.log_file = log_path.open("w")
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen(
            self.args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log_file, cwd=str(cdb_dir)
        )
        self.inbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.responses: dict[int, dict[str, Any]] = {}
        self.progress: list[tuple[float, str, str]] = []  # (t, kind, message)
        self.diagnostics: dict[str, list[dict[str, Any]]] = {}
        self._next_id = 0
        self._write_lock = threading.Lock()
        threading.Thread(target=self._reader, daemon=True).start()

    def _reader(self) -> None:
        assert self.proc.stdout is not None
        while (msg := read_message(self.proc.stdout)) is not None:
            self.inbox.put(msg)
        self.inbox.put(None)

    def send(self, msg: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        with self._write_lock:
            self.proc.stdin.write(encode({"jsonrpc": "2.0", **msg}))
            self.proc.stdin.flush()

    def request(self, method: str, params: Any) -> int:
        self._next_id += 1
        self.send({"id": self._next_id, "method": method, "params": params})
        return self._next_id

    def notify(self, method: str, params: Any) -> None:
        self.send({"method": method, "params": params})

    def pump(self, timeout: float) -> bool:
        """Handle messages for up to ``timeout`` s; False once clangd closed its stdout."""
        end = time.perf_counter() + timeout
        while True:
            left = end - time.perf_counter()
            try:
                msg = self.inbox.get(timeout=max(left, 0.001))
            except queue.Empty:
                return True
            if msg is None:
                return False
            self._handle(msg)
            if left <= 0:
                return True

    def _handle(self, msg: dict[str, Any]) -> None:
        method = msg.get("method")
        if method is None:
            self.responses[msg.get("id", -1)] = msg
        elif "id" in msg:  # a request from the server: acknowledge it
            result: Any = (
                [None] * len(msg.get("params", {}).get("items", [])) if method == "workspace/configuration" else None
            )
            self.send({"id": msg["id"], "result": result})
        elif method == "$/progress" and msg["params"].get("token") == PROGRESS_TOKEN:
            v = msg["params"]["value"]
            self.progress.append(
                (time.perf_counter() - self.t0, v.get("kind", ""), v.get("message") or v.get("title") or "")
            )
        elif method == "textDocument/publishDiagnostics":
            self.diagnostics[msg["params"]["uri"]] = msg["params"]["diagnostics"]

    def wait_response(self, rid: int, timeout: float) -> dict[str, Any] | None:
        end = time.perf_counter() + timeout
        while rid not in self.responses and time.perf_counter() < end:
            if not self.pump(0.2):
                break
        return self.responses.pop(rid, None)

    def close(self) -> int | None:
        try:
            if self.proc.poll() is None:
                rid = self.request("shutdown", None)
                self.wait_response(rid, 30)
                self.notify("exit", None)
            return self.proc.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
            return None
        finally:
            self.log_file.close()


def index_once(
    scenario: str,
    cdb_dir: Path,
    open_file: Path,
    *,
    clangd: str,
    index_dir: Path | None = None,
    jobs: int = 2,
    timeout: float = 3600,
    settle: float = 3.0,
    quiet: float = 30.0,
) -> IndexRun:
    """Start clangd, open ``open_file``, wait for the background index to finish, stop."""
    index_dir = index_dir or cdb_dir / ".cache" / "clangd" / "index"
    log_path = cdb_dir / f"clangd-{scenario.replace(' ', '-')}.log"
    c = Clangd(clangd, cdb_dir, log_path, jobs)
    done_by, done_at = "timeout", 0.0
    sampled = 0
    try:
        rid = c.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": open_file.parent.as_uri(),
                "capabilities": {"window": {"workDoneProgress": True}, "textDocument": {"publishDiagnostics": {}}},
            },
        )
        if c.wait_response(rid, 120) is None:
            raise RuntimeError(f"clangd did not answer initialize (log: {log_path})")
        c.notify("initialized", {})
        c.notify(
            "textDocument/didOpen",
            {
                "textDocument": {
                    "uri": open_file.as_uri(),
                    "languageId": "c",
                    "version": 1,
                    "text": open_file.read_text(errors="replace"),
                }
            },
        )
        pid = c.proc.pid
        last_shards, last_cpu, last_change = -1, -1, 0.0
        ended_at: float | None = None
        while True:
            alive = c.pump(0.5)
            now = time.perf_counter() - c.t0
            sampled = max(sampled, _status_kb(pid, "VmRSS"))
            kinds = [k for _, k, _ in c.progress]
            if kinds and kinds[-1] == "end":
                if ended_at is None or ended_at != c.progress[-1][0]:
                    ended_at = c.progress[-1][0]
                if now - ended_at >= settle:  # no new begin within `settle`: really done
                    done_by, done_at = "progress-end", ended_at
                    break
            shards, cpu = count_shards(index_dir), _cpu_ticks(pid)
            if (shards, cpu) != (last_shards, last_cpu):
                last_shards, last_cpu, last_change = shards, cpu, now
            elif not kinds and now - last_change >= quiet:
                done_by, done_at = "shards-quiet", last_change
                break
            if not alive or now >= timeout:
                done_at = now
                break
        hwm = _status_kb(pid, "VmHWM")
        load1 = os.getloadavg()[0]
    finally:
        code = c.close()
    log = log_path.read_text(errors="replace") if log_path.exists() else ""
    totals = [int(m.group(1)) for _, k, msg in c.progress if (m := re.search(r"/(\d+)", msg))]
    diags = c.diagnostics.get(open_file.as_uri())
    return IndexRun(
        scenario=scenario,
        wall_s=done_at,
        peak_rss_mb=max(hwm, sampled) / 1024,
        sampled_rss_mb=sampled / 1024,
        done_by=done_by,
        progress_total=max(totals, default=0),
        tus_indexed=len(re.findall(r"\] Indexed ", log)),
        tus_incomplete=len(re.findall(r"index may be incomplete", log)),
        shards=count_shards(index_dir),
        opened_file_errors=-1 if diags is None else sum(1 for d in diags if d.get("severity") == 1),
        exit_code=code,
        load1=load1,
    )


def scenarios(
    cdb_dir: Path, open_file: Path, edit_file: Path, *, clangd: str, jobs: int = 2, log: Callable[[str], None] = print
) -> list[IndexRun]:
    """Cold (no index dir), nothing changed (same index, second start), one .c edited (a
    comment appended to ``edit_file`` between two starts)."""
    shutil.rmtree(cdb_dir / ".cache" / "clangd", ignore_errors=True)
    runs = []
    for scenario in ("cold", "nothing changed", "one .c edited"):
        if scenario == "one .c edited":
            with edit_file.open("a") as f:
                f.write("\n/* bench: clangd edit */\n")
        r = index_once(scenario, cdb_dir, open_file, clangd=clangd, jobs=jobs)
        log(f"clangd {scenario}: {r.model_dump_json()}")
        runs.append(r)
    return runs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cdb-dir", type=Path, required=True)
    ap.add_argument("--open", type=Path, required=True, help="TU to open (and edit, unless --edit)")
    ap.add_argument("--edit", type=Path, default=None)
    ap.add_argument("-j", type=int, default=2)
    a = ap.parse_args()
    clangd = find_clangd()
    if clangd is None:
        raise SystemExit("clangd-19 not found (apt-get install clangd-19)")
    scenarios(a.cdb_dir.resolve(), a.open.resolve(), (a.edit or a.open).resolve(), clangd=clangd, jobs=a.j)


if __name__ == "__main__":
    main()
