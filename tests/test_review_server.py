"""The review server as a real process on a real socket: parallel reviewers lose nothing, a
killed server loses no acknowledged review; the queue's filters, the source view's
confinement to the decomp and the page's panels (in-process, through the ASGI app)."""

from __future__ import annotations

import html
import json
import re
import threading
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from generate.judging import fact_lookup
from kg.store import open_store
from review.home import Home
from review.journal import reviews_path
from review.judge.offline import OfflineJudge
from review.judge.sidecar import replace
from review.reviewers import Reviewers
from review.server.app import create_app
from tests.conftest import FIXTURES
from tests.review_support import add_reviewer, make_run


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    return make_run(tmp_path_factory.mktemp("review-server"), count=12)


def test_parallel_reviewers_then_kill_9_lose_nothing_acknowledged(made, tmp_path, serve):
    settings, src = made
    run = tmp_path / "run.jsonl"
    run.write_text(src.read_text())
    home = tmp_path / "home"
    tokens = [add_reviewer(settings, home, f"r{k}") for k in range(4)]
    ids = [json.loads(x)["metadata"]["id"] for x in run.read_text().splitlines()]
    server = serve(settings, home, run, graph=False)
    acked: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def reviewer(token: str, k: int) -> None:
        with httpx.Client(base_url=server.url, timeout=10) as c:
            n = 0
            while not stop.is_set():
                body = {
                    "example": ids[(n + k) % len(ids)],
                    "action": "score",
                    "score": 1 + (n % 10),
                    "note": f"{k}-{n} " + "x" * (n * 37 % 3000),
                }
                try:
                    r = c.post("/api/v1/reviews", json=body, headers={"authorization": f"Bearer {token}"})
                except httpx.HTTPError:
                    return  # the server was killed mid-request: that one was never acknowledged
                if r.status_code == 201:
                    with lock:
                        acked.append(r.json()["id"])
                n += 1

    threads = [threading.Thread(target=reviewer, args=(t, k)) for k, t in enumerate(tokens)]
    for t in threads:
        t.start()
    while len(acked) < 120:
        threads[0].join(0.05)
    server.kill()  # SIGKILL while requests are in flight
    stop.set()
    for t in threads:
        t.join()
    rows = [json.loads(line) for line in reviews_path(run).read_text().splitlines()]
    written = {r["id"] for r in rows}
    assert set(acked) <= written, "an acknowledged review was lost"
    assert len(written) == len(rows)  # no line twice
    for r in rows:  # every line whole, from one reviewer's own request
        assert r["note"].split(" ")[0].split("-")[0] == r["reviewer"][1:]

    # The next server reads them all and goes on appending.
    again = serve(settings, home, run, graph=False)
    try:
        r = httpx.post(
            again.url + "/api/v1/reviews",
            json={"example": ids[0], "action": "accept"},
            headers={"authorization": f"Bearer {tokens[0]}"},
        )
        assert r.status_code == 201
        stats = httpx.get(again.url + "/api/v1/stats", headers={"authorization": f"Bearer {tokens[0]}"}).json()
        assert stats["events"] == len(rows) + 1 and stats["reviewed"] == 1
    finally:
        again.stop()


@pytest.fixture()
def client(made, tmp_path):
    settings, src = made
    run = tmp_path / "run.jsonl"
    run.write_text(src.read_text())
    home = Home(tmp_path / "home")
    token = Reviewers(home).add("alice")
    store = open_store(settings)
    replace(
        run,
        "offline-v1",
        OfflineJudge(facts=fact_lookup(store)).score_all([json.loads(x) for x in run.read_text().splitlines()]),
    )
    app = create_app(run, home, facts=fact_lookup(store), decomp=FIXTURES / "minidecomp", commit="269d03016c")
    c = TestClient(app, base_url="http://127.0.0.1")
    assert c.get(f"/login?token={token}", follow_redirects=False).status_code == 303
    yield c, run
    c.close()
    store.close()


