"""The validation HTTP JSON service (FastAPI; OpenAPI docs at /docs).

    POST /v1/validate          one example, or bare code + version -> ValidationReport
    POST /v1/validate/batch    many examples -> list of reports
    GET  /v1/symbols/{name}    what the graph holds about a name (?version=)
    GET  /healthz              liveness, load (ok | degraded), graph versions, level 1

The event loop only routes: every check runs in a check worker process and every compile
in a compile worker confined by the operating system (``validate.engine``), each job with
a time and memory limit. A request that would wait longer than the admission limit gets
429 with ``Retry-After``; bodies over the size limit get 413, slow bodies 408, slow or
idle connections are closed (``validate.httpguard``). With ``OOTKG_API_TOKEN`` set, every
route but ``/healthz`` needs ``Authorization: Bearer <token>``. Error answers quote at
most a short excerpt of the input.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field, model_validator

from validate.engine import Busy, Engine, Limits, NotFound, ShuttingDown, UnknownVersionError
from validate.httpguard import BODY_TIMEOUT, BodyGuard, send_json
from validate.models import Example, ValidationReport
from validate.workers import WorkerStartError

log = logging.getLogger(__name__)

MAX_BODY = 1_000_000
MAX_BATCH = 200
MAX_CODE = 100_000
EXCERPT = 80


class ValidateRequest(BaseModel):
    example: Example | None = Field(default=None, description="an example (messages + metadata)")
    code: str | None = Field(default=None, description=f"bare C code (at most {MAX_CODE} characters)")
    version: str | None = Field(
        default=None,
        max_length=64,
        description="game version; default: the example's metadata.version, else the graph's default",
    )

    @model_validator(mode="after")
    def _one_of(self) -> ValidateRequest:
        if (self.example is None) == (self.code is None):
            raise ValueError("give exactly one of `example` or `code`")
        return self


class BatchRequest(BaseModel):
    examples: list[Example] = Field(description=f"at most {MAX_BATCH} examples")
    version: str | None = Field(default=None, max_length=64)


class SymbolFact(BaseModel):
    kind: str
    version: str
    signature: str | None = None
    size: int | None = None
    offset: int | None = None
    type: str | None = None
    value: int | None = Field(default=None, description="a constant's value or a table entry's id (ACTOR_EN_HORSE: 20)")
    file: str | None = None
    line: int | None = None


def _table_value(row: dict) -> dict:
    """A table entry's id in that version (validate.index.table_id), as ``value``."""
    from validate.index import DOMAIN_KINDS, table_id

    return {"value": table_id(row["value"], row.get("text"))} if row["kind"] in DOMAIN_KINDS else {}


class SymbolAddress(BaseModel):
    version: str
    address: int
    address_hex: str
    source: str | None = None


class SymbolResponse(BaseModel):
    name: str
    facts: list[SymbolFact]
    addresses: list[SymbolAddress]


class Health(BaseModel):
    status: str = Field(description="ok, or degraded (saturated, or workers restarting)")
    versions: list[str]
    compile: bool
    compile_note: str = ""
    sandbox: list[str] = Field(
        default_factory=list,
        description="how compile workers are confined (userns, landlock-abiN); empty: not confined",
    )
    degraded: list[str] = Field(default_factory=list)
    load: dict[str, Any] = Field(default_factory=dict)


class _ClientGone(Exception):
    pass


