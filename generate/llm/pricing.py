"""Anthropic prices (USD per million tokens) and the cost of a request.

Cache writes (5-minute TTL) cost 1.25x the input price, cache reads 0.1x; the
Message Batches API halves every price. An unknown model is an error unless the
user gives its prices (``--price IN,OUT``).
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from generate.models import Usage

CACHE_WRITE = 1.25
CACHE_READ = 0.10
BATCH_DISCOUNT = 0.5


class Price(BaseModel):
    input: float  # USD per million input tokens
    output: float  # USD per million output tokens
    # Shortest prefix the API caches, in tokens; a cache_control breakpoint on a shorter
    # prefix is ignored (billed as plain input, no error).
    min_cache: int = 1024

    def cost(self, usage: Usage, *, batch: bool = False) -> float:
        m = BATCH_DISCOUNT if batch else 1.0
        return (
            m
            * (
                usage.input_tokens * self.input
                + usage.output_tokens * self.output
                + usage.cache_write_tokens * self.input * CACHE_WRITE
                + usage.cache_read_tokens * self.input * CACHE_READ
            )
            / 1e6
        )

    def worst_case(self, input_tokens: int, max_tokens: int, *, batch: bool = False) -> float:
        """The most a request can cost: all input billed at the cache-write rate."""
        m = BATCH_DISCOUNT if batch else 1.0
        return m * (input_tokens * self.input * CACHE_WRITE + max_tokens * self.output) / 1e6


# Published list prices (platform.claude.com "Models & pricing"), USD per million tokens, and
# the minimum cacheable prompt length ("Prompt caching"). For the 5.x models the minimum is
# their family's as the documentation lists it (Opus 5 and Fable 5: 512, Sonnet 5: 1024).
PRICES: dict[str, Price] = {
    "claude-fable-5-1": Price(input=10.0, output=50.0, min_cache=512),
    "claude-opus-5-5": Price(input=4.0, output=20.0, min_cache=512),
    "claude-opus-5": Price(input=5.0, output=25.0, min_cache=512),
    "claude-sonnet-5-5": Price(input=2.0, output=10.0, min_cache=1024),
    "claude-sonnet-5": Price(input=2.0, output=10.0, min_cache=1024),
    "claude-opus-4-7": Price(input=5.0, output=25.0, min_cache=2048),
    "claude-opus-4-6": Price(input=5.0, output=25.0, min_cache=4096),
    "claude-sonnet-4-6": Price(input=3.0, output=15.0, min_cache=1024),
    "claude-opus-4-5": Price(input=5.0, output=25.0, min_cache=4096),
    "claude-opus-4-1": Price(input=15.0, output=75.0, min_cache=1024),
    "claude-opus-4": Price(input=15.0, output=75.0, min_cache=1024),
    "claude-sonnet-4-5": Price(input=3.0, output=15.0, min_cache=1024),
    "claude-sonnet-4": Price(input=3.0, output=15.0, min_cache=1024),
    "claude-3-7-sonnet": Price(input=3.0, output=15.0, min_cache=1024),
    "claude-3-5-sonnet": Price(input=3.0, output=15.0, min_cache=1024),
    "claude-haiku-4-5": Price(input=1.0, output=5.0, min_cache=4096),
    "claude-3-5-haiku": Price(input=0.8, output=4.0, min_cache=2048),
    "claude-3-opus": Price(input=15.0, output=75.0, min_cache=1024),
    "claude-3-haiku": Price(input=0.25, output=1.25, min_cache=2048),
}

_SUFFIX = re.compile(r"^(-\d{8}|-latest)?$")


class UnknownModel(ValueError):
    pass


def price_for(model: str, override: str | None = None) -> Price:
    """The price of ``model``; ``override`` is "IN,OUT" in USD per million tokens."""
    if override:
        try:
            inp, out = (float(x) for x in override.split(","))
        except ValueError:
            raise UnknownModel(
                f"--price {override!r}: give INPUT,OUTPUT in USD per million tokens, e.g. --price 3,15"
            ) from None
        if inp < 0 or out < 0:
            raise UnknownModel("--price values must not be negative")
        return Price(input=inp, output=out)
    for name in sorted(PRICES, key=len, reverse=True):
        if model.startswith(name) and _SUFFIX.match(model[len(name) :]):
            return PRICES[name]
    raise UnknownModel(
        f"No price known for model {model!r}, so the budget cannot be enforced. Use one of "
        f"{', '.join(sorted(PRICES))} (optionally with a -YYYYMMDD date), or give its price "
        "with --price INPUT,OUTPUT (USD per million tokens)."
    )
