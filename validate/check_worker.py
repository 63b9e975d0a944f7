"""A check worker: levels 2-4 of one example at a time, in its own process.

The service runs every check that looks at user text (extraction, scope, claims,
cross-references, the include gate, planning compile jobs) in these processes, one job
each with a time limit and a memory cap (``validate.workers``), so no input, however
slow to check, can hold the server's event loop: a job over its limit costs a killed and
replaced worker, never the other clients.

First line on stdin: ``{"settings": {...}, "decomp": str | null, "compile": bool}``.
Then JSON lines in, one reply each:

    {"op": "check", "example": {...}, "version": v}  -> ["ok", Pending.to_json()]
    {"op": "check_code", "code": str, "version": v}   -> ["ok", Pending.to_json()]
    {"op": "symbol", "name": str, "version": v}       -> ["ok", {"facts", "addresses"}]
                                                        | ["not-found", detail]
    any                                               -> ["unknown-version", detail]
                                                        | ["error", why]
"""

from __future__ import annotations

import json
import sys
from typing import Any


def _symbol(v: Any, name: str, version: str | None) -> list[Any]:
    from kg.queries import run_named

    st = v.store
    facts = run_named(st, "symbol", name=name, version=version or "any")
    addrs = run_named(st, "symbol_addresses", name=name, version=version or "any")
    if not facts and not addrs:
        hint = ""
        idx = v.index(version or v.default_version)
        sugg = (
            idx.names_of("Function").suggest(name)
            or idx.names_of("Constant").suggest(name)
            or idx.names_of("Type").suggest(name)
        )
        if sugg:
            hint = f"; did you mean {', '.join(sugg)}?"
        return ["not-found", f"the graph has nothing named {name!r}{' in ' + version if version else ''}{hint}"]
    facts.sort(key=lambda r: (r["kind"], r["ordinal"] or 0))
    addrs.sort(key=lambda r: r["ordinal"] or 0)
    return ["ok", {"facts": facts, "addresses": addrs}]


def main() -> None:
    from kg.settings import Settings
    from kg.store import open_store
    from validate.api import UnknownVersion, Validator
    from validate.models import Example
    from validate.workerproc import die_with_parent

    die_with_parent()
    cfg = json.loads(sys.stdin.readline())
    out = sys.stdout
    try:
        settings = Settings(**cfg["settings"])
        store = open_store(settings, read_only=True)
        v = Validator(store, settings, compile=cfg["compile"], decomp=cfg.get("decomp"), plan_only=True)
        for ver in v.versions():
            v.index(ver)  # warm: a job never pays for loading the graph's index
    except Exception as e:  # noqa: BLE001 - said on the ready line; the service reports it
        out.write(json.dumps({"ready": False, "error": f"{type(e).__name__}: {e}"}) + "\n")
        out.flush()
        return
    out.write(
        json.dumps(
            {
                "ready": True,
                "versions": v.versions(),
                "default_version": v.default_version,
                "compile_note": v.compile_note,
                "decomp": str(v.compiler.root) if v.compiler else None,
            }
        )
        + "\n"
    )
    out.flush()
    for raw in sys.stdin:
        try:
            job = json.loads(raw)
            op = job["op"]
            if op == "check":
                reply: list[Any] = ["ok", v.check(Example.model_validate(job["example"]), job.get("version")).to_json()]
            elif op == "check_code":
                reply = ["ok", v.check_code(job["code"], job.get("version")).to_json()]
            elif op == "symbol":
                reply = _symbol(v, job["name"], job.get("version"))
            else:
                reply = ["error", f"unknown op {op!r}"]
        except UnknownVersion as e:
            reply = ["unknown-version", str(e)]
        except MemoryError:
            reply = ["error", "the check ran out of memory"]
        except Exception as e:  # noqa: BLE001 - one bad job must not end the worker
            reply = ["error", f"{type(e).__name__}: {str(e)[:300]}"]
        out.write(json.dumps(reply, default=str) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
