"""The LSP framing of bench/clangd_lsp.py (no clangd needed)."""

from __future__ import annotations

import io
import json

from bench.clangd_lsp import encode, read_message


def test_round_trip_several_messages_with_multibyte_text() -> None:
    msgs = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"x": "é→ü"}},
        {
            "jsonrpc": "2.0",
            "method": "$/progress",
            "params": {"token": "backgroundIndexProgress", "value": {"kind": "end"}},
        },
    ]
    stream = io.BytesIO(b"".join(encode(m) for m in msgs))
    assert [read_message(stream), read_message(stream)] == msgs
    assert read_message(stream) is None


def test_length_counts_bytes_not_characters() -> None:
    raw = encode({"t": "ééé"})
    header, body = raw.split(b"\r\n\r\n", 1)
    assert int(header.split(b":")[1]) == len(body) > len('{"t":"ééé"}')


def test_reads_server_framing_with_extra_headers() -> None:
    body = json.dumps({"jsonrpc": "2.0", "id": 7, "result": None}).encode()
    raw = (b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\ncontent-length: %d\r\n\r\n" % len(body)) + body
    assert read_message(io.BytesIO(raw)) == {"jsonrpc": "2.0", "id": 7, "result": None}


def test_truncated_body_is_end_of_stream() -> None:
    raw = encode({"id": 1, "result": "long enough"})
    assert read_message(io.BytesIO(raw[:-3])) is None