def _excerpt(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= EXCERPT else text[: EXCERPT - 3] + "..."


def _check_size(code: str | None, n_examples: int) -> None:
    if code is not None and len(code) > MAX_CODE:
        raise HTTPException(413, f"code has {len(code)} characters; the limit is {MAX_CODE}")
    if n_examples > MAX_BATCH:
        raise HTTPException(413, f"{n_examples} examples; a batch holds at most {MAX_BATCH}")


def _client(request: Request) -> str:
    """Whose jobs these are, for round-robin serving: the remote address."""
    return request.client.host if request.client else ""


async def _until_disconnect(request: Request) -> None:
    while True:
        msg = await request.receive()
        if msg["type"] == "http.disconnect":
            return


async def _unless_gone(request: Request, work: Any) -> Any:
    """Await ``work``; if the client disconnects first, cancel it (its jobs stop)."""
    task = asyncio.ensure_future(work)
    watch = asyncio.ensure_future(_until_disconnect(request))
    try:
        done, _ = await asyncio.wait({task, watch}, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        task.cancel()
        watch.cancel()
        raise
    if task in done:
        watch.cancel()
        return task.result()
    task.cancel()
    try:
        await task
    except (asyncio.CancelledError, Exception):  # noqa: BLE001 - the client is gone anyway
        pass
    raise _ClientGone


def create_app(
    settings: Any = None,
    *,
    store: Any = None,
    engine: Engine | None = None,
    compile: bool = True,
    decomp: str | None = None,
    limits: Limits | None = None,
    max_body: int = MAX_BODY,
    body_timeout: float = BODY_TIMEOUT,
    token: str | None = None,
) -> Any:
    """The ASGI app. ``engine``: already started (``ootkg serve`` starts it first, so that a
    refusal to start is a plain error); else one is started in the lifespan from
    ``settings`` (``store``: an open embedded store whose directory the workers reopen)."""
    from kg.settings import Settings

    settings = settings or Settings()
    if store is not None and getattr(store, "dir", None) is not None:
        settings = settings.model_copy(update={"store": "embedded", "db": store.dir})
    token = token if token is not None else settings.api_token
    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(_app: FastAPI):  # noqa: ANN202
        own = engine is None
        state["engine"] = (
            engine
            if engine is not None
            else await asyncio.to_thread(Engine, settings, decomp=decomp, compile=compile, limits=limits)
        )
        try:
            yield
        finally:
            if own:
                state["engine"].close()

    app = FastAPI(
        title="ootkg validator",
        version="1",
        description="Validate OoT romhacking examples and C code against the knowledge graph of the decomp.",
        lifespan=lifespan,
    )

    def _valid(header: str) -> bool:
        scheme, _, cred = header.strip().partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(cred.strip().encode(), token.encode())  # type: ignore[union-attr]

    def _authorized(scope: dict) -> bool:
        if not token:
            return True
        header = next((v for k, v in scope.get("headers", []) if k == b"authorization"), b"")
        return _valid(header.decode("latin-1"))

    async def auth(request: Request) -> None:  # async: a sync one would run in a thread
        if token and not _valid(request.headers.get("authorization", "")):
            raise HTTPException(401, "missing or wrong bearer token", headers={"WWW-Authenticate": "Bearer"})

    @app.get("/healthz", response_model=Health)
    async def healthz() -> Health:
        e: Engine = state["engine"]
        h = e.health()
        pool = e.compile_pool
        return Health(
            status=h["status"],
            versions=e.versions,
            compile=pool is not None,
            compile_note=e.compile_note,
            sandbox=pool.sandbox if pool else [],
            degraded=h["degraded"],
            load=h["load"],
        )

    @app.post("/v1/validate", response_model=ValidationReport, dependencies=[Depends(auth)])
    async def validate_one(req: ValidateRequest, request: Request) -> Any:
        _check_size(req.code, 1)
        item: dict[str, Any]
        if req.code is not None:
            item = {"op": "check_code", "code": req.code, "version": req.version}
        else:
            item = {
                "op": "check",
                "example": req.example.model_dump(mode="json"),  # type: ignore[union-attr]
                "version": req.version,
            }
        return (await _unless_gone(request, state["engine"].validate([item], _client(request))))[0]

    @app.post("/v1/validate/batch", response_model=list[ValidationReport], dependencies=[Depends(auth)])
    async def validate_batch(req: BatchRequest, request: Request) -> Any:
        _check_size(None, len(req.examples))
        items = [{"op": "check", "example": e.model_dump(mode="json"), "version": req.version} for e in req.examples]
        return await _unless_gone(request, state["engine"].validate(items, _client(request)))

    @app.get("/v1/symbols/{name}", response_model=SymbolResponse, dependencies=[Depends(auth)])
    async def symbol(name: str, request: Request, version: str | None = None) -> SymbolResponse:
        if len(name) > 200 or (version and len(version) > 64):
            raise HTTPException(422, "name or version too long")
        found = await _unless_gone(request, state["engine"].symbol(name, version, _client(request)))
        return SymbolResponse(
            name=name,
            facts=[
                SymbolFact(**{k: r[k] for k in SymbolFact.model_fields if k in r} | _table_value(r))
                for r in found["facts"]
            ],
            addresses=[
                SymbolAddress(
                    version=r["version"], address=r["address"], address_hex=f"{r['address']:#010x}", source=r["source"]
                )
                for r in found["addresses"]
                if r["address"] is not None
            ],
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(_req: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(e.get("loc", ()))[:6], "msg": _excerpt(e.get("msg", "")), "type": e.get("type", "")}
            for e in exc.errors()[:10]
        ]
        return JSONResponse(status_code=422, content={"detail": errors})

    @app.exception_handler(ValueError)
    async def _value_error(_req: Request, exc: ValueError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": _excerpt(str(exc))})

    @app.exception_handler(UnknownVersionError)
    async def _unknown_version(_req: Request, exc: UnknownVersionError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": str(exc)[:300]})

    @app.exception_handler(NotFound)
    async def _not_found(_req: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse(status_code=404, content={"detail": str(exc)[:400]})

    @app.exception_handler(Busy)
    async def _busy(_req: Request, exc: Busy) -> JSONResponse:
        return JSONResponse(
            status_code=429,
            headers={"Retry-After": str(exc.retry_after)},
            content={"detail": f"{exc}; retry in {exc.retry_after} s"},
        )

    @app.exception_handler(_ClientGone)
    async def _gone(_req: Request, _exc: _ClientGone) -> Response:
        return Response(status_code=499)

    @app.exception_handler(ShuttingDown)
    async def _stopping(_req: Request, exc: ShuttingDown) -> JSONResponse:
        return JSONResponse(
            status_code=503, headers={"Retry-After": "5", "Connection": "close"}, content={"detail": str(exc)}
        )

    @app.exception_handler(WorkerStartError)
    async def _no_workers(_req: Request, exc: WorkerStartError) -> JSONResponse:
        return JSONResponse(status_code=503, content={"detail": str(exc)[:300]})

    async def early(scope: dict, receive: Any, send: Any) -> None:
        """429 before the body is read, when even one example would wait too long."""
        if (
            scope["type"] == "http" and scope["path"].startswith("/v1/") and "engine" in state and _authorized(scope)
        ):  # (a request without the token gets its 401)
            client = scope["client"][0] if scope.get("client") else ""
            busy = state["engine"].refuse_early(client)
            if busy is not None:
                await send_json(
                    send,
                    429,
                    {"detail": f"{busy}; retry in {busy.retry_after} s"},
                    headers=[(b"retry-after", str(busy.retry_after).encode())],
                    close=True,
                )  # the body is not read: the connection ends
                return
        await app(scope, receive, send)

    return BodyGuard(early, max_body, body_timeout) if max_body else early
