"""The validation HTTP JSON service (FastAPI; OpenAPI docs at /docs).

    POST /v1/validate          one example, or bare code + version -> ValidationReport
    POST /v1/validate/batch    many examples -> list of reports
    GET  /v1/symbols/{name}    what the graph holds about a name (?version=)
    GET  /healthz              liveness, graph versions, whether level 1 runs

The graph is opened read-only. Bodies are size-limited, requests are
concurrency-limited (503 when saturated), compiles run in worker processes with a
timeout and a memory cap, and an optional bearer token (OOTKG_API_TOKEN) guards
everything except /healthz. Submitted code is parsed, never executed, and no file
outside the decomp is read.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, model_validator

from validate.models import Example, ValidationReport

log = logging.getLogger(__name__)

MAX_BODY = 1_000_000
MAX_BATCH = 200
MAX_CODE = 100_000


class ValidateRequest(BaseModel):
    example: Example | None = Field(None, description="an example (messages + metadata)")
    code: str | None = Field(None, max_length=MAX_CODE, description="bare C code")
    version: str | None = Field(None, max_length=64, description="game version; default: "
                                "the example's metadata.version, else the graph's default")

    @model_validator(mode="after")
    def _one_of(self) -> ValidateRequest:
        if (self.example is None) == (self.code is None):
            raise ValueError("give exactly one of `example` or `code`")
        return self


class BatchRequest(BaseModel):
    examples: list[Example] = Field(max_length=MAX_BATCH)
    version: str | None = Field(None, max_length=64)


class SymbolFact(BaseModel):
    kind: str
    version: str
    signature: str | None = None
    size: int | None = None
    offset: int | None = None
    type: str | None = None
    value: int | None = Field(None, description="a constant's value or a table entry's id "
                              "(ACTOR_EN_HORSE: 20)")
    file: str | None = None
    line: int | None = None


def _table_value(row: dict) -> dict:
    """A table entry's id in that version (validate.index.table_id), as ``value``."""
    from validate.index import DOMAIN_KINDS, table_id

    return {"value": table_id(row["value"], row.get("text"))} if row["kind"] in DOMAIN_KINDS \
        else {}


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
    status: str
    versions: list[str]
    compile: bool
    compile_note: str = ""


