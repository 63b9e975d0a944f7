"""What a run would cost before it runs: planned requests, their size, and the worst case.

Builds the plan and the contexts of a sample of its items (no request is sent) and
prices them with the model's price table: the input is measured (bytes, and a token
estimate), the output is bounded by ``max_tokens``. Repairs can add up to one request per
example; the budget check during the run still holds whatever the estimate says.
"""

from __future__ import annotations

import statistics
from typing import Any

from pydantic import BaseModel

from generate.context import ContextBuilder, Queries, tokens_of
from generate.curriculum import ConceptGraph
from generate.plan import RunConfig, load_targets, make_plan
from generate.process import Processor


class Estimate(BaseModel):
    requests: int
    sampled: int
    input_tokens_mean: int  # estimated from the text (about 3.5 characters a token)
    input_bytes_mean: int
    cacheable_share: float  # of the input: system prompt + facts
    max_tokens: int
    expected_usd: float  # input as estimated, output at half of max_tokens, no cache hits
    worst_usd: float  # every byte a token at the cache-write price, full max_tokens
    worst_with_repairs_usd: float
    batch: bool


def estimate(store: Any, config: RunConfig, price: Any, *, batch: bool = False,
             sample: int = 60) -> Estimate:
    q = Queries(store)
    plan = make_plan(config, load_targets(q, config), ConceptGraph.load(q),
                     max(config.count, 1))[: config.count]
    contexts = ContextBuilder(store, max_tokens=config.max_context_tokens)
    proc = Processor(None, generator="estimate", model=config.model, ootkg_version="",
                     ingest_run=None, run_id="", max_tokens=config.max_tokens)
    step = max(1, len(plan) // sample)
    sizes, tokens, shares = [], [], []
    for item in plan[::step][:sample]:
        req = proc.request(item, contexts.build(item.target, item.version))
        text = req.system + req.context_text() + req.instruction
        sizes.append(req.size_bytes())
        tokens.append(tokens_of(text))
        shares.append((len(req.system) + len(req.context_text())) / max(1, len(text)))
    n = len(plan)
    mean_bytes = int(statistics.mean(sizes)) if sizes else 0
    mean_tokens = int(statistics.mean(tokens)) if tokens else 0
    m = 0.5 if batch else 1.0
    expected = n * m * (mean_tokens * price.input + config.max_tokens / 2 * price.output) / 1e6
    worst = n * price.worst_case(mean_bytes, config.max_tokens, batch=batch)
    return Estimate(requests=n, sampled=len(sizes), input_tokens_mean=mean_tokens,
                    input_bytes_mean=mean_bytes,
                    cacheable_share=round(statistics.mean(shares), 3) if shares else 0.0,
                    max_tokens=config.max_tokens, expected_usd=round(expected, 4),
                    worst_usd=round(worst, 4), worst_with_repairs_usd=round(2 * worst, 4),
                    batch=batch)
