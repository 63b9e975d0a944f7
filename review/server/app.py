"""The review web app (FastAPI, server-rendered Jinja2; no build step, nothing from a CDN).

    GET  /login?token=T        a reviewer's token once -> a signed session cookie
    GET  /                     the queue, filtered (family, difficulty, target, version,
                               judge score, validator issue, status)
    GET  /e/{id}               one example with its facts, code, report, scores, reviews
    POST /e/{id}/review        accept / reject / edit / score (session + per-form CSRF)
    GET  /src?path=&line=      the decomp's own code at a fact's source (when configured)
    POST /api/v1/reviews       the same actions as JSON (Authorization: Bearer TOKEN)
    GET  /api/v1/examples      the queue as JSON
    GET  /api/v1/stats         ``ootkg review stats`` for this run

The graph is only read (for facts), never written: Review nodes come from the reviews
JSONL on ``ootkg review sync`` (see docs/review.md). A refused request writes nothing.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from fastapi import FastAPI, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import ValidationError

from review.dataset import RunData
from review.home import Home
from review.judge.rubric import JudgeScore
from review.judge.sidecar import read_scores, sidecar_path
from review.live import LiveReviews
from review.models import REASONS, ReviewError, ReviewInput
from review.reviewers import Reviewers
from review.server.auth import COOKIE, SESSION_DAYS, Auth
from review.server.queue import PAGE, Filters, select
from review.server.views import SourceReader, page_context
from validate.httpguard import BodyGuard

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).resolve().parent / "templates"
MAX_BODY = 200_000
_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def create_app(
    run: Path, home: Home, *, facts: Any = None, decomp: Path | None = None, commit: str | None = None
) -> Any:
    """``facts``: ``metadata -> the target's context facts`` (None: no graph, ids only)."""
    data = RunData(run)
    live = LiveReviews(data)
    reviewers = Reviewers(home)
    auth = Auth(reviewers, home.secret())
    reader = SourceReader(decomp)
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    judge_cache: dict[str, Any] = {"mtime": None, "scores": {}}
    queues: dict[tuple, list[str]] = {}  # filtered queues, until the run or the reviews change
    app = FastAPI(title="ootkg review", docs_url=None, redoc_url=None, openapi_url=None)

    # -- helpers -------------------------------------------------------------------------
    def scores() -> dict[str, dict[str, JudgeScore]]:
        path = sidecar_path(run)
        try:
            mtime = path.stat().st_mtime_ns
        except OSError:
            return {}
        if mtime != judge_cache["mtime"]:
            judge_cache["scores"] = read_scores(run)
            judge_cache["mtime"] = mtime
        return judge_cache["scores"]

    def judge_of(f: Filters) -> dict[str, JudgeScore]:
        all_ = scores()
        if f.judge and f.judge in all_:
            return all_[f.judge]
        for name in ("offline-v1", *sorted(all_)):
            if name in all_:
                return all_[name]
        return {}

    def render(name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        html = env.get_template(name).render(run=data.path.name, reasons=REASONS, **ctx)
        return HTMLResponse(html, status_code=status, headers=_HEADERS)

    def who(request: Request) -> str | None:
        return auth.from_bearer(request.headers.get("authorization")) or auth.from_session(request.cookies.get(COOKIE))

    def require(request: Request) -> str:
        me = who(request)
        if me is None:
            raise Refused(
                401,
                "Sign in with your reviewer token: open /login?token=YOUR_TOKEN "
                "(`ootkg review add-reviewer NAME` makes one).",
            )
        return me

    def filters_from(params: dict[str, Any]) -> Filters:
        try:
            return Filters.model_validate({k: v for k, v in params.items() if k in Filters.model_fields})
        except ValidationError:
            return Filters()

    def refresh() -> None:
        data.refresh()
        live.refresh()

    def queue_of(f: Filters, me: str) -> list[str]:
        judged = judge_of(f)
        key = (f.model_dump_json(exclude={"page"}), me, len(data), live.version, id(judged))
        ids = queues.get(key)
        if ids is None:
            if len(queues) > 64:
                queues.clear()
            ids = queues[key] = select(data, live, judged, f, me)
        return ids

    if facts is not None:
        # Warm the graph's context tables (loaded once a query has been asked enough times)
        # while the reviewer signs in, not on their first pages.
        def warm() -> None:
            for ex_id in data.order[:64]:
                rec = data.get(ex_id)
                if rec is not None:
                    facts(rec.get("metadata") or {})

        threading.Thread(target=warm, name="review-warm", daemon=True).start()

    @app.exception_handler(Refused)
    async def _refused(request: Request, exc: Refused) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": str(exc)}, status_code=exc.status, headers=_HEADERS)
        return render("message.html", status=exc.status, title="Refused", message=str(exc), login=exc.status == 401)

    # -- sign in -------------------------------------------------------------------------
    def signed_in(name: str) -> RedirectResponse:
        resp = RedirectResponse("/", status_code=303, headers=_HEADERS)
        resp.set_cookie(
            COOKIE, auth.session_for(name), max_age=SESSION_DAYS * 86400, httponly=True, samesite="strict", path="/"
        )
        return resp

    @app.get("/login")
    async def login(request: Request, token: str | None = None) -> Response:
        if token is None:
            return render("message.html", title="Sign in", message="", login=True)
        name = reviewers.verify(token)
        if name is None:
            raise Refused(401, "That token belongs to no reviewer.")
        return signed_in(name)

    @app.post("/login")
    async def login_form(request: Request) -> Response:
        form = await _form(request)
        name = reviewers.verify((form.get("token") or [""])[0])
        if name is None:
            raise Refused(401, "That token belongs to no reviewer.")
        return signed_in(name)

    @app.post("/logout")
    async def logout() -> Response:
        resp = RedirectResponse("/login", status_code=303, headers=_HEADERS)
        resp.delete_cookie(COOKIE, path="/")
        return resp

    @app.get("/static/{name}")
    async def static(name: str) -> Response:
        types = {"review.js": "text/javascript", "review.css": "text/css"}
        if name not in types:
            raise HTTPException(404)
        return Response(
            (TEMPLATES / name).read_text(), media_type=types[name], headers={"Cache-Control": "max-age=300"}
        )

    @app.get("/healthz")
    async def healthz() -> dict[str, Any]:
        return {"status": "ok", "run": data.path.name, "examples": len(data)}

    # -- pages ---------------------------------------------------------------------------
    @app.get("/")
    def queue(request: Request) -> Response:
        me = require(request)
        refresh()
        f = filters_from(dict(request.query_params))
        judged = judge_of(f)
        ids = queue_of(f, me)
        start = (f.page - 1) * PAGE
        rows = [(data.summaries[i], live.by_example.get(i), judged.get(i)) for i in ids[start : start + PAGE]]
        facets = {
            "families": sorted({s.family for s in data.summaries.values()}),
            "versions": sorted({s.version for s in data.summaries.values()}),
            "issues": sorted({c for s in data.summaries.values() for c in s.issue_codes}),
            "judges": sorted(scores()),
        }
        return render(
            "queue.html",
            me=me,
            f=f,
            rows=rows,
            total=len(ids),
            start=start,
            pages=max(1, -(-len(ids) // PAGE)),
            facets=facets,
            first=ids[0] if ids else None,
            q=f.query(page=1),
        )

    @app.get("/e/{ex_id}")
    def example(request: Request, ex_id: str) -> Response:
        me = require(request)
        refresh()
        rec = data.get(ex_id)
        if rec is None:
            raise Refused(404, f"No example {ex_id!r} in {data.path.name}.")
        f = filters_from(dict(request.query_params))
        ids = queue_of(f, me)
        pos = _index(ids, ex_id)
        order = data.order
        here = data.summaries[ex_id].position
        prev_id = ids[pos - 1] if pos else (order[here - 1] if pos is None and here else None)
        next_id = (
            ids[pos + 1]
            if pos is not None and pos + 1 < len(ids)
            else (order[here + 1] if pos is None and here + 1 < len(order) else None)
        )
        rec = data.with_report(rec)  # the sidecar's full validation report
        ctx = page_context(
            rec,
            live.of(ex_id),
            facts(rec.get("metadata") or {}) if facts else None,
            {k: v[ex_id] for k, v in scores().items() if ex_id in v},
            me,
            reader,
            commit,
        )
        return render(
            "example.html",
            me=me,
            f=f,
            q=f.query(page=1),
            ex_id=ex_id,
            csrf=auth.csrf(me, ex_id),
            pos=pos,
            total=len(ids),
            prev_id=prev_id,
            next_id=next_id,
            **ctx,
        )

    @app.get("/src")
    def source(request: Request, path: str = "", line: int = 1) -> Response:
        require(request)
        text = reader.lines(path)
        if text is None:
            raise Refused(
                404, "No such file in the configured decomp checkout (serve with --decomp PATH to show the real code)."
            )
        return render("source.html", path=path, line=line, lines=list(enumerate(text, 1)))

    # -- actions -------------------------------------------------------------------------
    def next_after(ex_id: str, f: Filters, me: str) -> str:
        here = data.summaries[ex_id].position
        later = next((i for i in queue_of(f, me) if data.summaries[i].position > here), None)
        return f"/e/{later}?{f.query(page=1)}" if later else f"/?{f.query(page=1)}"

    @app.post("/e/{ex_id}/review")
    async def review_form(request: Request, ex_id: str) -> Response:
        me = require(request)
        _same_origin(request)
        form = await _form(request)
        if not auth.check_csrf(me, ex_id, (form.get("csrf") or [""])[0]):
            raise Refused(
                403,
                "This form was not issued to you for this example (stale page, "
                "another reviewer's form, or a forged request). Reload the page.",
            )
        if ex_id not in data:
            raise Refused(404, f"No example {ex_id!r} in {data.path.name}.")
        given = _input(ex_id, form)
        await run_in_threadpool(_submit, me, given)
        f = filters_from({k: v[0] for k, v in parse_qs((form.get("q") or [""])[0]).items()})
        if given.action in ("edit", "score"):
            return RedirectResponse(f"/e/{ex_id}?{f.query(page=1)}", status_code=303, headers=_HEADERS)
        return RedirectResponse(next_after(ex_id, f, me), status_code=303, headers=_HEADERS)

    @app.post("/api/v1/reviews", status_code=201)
    async def review_api(request: Request) -> Response:
        me = auth.from_bearer(request.headers.get("authorization"))
        if me is None:
            raise Refused(401, "Send your reviewer token as `Authorization: Bearer TOKEN`.")
        try:
            given = ReviewInput.model_validate_json(await request.body())
        except ValidationError as e:
            raise Refused(422, _problems(e)) from None
        event = await run_in_threadpool(_submit, me, given)
        return JSONResponse(event.model_dump(mode="json"), status_code=201, headers=_HEADERS)

    def _submit(me: str, given: ReviewInput) -> Any:
        try:
            return live.submit(me, given)
        except ReviewError as e:
            raise Refused(404 if "no example" in str(e) else 422, str(e)) from None

    @app.get("/api/v1/examples")
    def examples_api(request: Request) -> Response:
        me = require(request)
        refresh()
        f = filters_from(dict(request.query_params))
        judged = judge_of(f)
        ids = queue_of(f, me)
        out = []
        for i in ids:
            s, ex = data.summaries[i], live.by_example.get(i)
            out.append(
                {
                    "id": i,
                    "family": s.family,
                    "difficulty": s.difficulty,
                    "target": s.target,
                    "version": s.version,
                    "issues": list(s.issue_codes),
                    "judge": judged[i].score if i in judged else None,
                    "verdict": ex.verdict() if ex else None,
                }
            )
        return JSONResponse(out, headers=_HEADERS)

    @app.get("/api/v1/stats")
    def stats_api(request: Request) -> Response:
        require(request)
        from review.stats import compute

        return JSONResponse(compute([run]).model_dump(mode="json"), headers=_HEADERS)

    return BodyGuard(app, MAX_BODY)


def _index(ids: list[str], ex_id: str) -> int | None:
    try:
        return ids.index(ex_id)
    except ValueError:
        return None


async def _form(request: Request) -> dict[str, list[str]]:
    ctype = request.headers.get("content-type", "")
    if not ctype.startswith("application/x-www-form-urlencoded"):
        raise Refused(415, "Send the form as application/x-www-form-urlencoded.")
    body = await request.body()
    return parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)


def _same_origin(request: Request) -> None:
    origin = request.headers.get("origin")
    if origin and origin != "null":
        host = request.headers.get("host", "")
        if origin.split("://", 1)[-1] != host:
            raise Refused(403, "A request from another site was refused.")


def _input(ex_id: str, form: dict[str, list[str]]) -> ReviewInput:
    def one(k: str) -> str | None:
        v = form.get(k)
        return v[0] if v else None

    entities = list(form.get("entities", []))
    entities += [e.strip() for e in (one("entities_extra") or "").split(",") if e.strip()]
    action = one("action") or ""
    raw: dict[str, Any] = {
        "example": ex_id,
        "action": action,
        "reason": one("reason"),
        "note": one("note") or "",
        "score": one("score") or None,
        "entities": entities if one("reason") == "factually-wrong" else [],
    }
    if action == "edit":
        raw["message_index"] = one("message_index")
        raw["content"] = (one("content") or "").replace("\r\n", "\n")
    try:
        return ReviewInput.model_validate(raw)
    except ValidationError as e:
        raise Refused(422, _problems(e)) from None


def _problems(e: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, x['loc'])) or 'review'}: {x['msg']}" for x in e.errors())
