"""The review page in a real browser (Debian's Chromium, driven by Selenium) against the real
server process: sign in with a token, review three examples with the keyboard (one edited),
then check the reviews JSONL, the graph after the server stops, and `review stats`.
Refusals (no token, another reviewer's session, a forged example id) write nothing."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from kg.store import open_store
from review.journal import reviews_path
from tests.review_support import add_reviewer, chromium, driver, make_run, ootkg

_FOUND = chromium()
pytestmark = pytest.mark.skipif(isinstance(_FOUND, str), reason=str(_FOUND))


def _events(run):
    path = reviews_path(run)
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _wait_for_new_example(d, old: str | None) -> str:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def changed(drv):
        try:
            text = drv.find_element(By.ID, "example-id").text
        except Exception:  # noqa: BLE001 - the page is still loading
            return False
        return text if text and text != old else False

    return WebDriverWait(d, 20).until(changed)


def test_three_examples_reviewed_with_the_keyboard(tmp_path, serve):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    settings, run = make_run(tmp_path, count=6)
    home = tmp_path / "home"
    alice = add_reviewer(settings, home, "alice")
    bob = add_reviewer(settings, home, "bob")
    server = serve(settings, home, run)
    d = driver(tmp_path / "profile")
    try:
        # Without a token the page refuses and asks for one.
        d.get(server.url + "/")
        assert "Sign in" in d.page_source and "reviewer token" in d.page_source.lower()

        d.get(f"{server.url}/login?token={alice}")
        assert "reviewer" in d.page_source and "alice" in d.page_source
        assert "token=" not in d.current_url  # the token leaves the address bar at once
        keys = ActionChains(d)
        keys.send_keys(Keys.ENTER).perform()  # start reviewing the queue
        first = _wait_for_new_example(d, None)
        assert d.find_element(By.CSS_SELECTOR, ".facts li code").text  # facts shown beside

        ActionChains(d).send_keys("8").send_keys("a").perform()  # score 8, accept
        second = _wait_for_new_example(d, first)

        ActionChains(d).send_keys("r").send_keys("2").send_keys("n").perform()  # reject: ungrounded
        ActionChains(d).send_keys("cites a fact the answer never uses").perform()
        ActionChains(d).key_down(Keys.CONTROL).send_keys(Keys.ENTER).key_up(Keys.CONTROL).perform()
        third = _wait_for_new_example(d, second)

        ActionChains(d).send_keys("e").perform()  # edit the answer
        box = d.find_element(By.ID, "edit-content")
        WebDriverWait(d, 10).until(lambda drv: drv.switch_to.active_element == box)
        ActionChains(d).key_down(Keys.CONTROL).send_keys("a").key_up(Keys.CONTROL).perform()
        ActionChains(d).send_keys("An edited, better answer by a reviewer.").perform()
        ActionChains(d).key_down(Keys.CONTROL).send_keys(Keys.ENTER).key_up(Keys.CONTROL).perform()
        WebDriverWait(d, 20).until(lambda drv: "revision 1" in drv.page_source)
        assert d.find_element(By.ID, "example-id").text == third
        assert "An edited, better answer by a reviewer." in d.page_source
        assert "the original (as generated)" in d.page_source
        ActionChains(d).send_keys("7").send_keys("a").perform()  # score 7, accept the edit
        fourth = _wait_for_new_example(d, third)
        assert fourth not in (first, second, third)
    finally:
        d.quit()

    ev = _events(run)
    assert [(e["example"], e["action"]) for e in ev] == [
        (first, "accept"),
        (second, "reject"),
        (third, "edit"),
        (third, "accept"),
    ]
    assert all(e["reviewer"] == "alice" for e in ev)
    assert ev[0]["score"] == 8 and ev[3]["score"] == 7
    assert ev[1]["reason"] == "ungrounded" and ev[1]["note"] == "cites a fact the answer never uses"
    assert ev[2]["revision"] == 1 and ev[2]["content"] == "An edited, better answer by a reviewer."
    original = {json.loads(x)["metadata"]["id"]: json.loads(x) for x in run.read_text().splitlines()}
    assert original[third]["messages"][ev[2]["message_index"]]["content"] != ev[2]["content"]

    # A second reviewer, through the JSON API, so that the examples have two verdicts.
    for ex, action in (
        (first, {"action": "accept", "score": 9}),
        (second, {"action": "reject", "reason": "ungrounded", "score": 3}),
    ):
        r = httpx.post(
            server.url + "/api/v1/reviews", json={"example": ex, **action}, headers={"authorization": f"Bearer {bob}"}
        )
        assert r.status_code == 201, r.text
    out = server.stop()
    assert "6 Review nodes" in out, out

    with open_store(settings) as store:
        rows = store.run(
            "MATCH (r:Review)-[:REVIEWS]->(e:Example) RETURN r.reviewer AS who, "
            "r.action AS action, e.id AS example ORDER BY r.created"
        )
    assert [(r["who"], r["action"], r["example"]) for r in rows] == [
        ("alice", "accept", first),
        ("alice", "reject", second),
        ("alice", "edit", third),
        ("alice", "accept", third),
        ("bob", "accept", first),
        ("bob", "reject", second),
    ]

    res = ootkg(settings, home, "review", "stats", str(run), "--format", "json")
    assert res.returncode == 0, res.stderr
    stats = json.loads(res.stdout)
    assert stats["reviewed"] == 3 and stats["accepted"] == 2 and stats["rejected"] == 1
    assert stats["reasons"] == {"ungrounded": 2} and stats["edited"] == 1  # one per reviewer
    assert stats["agreement"]["items_with_several"] == 2
    pair = stats["agreement"]["cohen"][0]
    assert (pair["a"], pair["b"], pair["items"], pair["kappa"]) == ("alice", "bob", 2, 1.0)
    res = ootkg(settings, home, "review", "stats", str(run))
    assert "accuracy" in res.stdout and "66.7%" in res.stdout and "Cohen's kappa alice / bob" in res.stdout


def test_refused_without_a_token_with_another_reviewers_session_or_a_forged_id(tmp_path, serve):
    settings, run = make_run(tmp_path, count=3)
    home = tmp_path / "home"
    alice = add_reviewer(settings, home, "alice")
    bob = add_reviewer(settings, home, "bob")
    server = serve(settings, home, run, graph=False)
    d = driver(tmp_path / "profile")
    try:
        d.get(f"{server.url}/login?token={alice}")
        ex = re.search(r'href="/e/([^"?]+)', d.page_source).group(1)
        d.get(f"{server.url}/e/{ex}")
        csrf = d.find_element("css selector", "#accept-form input[name=csrf]").get_attribute("value")
        # Alice's own browser posts to an example id the run does not have.
        status = d.execute_script(
            "return fetch('/e/forged-0000/review', {method: 'POST', headers: {'content-type': "
            "'application/x-www-form-urlencoded'}, body: 'action=accept&csrf=' + arguments[0]})"
            ".then(r => r.status);",
            csrf,
        )
        assert status == 403
    finally:
        d.quit()
    form = {"action": "accept", "csrf": csrf, "score": "9"}
    with httpx.Client(base_url=server.url) as c:
        assert c.post(f"/e/{ex}/review", data=form).status_code == 401  # no session
        assert c.post("/api/v1/reviews", json={"example": ex, "action": "accept"}).status_code == 401
        assert (
            c.post(
                "/api/v1/reviews",
                json={"example": ex, "action": "accept"},
                headers={"authorization": "Bearer ootkg_not-a-token"},
            ).status_code
            == 401
        )
        c.get(f"/login?token={bob}")  # bob's session, alice's form
        assert c.post(f"/e/{ex}/review", data=form).status_code == 403
        assert (
            c.post(
                "/api/v1/reviews",
                json={"example": "forged-0000", "action": "accept"},
                headers={"authorization": f"Bearer {bob}"},
            ).status_code
            == 404
        )
        r = c.post(
            "/api/v1/reviews",
            json={"example": ex, "action": "reject", "reason": "bad"},
            headers={"authorization": f"Bearer {bob}"},
        )
        assert r.status_code == 422 and "reason" in r.text
    server.stop()
    assert not reviews_path(run).exists()  # nothing written by any refused request
