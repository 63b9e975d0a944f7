"""What a run would cost before it runs: the prompts it would send, priced with caching.

Builds the plan as a run does (the same contexts with code, the same scenarios) and the
requests of its first items, in plan order (items about one target are adjacent, which is
what the cache pays for), sending nothing. For each request it models Anthropic's prompt
cache: three breakpoints (system prompt; + family block; + the target's facts and code),
each cached only when its prefix reaches the model's minimum (``Price.min_cache``); a
request reads the longest prefix an earlier one wrote and writes the rest. It reports the
cache hit rate, the share of prompts whose cached prefix passes the minimum, the share
that hold the target's own code, and the expected and worst-case cost. The budget check
during the run still holds whatever the estimate says.
"""

from __future__ import annotations

import statistics
from itertools import islice
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from generate.context import ContextBuilder, Queries, tokens_of
from generate.curriculum import ConceptGraph
from generate.llm.pricing import CACHE_READ, CACHE_WRITE
from generate.plan import RunConfig, iter_plan, load_targets
from generate.process import Processor

# What counts as "the target's own code" in a prompt, by the snippet's role.
OWN_ROLES = {"own", "init", "update", "draw", "destroy", "profile", "struct", "table", "spec", "use", "covered"}


class Estimate(BaseModel):
    requests: int
    sampled: int
    input_tokens_mean: int  # estimated from the text (about 3.5 characters a token)
    cached_prefix_tokens_mean: int  # system + family block + facts and code
    min_cacheable_tokens: int  # the model's minimum (the price table)
    prefix_above_min_share: float  # prompts whose whole cached prefix reaches it
    own_code_share: float  # prompts whose CODE section holds the target's own code
    cache_hit_rate: float  # input tokens read from the cache / all input tokens
    input_bytes_mean: int
    max_tokens: int
    expected_usd: float  # modelled caching, output at half of max_tokens
    worst_usd: float  # every byte a token at the cache-write price, full max_tokens
    worst_with_repairs_usd: float
    batch: bool


def _requests(store: Any, config: RunConfig, n: int, decomp: Path | None, cache_dir: Path | None) -> list[Any]:
    from generate.run import code_provider
    from kg.derived import DerivedCache

    derived = DerivedCache(store, cache_dir)
    q = Queries(store, derived=derived)
    contexts = ContextBuilder(
        store, max_tokens=config.max_context_tokens, code=code_provider(store, q, decomp), derived=derived
    )
    plan = list(islice(iter_plan(config, load_targets(q, config), ConceptGraph.load(q), contexts), n))
    proc = Processor(
        None,
        generator="estimate",
        model=config.model,
        ootkg_version="",
        ingest_run=None,
        run_id="",
        max_tokens=config.max_tokens,
        contexts=contexts,
    )
    return [proc.request(item, contexts.build(item.target, item.version)) for item in plan]


def has_own_code(req: Any) -> bool:
    from generate.code.section import budget

    shown = budget(req.context.code, req.code_tokens) if req.context.code else []
    return any(s.role in OWN_ROLES or s.entity == req.item.target.key for s in shown)


def model_cache(reqs: list[Any], min_cache: int) -> list[tuple[int, int, int]]:
    """Per request (uncached input, cache-read, cache-write) tokens."""
    seen: set[tuple[str, ...]] = set()
    out = []
    for r in reqs:
        parts = [r.system, r.family_text, r.context_text()]
        toks = [tokens_of(p) for p in parts]
        total = sum(toks) + tokens_of(r.instruction)
        prefixes = [(tuple(parts[: i + 1]), sum(toks[: i + 1])) for i in range(3)]
        cached = [(key, n) for key, n in prefixes if n >= min_cache]
        read = max((n for key, n in cached if key in seen), default=0)
        top = max((n for _, n in cached), default=0)
        write = top - read if top > read else 0
        seen.update(key for key, _ in cached)
        out.append((total - read - write, read, write))
    return out


def estimate(
    store: Any,
    config: RunConfig,
    price: Any,
    *,
    batch: bool = False,
    sample: int = 120,
    decomp: Path | None = None,
    cache_dir: Path | None = None,
) -> Estimate:
    reqs = _requests(store, config, min(config.count, sample), decomp, cache_dir)
    n = config.count
    if not reqs:
        return Estimate(
            requests=n,
            sampled=0,
            input_tokens_mean=0,
            cached_prefix_tokens_mean=0,
            min_cacheable_tokens=price.min_cache,
            prefix_above_min_share=0.0,
            own_code_share=0.0,
            cache_hit_rate=0.0,
            input_bytes_mean=0,
            max_tokens=config.max_tokens,
            expected_usd=0.0,
            worst_usd=0.0,
            worst_with_repairs_usd=0.0,
            batch=batch,
        )
    billed = model_cache(reqs, price.min_cache)
    prefix = [tokens_of(r.system) + tokens_of(r.family_text) + tokens_of(r.context_text()) for r in reqs]
    totals = [sum(b) for b in billed]
    m = 0.5 if batch else 1.0
    per = [
        m
        * (
            u * price.input
            + rd * price.input * CACHE_READ
            + w * price.input * CACHE_WRITE
            + config.max_tokens / 2 * price.output
        )
        / 1e6
        for u, rd, w in billed
    ]
    mean_bytes = int(statistics.mean(r.size_bytes() for r in reqs))
    worst = n * price.worst_case(mean_bytes, config.max_tokens, batch=batch)
    return Estimate(
        requests=n,
        sampled=len(reqs),
        input_tokens_mean=int(statistics.mean(totals)),
        cached_prefix_tokens_mean=int(statistics.mean(prefix)),
        min_cacheable_tokens=price.min_cache,
        prefix_above_min_share=round(sum(p >= price.min_cache for p in prefix) / len(reqs), 3),
        own_code_share=round(sum(has_own_code(r) for r in reqs) / len(reqs), 3),
        cache_hit_rate=round(sum(rd for _, rd, _ in billed) / max(1, sum(totals)), 3),
        input_bytes_mean=mean_bytes,
        max_tokens=config.max_tokens,
        expected_usd=round(statistics.mean(per) * n, 4),
        worst_usd=round(worst, 4),
        worst_with_repairs_usd=round(2 * worst, 4),
        batch=batch,
    )
