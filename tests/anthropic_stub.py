"""A local stand-in for the Anthropic API (Messages and Message Batches) for the tests.

A threaded ``http.server`` on 127.0.0.1 that the real ``anthropic`` SDK talks to
through ``base_url``. It answers with a conversation built from the FACTS it was
sent (so answers are grounded and validate), and can be scripted to fail: HTTP
429 with ``retry-after``, 529, 500, a malformed JSON body, a ``max_tokens`` stop,
or a first answer with an invented function (to exercise the repair round).
Every request body is recorded for assertions; usage simulates prompt caching.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_FACT = re.compile(r"^\[(?P<id>[^\]]+)\] (?P<text>.*?)(?: \(source: [^)]*\))?$", re.M)
_TARGET = re.compile(r"^Target: (\w+) (\S+) \(game version ([\w.\-]+)\)", re.M)
_TURNS = re.compile(r"at least (\d+) turns")
_QUOTE = re.compile(r"```c src/\S+\n.*?\n```", re.S)


class Stub:
    def __init__(self) -> None:
        self.faults: deque[tuple] = deque()  # consumed one per /v1/messages request
        self.bad_first_answer = False  # invent a function in answers without repair history
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.batches: dict[str, dict[str, Any]] = {}
        self.polls_until_done = 1
        self.lock = threading.Lock()
        self._cached: set[str] = set()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> Stub:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- answers ------------------------------------------------------------------------
    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        text_in = _request_text(body)
        system = "".join(b.get("text", "") for b in body.get("system") or [] if isinstance(b, dict))
        if system.startswith("You grade training examples"):
            return self._message(body, text_in, _grade(text_in))
        repair = len(body.get("messages", [])) > 1
        target = _TARGET.search(text_in)
        facts = _FACT.findall(text_in)
        turns = int(m.group(1)) if (m := _TURNS.search(text_in)) else 2
        kind, key, version = target.groups() if target else ("?", "?", "?")
        first_id, first_text = facts[0] if facts else ("", "The graph has no facts here.")
        quote = _QUOTE.search(text_in)
        code = f"\n\n{quote.group(0)}" if quote else ""
        # A model answers the item's task: the scenario and the difficulty's task (items of
        # one target group share facts and code but differ in these).
        item = re.search(r"^ITEM: scenario (\S+) \(([^)]*)\)", text_in, re.M)
        task = re.search(r"^Difficulty \d: (.*)$", text_in, re.M)
        ask = (f" I mean: {item.group(2)}." if item else "") + (f" My task: {task.group(1)}" if task else "")
        msgs = [("user", f"What does the decomp say about {key} in {version}?{ask}"), ("assistant", first_text + code)]
        while len(msgs) < turns:
            msgs += [("user", "Can you say that again in other words?"), ("assistant", f"In short: {first_text}")]
        if self.bad_first_answer and not repair:
            msgs[-1] = (
                "assistant",
                msgs[-1][1] + "\n\n```c\nvoid Mod_Boom(Actor* thisx) {\n    Actor_ExplodeEverything(thisx);\n}\n```",
            )
        out = "\n".join(f"<{r}>{c}</{r}>" for r, c in msgs) + f"\n<facts_used>{first_id}</facts_used>"
        return self._message(body, text_in, out)

    def _message(self, body: dict[str, Any], text_in: str, out: str) -> dict[str, Any]:
        # The cached prefix: the system prompt and the content blocks up to the last one
        # marked cache_control (the API caches the longest marked prefix it has seen).
        content = body["messages"][0]["content"]
        content = content if isinstance(content, list) else [{"text": content}]
        marked = [i for i, c in enumerate(content) if c.get("cache_control")]
        upto = content[: marked[-1] + 1] if marked else []
        cache_key = json.dumps([body.get("system"), upto])
        with self.lock:
            hit = cache_key in self._cached
            self._cached.add(cache_key)
        prefix = len(cache_key) // 4
        tail = [c.get("text", "") for c in content[len(upto) :]]
        tail += [
            m["content"] if isinstance(m["content"], str) else json.dumps(m["content"]) for m in body["messages"][1:]
        ]
        usage = {
            "input_tokens": max(1, len("".join(tail)) // 4),
            "output_tokens": max(1, len(out) // 4),
            "cache_creation_input_tokens": 0 if hit else prefix,
            "cache_read_input_tokens": prefix if hit else 0,
        }
        return {
            "id": f"msg_{len(self.requests)}",
            "type": "message",
            "role": "assistant",
            "model": body.get("model"),
            "content": [{"type": "text", "text": out}],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": usage,
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(
                self,
                status: int,
                payload: Any,
                headers: dict[str, str] | None = None,
                raw: bytes | None = None,
                ctype: str = "application/json",
            ) -> None:
                data = raw if raw is not None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", ctype)
                self.send_header("content-length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def _error(self, status: int, kind: str, headers: dict[str, str] | None = None) -> None:
                self._send(status, {"type": "error", "error": {"type": kind, "message": kind}}, headers)

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                with stub.lock:
                    stub.headers.append({k.lower(): v for k, v in self.headers.items()})
                if self.path == "/v1/messages":
                    with stub.lock:
                        stub.requests.append(body)
                        fault = stub.faults.popleft() if stub.faults else None
                    if fault is None:
                        return self._send(200, stub.answer(body))
                    what = fault[0]
                    if what == "status":
                        return self._error(
                            fault[1],
                            "overloaded_error"
                            if fault[1] == 529
                            else "rate_limit_error"
                            if fault[1] == 429
                            else "api_error",
                            fault[2] if len(fault) > 2 else None,
                        )
                    if what == "malformed":
                        return self._send(200, None, raw=b'{"id": "msg_x", "content": [')
                    if what == "max_tokens":
                        msg = stub.answer(body)
                        text = msg["content"][0]["text"]
                        msg["content"][0]["text"] = text[: len(text) // 3]
                        msg["stop_reason"] = "max_tokens"
                        return self._send(200, msg)
                    raise AssertionError(f"unknown fault {fault}")
                if self.path == "/v1/messages/batches":
                    bid = f"msgbatch_{len(stub.batches) + 1:04d}"
                    with stub.lock:
                        stub.batches[bid] = {"requests": body["requests"], "polls": 0}
                    return self._send(200, stub.batch_json(bid))
                self._error(404, "not_found_error")

            def do_GET(self) -> None:  # noqa: N802
                m = re.fullmatch(r"/v1/messages/batches/(\w+)(/results)?", self.path)
                if not m or m.group(1) not in stub.batches:
                    return self._error(404, "not_found_error")
                bid = m.group(1)
                if m.group(2):
                    lines = []
                    for req in stub.batches[bid]["requests"]:
                        with stub.lock:
                            stub.requests.append(req["params"])
                        lines.append(
                            json.dumps(
                                {
                                    "custom_id": req["custom_id"],
                                    "result": {"type": "succeeded", "message": stub.answer(req["params"])},
                                }
                            )
                        )
                    return self._send(200, None, raw=("\n".join(lines) + "\n").encode(), ctype="application/binary")
                with stub.lock:
                    stub.batches[bid]["polls"] += 1
                self._send(200, stub.batch_json(bid))

        return Handler

    def batch_json(self, bid: str) -> dict[str, Any]:
        b = self.batches[bid]
        done = b["polls"] >= self.polls_until_done
        n = len(b["requests"])
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        return {
            "id": bid,
            "type": "message_batch",
            "processing_status": "ended" if done else "in_progress",
            "request_counts": {
                "processing": 0 if done else n,
                "succeeded": n if done else 0,
                "errored": 0,
                "canceled": 0,
                "expired": 0,
            },
            "created_at": now,
            "expires_at": now,
            "ended_at": now if done else None,
            "archived_at": None,
            "cancel_initiated_at": None,
            "results_url": f"{self.url}/v1/messages/batches/{bid}/results" if done else None,
        }


def _grade(text_in: str) -> str:
    """A judge's answer: high marks when the example restates one of the FACTS it was sent,
    low when it does not, and low code marks for libc calls (the rubric's "unsafe")."""
    facts = [t for _, t in _FACT.findall(text_in)]
    example = text_in.split("<example>", 1)[-1]
    grounded = any(t[:40] in example for t in facts if t)
    base = 9 if grounded else 3
    code = 2 if re.search(r"\b(malloc|printf)\s*\(", example) else base
    scores = {
        "correctness": base,
        "grounding": base,
        "answers_question": base,
        "question_realism": 8,
        "depth": base,
        "idiomatic_code": code,
    }
    problems = [] if grounded else ["restates none of the facts"]
    return json.dumps({**scores, "problems": problems})


def _request_text(body: dict[str, Any]) -> str:
    parts = []
    for msg in body.get("messages", []):
        content = msg["content"]
        if isinstance(content, str):
            parts.append(content)
        else:
            parts += [c.get("text", "") for c in content]
    return "\n".join(parts)