def _queue_ids(html: str) -> list[str]:
    return re.findall(r'<tr><td><a href="/e/([^"?]+)', html)


def test_queue_filters(client):
    c, run = client
    rows = [json.loads(x) for x in run.read_text().splitlines()]
    assert len(_queue_ids(c.get("/").text)) == len(rows)
    fam = rows[0]["metadata"]["family"]
    want = [r["metadata"]["id"] for r in rows if r["metadata"]["family"] == fam]
    assert _queue_ids(c.get(f"/?family={fam}").text) == want
    want = [r["metadata"]["id"] for r in rows if r["metadata"]["difficulty"] == 2]
    assert _queue_ids(c.get("/?difficulty=2").text) == want
    want = [r["metadata"]["id"] for r in rows if "tite" in r["metadata"]["target"].lower()]
    assert _queue_ids(c.get("/?target=TiTe").text) == want
    scores = {
        s["id"]: s["score"] for s in (json.loads(x) for x in (run.parent / "run.judge.jsonl").read_text().splitlines())
    }
    cut = sorted(scores.values())[len(scores) // 2]
    assert set(_queue_ids(c.get(f"/?min_score={cut}").text)) == {i for i, v in scores.items() if v >= cut}
    api = c.get(f"/api/v1/examples?max_score={cut}").json()
    assert {x["id"] for x in api} == {i for i, v in scores.items() if v <= cut}
    # reviewed examples leave "todo" and appear under their verdict
    first = rows[0]["metadata"]["id"]
    page = c.get(f"/e/{first}").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    r = c.post(
        f"/e/{first}/review",
        data={"action": "reject", "reason": "duplicate", "csrf": csrf, "q": "family=" + fam},
        follow_redirects=False,
    )
    assert r.status_code == 303 and "family=" + fam in r.headers["location"]
    assert first not in _queue_ids(c.get("/").text)
    assert _queue_ids(c.get("/?status=rejected").text) == [first]
    assert _queue_ids(c.get("/?status=accepted").text) == []


def test_example_page_shows_facts_sources_code_and_report(client):
    c, run = client
    rows = [json.loads(x) for x in run.read_text().splitlines()]
    with_code = next(r for r in rows if "```c" in "".join(m["content"] for m in r["messages"]))
    page = c.get(f"/e/{with_code['metadata']['id']}").text
    for fid in with_code["metadata"]["fact_ids"]:
        assert html.escape(fid, quote=False) in page
    assert "Code it shows" in page and "Validator" in page and "offline-v1" in page
    assert "https://github.com/zeldaret/oot/blob/269d03016c/" in page
    assert c.get("/e/no-such-example").status_code == 404
    with TestClient(c.app, base_url="http://127.0.0.1") as stranger:  # no session
        assert stranger.get(f"/e/{with_code['metadata']['id']}").status_code == 401


def test_source_view_stays_inside_the_decomp(client):
    c, _ = client
    ok = c.get("/src?path=src/code/z_actor.c&line=3")
    assert ok.status_code == 200 and 'id="L3"' in ok.text
    for bad in ("../../../etc/passwd", "/etc/passwd", "src/../../conftest.py", "src/code/../../../../pyproject.toml"):
        assert c.get("/src", params={"path": bad}).status_code == 404, bad


def test_forms_from_another_site_are_refused(client):
    c, run = client
    first = json.loads(run.read_text().splitlines()[0])["metadata"]["id"]
    csrf = re.search(r'name="csrf" value="([^"]+)"', c.get(f"/e/{first}").text).group(1)
    r = c.post(f"/e/{first}/review", data={"action": "accept", "csrf": csrf}, headers={"origin": "http://evil.example"})
    assert r.status_code == 403
    r = c.post(
        f"/e/{first}/review",
        content=json.dumps({"action": "accept", "csrf": csrf}),
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 415
    assert not reviews_path(Path(run)).exists()
