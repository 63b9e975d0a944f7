"""The validation service over a real socket (uvicorn on 127.0.0.1), hostile inputs included."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn

from kg.settings import Settings
from tests.golden.graph import load_store
from validate.engine import Limits
from validate.httpguard import server_config
from validate.service import create_app


class _Server:
    """uvicorn in a thread on a socket bound here to a port the kernel picks: nothing can
    take the port between choosing it and serving on it."""

    def __init__(self, app) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.server = uvicorn.Server(server_config(app, "127.0.0.1", self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        for _ in range(1200):
            if self.server.started:
                return f"http://127.0.0.1:{self.port}"
            if not self.thread.is_alive():
                break
            time.sleep(0.05)
        raise RuntimeError("uvicorn did not start")

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = load_store(tmp_path_factory.mktemp("svc"))
    yield s
    s.close()


@pytest.fixture(scope="module")
def base(store, tmp_path_factory):
    decomp = os.environ.get("OOT_DECOMP")
    use = bool(decomp and Path(decomp, "include").is_dir())
    app = create_app(
        Settings(cache_dir=tmp_path_factory.mktemp("cache")),
        store=store,
        compile=use,
        decomp=decomp if use else None,
        max_body=200_000,
        limits=Limits(compile_timeout=20),
    )
    with _Server(app) as url:
        yield url


def test_health_and_docs(base):
    h = httpx.get(f"{base}/healthz").json()
    assert h["status"] == "ok" and h["versions"] == ["ntsc-1.0", "gc-us", "gc-eu-mq-dbg"]
    assert httpx.get(f"{base}/docs").status_code == 200
    spec = httpx.get(f"{base}/openapi.json").json()
    assert {"/v1/validate", "/v1/validate/batch", "/v1/symbols/{name}", "/healthz"} <= set(spec["paths"])


def test_validate_code_and_example(base):
    r = httpx.post(
        f"{base}/v1/validate", json={"code": "Actor_SetScale(&this->actor);", "version": "ntsc-1.0"}, timeout=60
    )
    assert r.status_code == 200
    body = r.json()
    assert body["ok"] is False and "wrong-arity" in {i["code"] for i in body["issues"]}
    ex = {
        "id": "e1",
        "messages": [{"role": "assistant", "content": "ACTOR_EN_HORSE is 0x0014."}],
        "metadata": {"version": "gc-us"},
    }
    r = httpx.post(f"{base}/v1/validate", json={"example": ex}, timeout=60)
    assert r.json()["ok"] is True and r.json()["id"] == "e1"


def test_batch(base):
    exs = [{"id": f"b{i}", "messages": [{"role": "assistant", "content": f"ACTOR_EN_HORSE is {i}."}]} for i in (20, 21)]
    r = httpx.post(f"{base}/v1/validate/batch", json={"examples": exs}, timeout=60)
    assert [x["ok"] for x in r.json()] == [True, False]


def test_symbols(base):
    r = httpx.get(f"{base}/v1/symbols/gSaveContext", params={"version": "ntsc-1.0"})
    body = r.json()
    assert body["addresses"] == [
        {"version": "ntsc-1.0", "address": 0x8011A5D0, "address_hex": "0x8011a5d0", "source": "symbols"}
    ]
    r = httpx.get(f"{base}/v1/symbols/Actor.world")
    assert {f["version"]: f["offset"] for f in r.json()["facts"]}["gc-us"] == 0x24
    r = httpx.get(f"{base}/v1/symbols/Actor_SetScal", params={"version": "gc-us"})
    assert r.status_code == 404 and "Actor_SetScale" in r.json()["detail"]


def test_hostile_inputs(base):
    big = {"code": "x" * 300_000, "version": "gc-us"}
    assert httpx.post(f"{base}/v1/validate", json=big).status_code == 413
    junk = bytes(range(256)) * 10
    r = httpx.post(f"{base}/v1/validate", content=junk, headers={"content-type": "application/json"})
    assert r.status_code == 422
    r = httpx.post(f"{base}/v1/validate", json={"code": "Actor_Kill(thisx);", "version": "pal-9"})
    assert r.status_code == 422 and "gc-us" in r.json()["detail"]
    r = httpx.post(f"{base}/v1/validate", json={"code": "x", "example": {"messages": []}})
    assert r.status_code == 422
    r = httpx.post(
        f"{base}/v1/validate", json={"code": '#include "/etc/passwd"\nint x;\n', "version": "gc-us"}, timeout=60
    )
    body = r.json()
    assert r.status_code == 200 and "forbidden-include" in {i["code"] for i in body["issues"]}
    assert "root:" not in r.text
    nested = (
        "".join(f"#define M{i}(x) M{i + 1}(x) M{i + 1}(x)\n" for i in range(40)) + "#define M40(x) x\nint z = M0(1);\n"
    )
    r = httpx.post(f"{base}/v1/validate", json={"code": nested, "version": "gc-eu-mq-dbg"}, timeout=120)
    assert r.status_code == 200  # answered (timeout or compile error), service alive
    assert httpx.get(f"{base}/healthz").status_code == 200
    text = "\x00\x01\x02 binary \xff junk ```c\n\x00\n```"
    r = httpx.post(
        f"{base}/v1/validate",
        json={"example": {"id": "j", "messages": [{"role": "assistant", "content": text}]}},
        timeout=60,
    )
    assert r.status_code == 200


def test_bearer_token(store, tmp_path):
    app = create_app(Settings(cache_dir=tmp_path), store=store, compile=False, token="s3cret")
    with _Server(app) as url:
        body = {"code": "Actor_Kill(thisx);", "version": "gc-us"}
        assert httpx.post(f"{url}/v1/validate", json=body).status_code == 401
        assert httpx.post(f"{url}/v1/validate", json=body, headers={"Authorization": "Bearer nope"}).status_code == 401
        assert (
            httpx.post(f"{url}/v1/validate", json=body, headers={"Authorization": "Bearer s3cret"}).status_code == 200
        )
        assert httpx.get(f"{url}/healthz").status_code == 200
