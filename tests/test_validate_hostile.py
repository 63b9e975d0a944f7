"""The hostile corpus, over the real socket: `ootkg serve` in a subprocess (under strace
where it exists), on the golden graph and the minidecomp fixture."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests import ports
from tests.golden.graph import load_store

MINI = Path(__file__).parent / "fixtures" / "minidecomp"
STRACE = shutil.which("strace")
BOMB = "".join(f"#define M{i}(x) M{i + 1}(x) M{i + 1}(x)\n" for i in range(40)) + "#define M40(x) x\nint z = M0(1);\n"
ENV_CANARY = "CANARY_ENV_9c41"
FILE_CANARY = "CANARY_FILE_77ab"


class Served:
    """``ootkg serve`` in a subprocess; ``trace``: under strace -f (opens logged)."""

    def __init__(self, tmp: Path, db: Path, *args: str, trace: bool = False, env: dict[str, str] | None = None) -> None:
        self.env = dict(os.environ, OOTKG_CACHE_DIR=str(tmp / "cache"), **(env or {}))
        self.env.pop("OOTKG_API_TOKEN", None) if "OOTKG_API_TOKEN" not in (env or {}) else None
        for _ in range(ports.ATTEMPTS):  # again on another port if this one was taken
            self.port = ports.free_port()
            self.url = f"http://127.0.0.1:{self.port}"
            self.log = tmp / f"strace-{self.port}.log"
            cmd = [
                sys.executable,
                "-m",
                "ootkg.cli",
                "--db",
                str(db),
                "serve",
                "--port",
                str(self.port),
                "--decomp",
                str(MINI),
                *args,
            ]
            if trace:  # -ff: a file per process (no interleaved, unfinished lines)
                cmd = [STRACE, "-ff", "-qq", "-e", "trace=open,openat,execve", "-o", str(self.log), *cmd]
            self.proc = subprocess.Popen(
                cmd, cwd=str(tmp), env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
            )
            if self._answers():
                return
        raise RuntimeError("serve found no free port")

    def _answers(self) -> bool:
        """True once this server answers on its port; False if the port was taken."""
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                out = self.proc.stdout.read()  # type: ignore[union-attr]
                if ports.bind_failed(out):
                    return False
                raise RuntimeError(f"serve exited: {out}")
            try:  # (another process may answer on the port until ours fails to bind it)
                if (
                    httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200
                    and ports.listens(self.proc.pid, self.port) is not False
                ):
                    return True
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError("serve did not start")

    def server_pid(self) -> int:
        """The server's pid (under strace, strace's child)."""
        if self.proc.args[0] != STRACE:
            return self.proc.pid
        kids = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True).stdout.split()
        return int(kids[0]) if kids else self.proc.pid

    def stop(self) -> float:
        """SIGTERM to the server; seconds until it (and its workers, and strace) ended."""
        t0 = time.monotonic()
        if self.proc.poll() is None:
            os.kill(self.server_pid(), signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return time.monotonic() - t0

    def health(self) -> dict:
        return httpx.get(f"{self.url}/healthz", timeout=10).json()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    store = load_store(tmp)
    db = store.dir
    store.close()
    (tmp / ".env").write_text(f"SOME_SECRET={ENV_CANARY}\n")
    canary = tmp_path_factory.mktemp("secret") / "canary.h"
    canary.write_text(f"int {FILE_CANARY};\n")
    return tmp, db, canary


@pytest.fixture(scope="module")
def served(world):
    tmp, db, _ = world
    s = Served(
        tmp,
        db,
        "--compile-timeout",
        "3",
        "--header-timeout",
        "1.5",
        "--body-timeout",
        "1.5",
        "--workers",
        "2",
        trace=STRACE is not None,
    )
    yield s
    s.stop()


def _post(url: str, body: dict, timeout: float = 60, **kw) -> httpx.Response:
    return httpx.post(f"{url}/v1/validate", json=body, timeout=timeout, **kw)


BYPASSES = [  # the issue's, with {C} for the canary's path
    'int leak[] = {\n#/**/include "{C}"\n};',
    '/**/#include "{C}"\nint x;',
    '/* a\n   comment */\n#include "{C}"\n',
    '%:/**/include "{C}"\n',
    'int leak[] = {\n#/**/include "/proc/self/cwd/.env"\n};',
    '#define CAT(a, b) a##b\n#if CAT(__has_,include)("{C}")\nint yes;\n#endif\n',
    '#/**/pragma GCC dependency "{C}"\n',
    "#/**/pragma clang __debug overflow_stack\nint a;",
]


def test_every_bypass_over_the_socket(served, world):
    _, _, canary = world
    for text in BYPASSES:
        r = _post(served.url, {"code": text.replace("{C}", str(canary)), "version": "ntsc-1.0"})
        assert r.status_code == 200, r.text
        body = r.json()
        assert "forbidden-include" in {i["code"] for i in body["issues"]}, (text, body)
        assert FILE_CANARY not in r.text and ENV_CANARY not in r.text


def test_header_smuggling_is_gated_per_block(served, world):
    _, _, canary = world
    content = (
        f'```c\ntypedef struct {{\n#/**/include "{canary}"\n}} Smuggled;\n```\n'
        "```c\nvoid f(void) { Smuggled s; }\n```\n"
    )
    ex = {"id": "s", "messages": [{"role": "assistant", "content": content}], "metadata": {"version": "ntsc-1.0"}}
    r = _post(served.url, {"example": ex})
    assert r.status_code == 200 and FILE_CANARY not in r.text
    forbidden = [i for i in r.json()["issues"] if i["code"] == "forbidden-include"]
    assert forbidden and forbidden[0]["block"] == 0


def test_quadratic_inputs_do_not_hold_the_server(served):
    """The issue's 96 KB request froze /healthz for 44 s; now it is answered, and the
    server answers others meanwhile."""
    code = "typedef struct {\n" + "/* 0x1 */ a " * 8000 + "} Actor;"
    out: dict = {}

    def big() -> None:
        out["r"] = _post(served.url, {"code": code, "version": "ntsc-1.0"}, timeout=120)

    t = threading.Thread(target=big)
    t.start()
    time.sleep(0.2)
    h = httpx.get(f"{served.url}/healthz", timeout=10)
    assert h.status_code == 200
    t.join(120)
    assert out["r"].status_code == 200
    example = {
        "id": "b",
        "messages": [
            {
                "role": "assistant",
                "content": ("ActorProfile x = {" * 4000) + ("Object_GetSlot(" * 4000) + ("/* " * 4000),
            }
        ],
    }
    assert _post(served.url, {"example": example}, timeout=120).status_code == 200


def test_limits_and_codes(served):
    r = _post(served.url, {"code": "x" * 100_001})
    assert r.status_code == 413 and len(r.text) < 300
    exs = [{"id": str(i), "messages": []} for i in range(201)]
    r = httpx.post(f"{served.url}/v1/validate/batch", json={"examples": exs}, timeout=30)
    assert r.status_code == 413
    r = httpx.post(
        f"{served.url}/v1/validate",
        content=b'{"code": 5, "x": "' + b"y" * 150_000 + b'"}',
        headers={"content-type": "application/json"},
        timeout=30,
    )
    assert r.status_code == 422 and len(r.content) < 2000  # no echo of the input
    r = httpx.post(
        f"{served.url}/v1/validate",
        content=b"\xff" * 5000 + b"{",
        headers={"content-type": "application/json"},
        timeout=30,
    )
    assert r.status_code in (400, 422) and len(r.content) < 2000
    r = httpx.get(f"{served.url}/v1/symbols/Actor_Kill", params={"version": "pal-9"})
    assert r.status_code == 422 and "ntsc-1.0" in r.json()["detail"]
    r = httpx.get(f"{served.url}/v1/symbols/Actor_SetScal", params={"version": "gc-us"})
    assert r.status_code == 404 and "Actor_SetScale" in r.json()["detail"]
    big = httpx.post(
        f"{served.url}/v1/validate",
        content=b"{" + b" " * 1_100_000 + b"}",
        headers={"content-type": "application/json"},
        timeout=30,
    )
    assert big.status_code == 413


def test_timeouts_are_exact_for_replacement_workers(served):
    for _ in range(2):  # the second lands on a replaced worker: the same limit
        t0 = time.monotonic()
        r = _post(served.url, {"code": BOMB, "version": "ntsc-1.0"}, timeout=60)
        took = time.monotonic() - t0
        codes = {i["code"] for i in r.json()["issues"]}
        assert codes & {"compile-timeout", "compile-crash"}, r.json()
        assert took < 30  # 3 s limit (+ start-up slack); it was 3 + 180 s before


def test_slow_and_idle_connections_are_closed(served):
    def closed_within(sock: socket.socket, seconds: float) -> bool:
        sock.settimeout(seconds)
        try:
            return sock.recv(1024) in (b"",) or True
        except TimeoutError:
            return False
        except OSError:
            return True

    idle = socket.create_connection(("127.0.0.1", served.port))
    assert closed_within(idle, 10)  # header timeout 1.5 s
    slow = socket.create_connection(("127.0.0.1", served.port))
    slow.sendall(b"GET /healthz HTTP/1.1\r\n")
    for _ in range(3):
        time.sleep(0.6)
        try:
            slow.sendall(b"X-A: b\r\n")
        except OSError:
            break
    assert closed_within(slow, 10)
    body = socket.create_connection(("127.0.0.1", served.port))
    body.sendall(
        b"POST /v1/validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b'Content-Length: 100\r\n\r\n{"code":'
    )
    body.settimeout(15)
    answer = body.recv(4096)
    assert b" 408 " in answer.split(b"\r\n", 1)[0], answer
    for s in (idle, slow, body):
        s.close()


def test_a_client_that_leaves_cancels_its_job(served):
    before = served.health()["load"]["compile"]["replaced"]
    payload = json.dumps({"code": BOMB, "version": "ntsc-1.0"}).encode()
    s = socket.create_connection(("127.0.0.1", served.port))
    s.sendall(
        b"POST /v1/validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: " + str(len(payload)).encode() + b"\r\n\r\n" + payload
    )
    time.sleep(0.5)
    s.close()
    deadline = time.monotonic() + 2.5  # well inside the 3 s compile limit
    while time.monotonic() < deadline:
        load = served.health()["load"]["compile"]
        if load["replaced"] > before and load["busy"] == 0:
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"the job ran on after its client left: {served.health()['load']}")


def _from(address: str, url: str, body: dict) -> None:
    with httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=60) as c:
        c.post(f"{url}/v1/validate", json=body)


def test_healthz_degraded_when_saturated(served):
    """Clients at four addresses (one client alone is held to its share: newcomers would
    still be served at once, so that is not saturation)."""
    threads = [
        threading.Thread(target=_from, args=(f"127.0.0.{2 + i % 4}", served.url, {"code": BOMB})) for i in range(12)
    ]
    for t in threads:
        t.start()
    seen = set()
    for _ in range(40):
        h = served.health()
        seen.add(h["status"])
        if "degraded" in seen:
            break
        time.sleep(0.1)
    for t in threads:
        t.join(60)
    assert "degraded" in seen
    for _ in range(100):
        if served.health()["status"] == "ok":
            break
        time.sleep(0.1)
    assert served.health()["status"] == "ok"


@pytest.mark.skipif(STRACE is None, reason="strace is not installed")
def test_strace_no_worker_opened_a_canary(served, world):
    """Every process of the service, traced from the start: the canary file is never
    opened by anyone, the service's .env never by a worker."""
    _, _, canary = world
    test_every_bypass_over_the_socket(served, world)
    logs = {p: p.read_text() for p in served.log.parent.glob(served.log.name + ".*")}
    workers = [p for p, text in logs.items() if "validate.compile_worker" in text or "validate.check_worker" in text]
    assert workers, "strace saw no worker start"
    for p, text in logs.items():
        for line in text.splitlines():
            if not ("open(" in line or "openat(" in line):
                continue
            if str(canary) in line:
                assert " = -1 " in line, line
            if ".env" in line and p in workers:
                assert " = -1 " in line, line