class _BodyLimit:
    """ASGI middleware: refuse bodies over ``limit`` bytes (declared or streamed) with 413."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for k, v in scope.get("headers", []):
            if k == b"content-length":
                try:
                    too_big = int(v) > self.limit
                except ValueError:
                    too_big = True
                if too_big:
                    await _send_json(send, 413, {"detail": f"body over {self.limit} bytes"})
                    return
        seen = 0

        async def limited() -> dict:
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge
            return msg

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await _send_json(send, 413, {"detail": f"body over {self.limit} bytes"})


class _TooLarge(Exception):
    pass


async def _send_json(send: Any, status: int, body: dict) -> None:
    import json

    data = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(data)).encode())]})
    await send({"type": "http.response.body", "body": data})


def create_app(settings: Any = None, *, store: Any = None, compile: bool = True,
               decomp: str | None = None, workers: int | None = None,
               compile_timeout: float = 10.0, memory_mb: int = 1536, concurrency: int = 8,
               max_body: int = MAX_BODY, token: str | None = None) -> Any:
    from kg.settings import Settings

    settings = settings or Settings()
    token = token if token is not None else settings.api_token
    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(_app: FastAPI):  # noqa: ANN202
        from kg.store import open_store
        from validate.api import Validator

        st = store if store is not None else open_store(settings, read_only=True)
        state["store"] = st
        state["validator"] = Validator(st, settings, compile=compile, decomp=decomp,
                                       workers=workers, compile_timeout=compile_timeout,
                                       memory_mb=memory_mb)
        state["sem"] = asyncio.Semaphore(concurrency)
        try:
            yield
        finally:
            state["validator"].close()
            if store is None:
                st.close()

    app = FastAPI(title="ootkg validator", version="1",
                  description="Validate OoT romhacking examples and C code against the "
                  "knowledge graph of the decomp.", lifespan=lifespan)

    def auth(request: Request) -> None:
        if not token:
            return
        got = request.headers.get("authorization", "")
        if not (got.startswith("Bearer ") and secrets.compare_digest(got[7:], token)):
            raise HTTPException(401, "missing or wrong bearer token",
                                headers={"WWW-Authenticate": "Bearer"})

    async def limited(fn: Any, *args: Any) -> Any:
        sem: asyncio.Semaphore = state["sem"]
        try:
            await asyncio.wait_for(sem.acquire(), timeout=5)
        except TimeoutError:
            raise HTTPException(503, "too many validations in progress; retry shortly") from None
        try:
            return await run_in_threadpool(fn, *args)
        finally:
            sem.release()

    def _version_error(e: Exception) -> HTTPException:
        return HTTPException(422, str(e))

    @app.get("/healthz", response_model=Health)
    async def healthz() -> Health:
        v = state["validator"]
        return Health(status="ok", versions=v.versions(), compile=v.compiler is not None,
                      compile_note=v.compile_note)

    @app.post("/v1/validate", response_model=ValidationReport, dependencies=[Depends(auth)])
    async def validate_one(req: ValidateRequest) -> ValidationReport:
        from validate.api import UnknownVersion

        v = state["validator"]
        try:
            if req.code is not None:
                return await limited(v.validate_code, req.code, req.version)
            return await limited(v.validate, req.example, req.version)
        except UnknownVersion as e:
            raise _version_error(e) from None

    @app.post("/v1/validate/batch", response_model=list[ValidationReport],
              dependencies=[Depends(auth)])
    async def validate_batch(req: BatchRequest) -> list[ValidationReport]:
        from validate.api import UnknownVersion

        v = state["validator"]
        try:
            return await limited(v.validate_many, req.examples, req.version)
        except UnknownVersion as e:
            raise _version_error(e) from None

    @app.get("/v1/symbols/{name}", response_model=SymbolResponse, dependencies=[Depends(auth)])
    async def symbol(name: str, version: str | None = None) -> SymbolResponse:
        from kg.queries import run_named

        if len(name) > 200 or (version and len(version) > 64):
            raise HTTPException(422, "name or version too long")
        st = state["store"]

        def lookup() -> tuple[list[dict], list[dict]]:
            return (run_named(st, "symbol", name=name, version=version or "any"),
                    run_named(st, "symbol_addresses", name=name, version=version or "any"))

        facts, addrs = await limited(lookup)
        if not facts and not addrs:
            v = state["validator"]
            hint = ""
            try:
                idx = v.index(version or v.default_version)
                sugg = (idx.names_of("Function").suggest(name)
                        or idx.names_of("Constant").suggest(name)
                        or idx.names_of("Type").suggest(name))
                hint = f"; did you mean {', '.join(sugg)}?" if sugg else ""
            except Exception:  # noqa: BLE001 - unknown version: no suggestions
                pass
            raise HTTPException(404, f"the graph has nothing named {name!r}"
                                f"{' in ' + version if version else ''}{hint}")
        facts.sort(key=lambda r: (r["kind"], r["ordinal"] or 0))
        addrs.sort(key=lambda r: r["ordinal"] or 0)
        return SymbolResponse(
            name=name,
            facts=[SymbolFact(**{k: r[k] for k in SymbolFact.model_fields if k in r}
                              | _table_value(r)) for r in facts],
            addresses=[SymbolAddress(version=r["version"], address=r["address"],
                                     address_hex=f"{r['address']:#010x}", source=r["source"])
                       for r in addrs if r["address"] is not None])

    @app.exception_handler(ValueError)
    async def _value_error(_req: Request, exc: ValueError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": str(exc)})

    return _BodyLimit(app, max_body) if max_body else app
