"""Anthropic through the official SDK: prompt caching, retries, token and cost accounting.

The system prompt and the grounded context are marked ``cache_control`` so that
several examples about one target (or one family) reuse them at a tenth of the
price. Retries (429, 529, 5xx, connection errors, malformed responses) back off
exponentially and honour ``retry-after``; the SDK's own retries are off so that
every attempt is accounted for here.
"""

from __future__ import annotations

import logging
import random
import time
from typing import Any

import anthropic

from generate.llm.base import LLMClient, LLMError, LLMRequest, LLMResponse
from generate.llm.pricing import Price
from generate.models import Usage

log = logging.getLogger(__name__)

RETRY_STATUS = {408, 409, 429, 500, 502, 503, 504, 529}


class AnthropicClient(LLMClient):
    generator = "anthropic"
    concurrent = True
    repairs = True

    def __init__(
        self,
        model: str,
        price: Price,
        *,
        api_key: str,
        base_url: str | None = None,
        max_retries: int = 6,
        backoff: float = 1.0,
        max_backoff: float = 60.0,
        timeout: float = 600.0,
    ) -> None:
        self.model = model
        self.price = price
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.sdk = anthropic.Anthropic(api_key=api_key, base_url=base_url, max_retries=0, timeout=timeout)
        self.retries = 0  # total retried attempts, for the progress display

    # -- request body -------------------------------------------------------------------
    def params(self, request: LLMRequest) -> dict[str, Any]:
        """Messages API parameters; the stable prefix (system, facts) is marked for caching."""
        first: list[dict[str, Any]] = []
        for text, cached in request.blocks():
            if not text:
                continue
            block: dict[str, Any] = {"type": "text", "text": text}
            if cached:
                block["cache_control"] = {"type": "ephemeral"}
            first.append(block)
        messages: list[dict[str, Any]] = [{"role": "user", "content": first}]
        messages += [{"role": m.role, "content": m.content} for m in request.history]
        return {
            "model": self.model,
            "max_tokens": request.max_tokens,
            "system": [{"type": "text", "text": request.system, "cache_control": {"type": "ephemeral"}}],
            "messages": messages,
            "metadata": {"user_id": "ootkg-generate"},
        }

    def worst_case_cost(self, request: LLMRequest, *, batch: bool = False) -> float:
        return self.price.worst_case(request.size_bytes(), request.max_tokens, batch=batch)

    # -- one request, with retries ------------------------------------------------------
    def complete(self, request: LLMRequest) -> LLMResponse:
        params = self.params(request)
        attempt = 0
        while True:
            try:
                message = self.sdk.messages.create(**params)
                return self.to_response(message, batch=False)
            except anthropic.APIStatusError as e:
                if e.status_code not in RETRY_STATUS or attempt >= self.max_retries:
                    raise LLMError(_describe(e)) from None
                wait = self._wait(attempt, e.response.headers if e.response is not None else {})
                log.info("HTTP %s from the API; retrying in %.2fs", e.status_code, wait)
            except (anthropic.APIConnectionError, anthropic.APIResponseValidationError, ValueError) as e:
                if attempt >= self.max_retries:
                    raise LLMError(f"no usable response after {attempt + 1} attempts: {e}") from None
                wait = self._wait(attempt, {})
                log.info("bad or no response (%s); retrying in %.2fs", type(e).__name__, wait)
            attempt += 1
            self.retries += 1
            time.sleep(wait)

    def to_response(self, message: Any, *, batch: bool) -> LLMResponse:
        content = getattr(message, "content", None)
        if content is None:
            raise ValueError("response has no content")
        text = "".join(getattr(b, "text", "") for b in content if getattr(b, "type", "") == "text")
        u = message.usage
        usage = Usage(
            input_tokens=u.input_tokens or 0,
            output_tokens=u.output_tokens or 0,
            cache_write_tokens=getattr(u, "cache_creation_input_tokens", 0) or 0,
            cache_read_tokens=getattr(u, "cache_read_input_tokens", 0) or 0,
            requests=1,
        )
        usage.cost_usd = self.price.cost(usage, batch=batch)
        return LLMResponse(
            text=text,
            stop_reason=message.stop_reason or "",
            usage=usage,
            model=getattr(message, "model", None) or self.model,
        )

    def _wait(self, attempt: int, headers: Any) -> float:
        for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
            raw = headers.get(name) if headers else None
            if raw:
                try:
                    return min(float(raw) * scale, self.max_backoff)
                except ValueError:
                    pass
        return min(self.backoff * 2**attempt, self.max_backoff) * (0.5 + random.random() / 2)

    def close(self) -> None:
        self.sdk.close()


def _describe(e: anthropic.APIStatusError) -> str:
    hints = {
        401: "check ANTHROPIC_API_KEY",
        403: "the key may lack access to this model",
        404: "unknown model name?",
        400: "the request was refused",
    }
    msg = getattr(e, "message", str(e))
    hint = hints.get(e.status_code)
    return f"HTTP {e.status_code}: {msg}" + (f" ({hint})" if hint else "")