def test_sigterm_stops_within_ten_seconds(world):
    tmp, db, _ = world
    s = Served(tmp, db, "--compile-timeout", "20")
    threads = [threading.Thread(target=lambda: _post(s.url, {"code": BOMB}, timeout=60)) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(1.0)
    took = s.stop()
    assert took < 10, took
    left = subprocess.run(["pgrep", "-f", "--", f"--port {s.port}"], capture_output=True, text=True)
    assert left.returncode == 1 and left.stdout.strip() == ""  # nothing of it is left


def test_admission_answers_429_with_retry_after(world):
    tmp, db, _ = world
    s = Served(tmp, db, "--no-compile", "--check-workers", "1", "--max-wait", "0.01", "--max-queue", "4")
    try:
        codes: list[tuple[int, str | None]] = []
        example = {"id": "q", "messages": [{"role": "assistant", "content": "ACTOR_EN_HORSE is 20. " * 400}]}

        def one() -> None:
            r = _post(s.url, {"example": example}, timeout=60)
            codes.append((r.status_code, r.headers.get("retry-after")))

        threads = [threading.Thread(target=one) for _ in range(24)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert {c for c, _ in codes} <= {200, 429}
        busy = [ra for c, ra in codes if c == 429]
        assert busy and all(ra and int(ra) >= 1 for ra in busy)
        assert any(c == 200 for c, _ in codes)
    finally:
        s.stop()


def test_token_and_bind_defaults(world):
    tmp, db, _ = world
    env = dict(os.environ, OOTKG_CACHE_DIR=str(tmp / "cache"))
    env.pop("OOTKG_API_TOKEN", None)
    done = subprocess.run(
        [sys.executable, "-m", "ootkg.cli", "--db", str(db), "serve", "--host", "0.0.0.0", "--no-compile"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=str(tmp),
    )
    assert done.returncode == 2 and "OOTKG_API_TOKEN" in done.stderr and "--no-auth" in done.stderr
    s = Served(tmp, db, "--no-compile", env={"OOTKG_API_TOKEN": "s3cret"})
    try:
        body = {"code": "Actor_Kill(thisx);", "version": "gc-us"}
        assert _post(s.url, body).status_code == 401
        assert _post(s.url, body, headers={"Authorization": "Bearer nope"}).status_code == 401
        for scheme in ("Bearer", "bearer", "BEARER"):
            r = _post(s.url, body, headers={"Authorization": f"{scheme} s3cret"})
            assert r.status_code == 200, scheme
        assert httpx.get(f"{s.url}/healthz").status_code == 200
    finally:
        s.stop()
