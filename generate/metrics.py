"""Quality of a set of examples, measured the way the issue's goals state them.

- ``code_share``: examples whose assistant turns quote decomp code (a fence naming
  ``file:line``) or hold an edit of a quoted function;
- ``shape_share``: distinct masked first-question shapes over examples;
- ``jaccard_by_family``: mean masked word-3-gram Jaccard of same-family pairs (``jaccard_mean``
  averages the families);
- per difficulty: median answer words, share with code; for level 4 the share whose answer
  names two systems or more (by their titles in ``domains.yaml``) and the share that also
  quotes code from two source files or more;
- ``multi_turn_share``: conversations with more than one user turn;
- ``per_domain`` (every seed domain, empty ones included) and ``kinds_by_family``.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from typing import Any

from pydantic import BaseModel, Field

from generate.quality import first_question, grams, mean_pairwise, shape

_FENCE = re.compile(r"^```c (?:edit )?(\S+?):\d+(?:-\d+)?\s*$", re.M)


class Metrics(BaseModel):
    examples: int = 0
    code_share: float = 0.0
    shape_share: float = 0.0
    distinct_shapes: int = 0
    jaccard_mean: float = 0.0
    jaccard_by_family: dict[str, float] = Field(default_factory=dict)
    words_by_difficulty: dict[str, float] = Field(default_factory=dict)  # median answer words
    code_by_difficulty: dict[str, float] = Field(default_factory=dict)
    level4_two_systems: float = 0.0  # the answer names >= 2 systems (their titles)
    level4_two_files: float = 0.0  # ... and quotes code from >= 2 source files
    level4_over_level1: float = 0.0  # median words, level 4 / level 1
    multi_turn_share: float = 0.0
    per_domain: dict[str, int] = Field(default_factory=dict)
    empty_domains: list[str] = Field(default_factory=list)
    kinds_by_family: dict[str, list[str]] = Field(default_factory=dict)


def _system_titles() -> list[str]:
    from generate.scenario import _load

    return list(_load("domains.yaml").get("systems", {}).values())


def answer_words(messages: list[dict[str, Any]]) -> int:
    return sum(len(m.get("content", "").split()) for m in messages if m.get("role") == "assistant")


def quoted_files(messages: list[dict[str, Any]]) -> set[str]:
    return {f for m in messages if m.get("role") == "assistant" for f in _FENCE.findall(m.get("content", ""))}


def measure(rows: list[dict[str, Any]], domains: list[str] | None = None) -> Metrics:
    out = Metrics(examples=len(rows))
    if domains is None:
        from generate.scenario import domains as seed_domains

        domains = list(seed_domains())
    if not rows:
        out.per_domain = {d: 0 for d in domains}
        out.empty_domains = list(domains)
        return out
    shapes: Counter[str] = Counter()
    by_family: dict[str, list[set[str]]] = defaultdict(list)
    words: dict[str, list[int]] = defaultdict(list)
    code: dict[str, list[bool]] = defaultdict(list)
    kinds: dict[str, set[str]] = defaultdict(set)
    per_domain: Counter[str] = Counter()
    multi = two = two_files = level4 = 0
    titles = _system_titles()
    for row in rows:
        msgs, meta = row["messages"], row["metadata"]
        files = quoted_files(msgs)
        d = str(meta.get("difficulty"))
        shapes[shape(first_question(msgs))] += 1
        by_family[meta["family"]].append(grams("\n".join(m["content"] for m in msgs)))
        words[d].append(answer_words(msgs))
        code[d].append(bool(files))
        kinds[meta["family"]].add(meta.get("target_kind", "?"))
        per_domain[meta.get("domain") or "(none)"] += 1
        multi += sum(m["role"] == "user" for m in msgs) > 1
        if d == "4":
            level4 += 1
            said = "\n".join(m["content"] for m in msgs if m["role"] == "assistant")
            named = sum(t in said for t in titles)
            two += named >= 2
            two_files += named >= 2 and len(files) >= 2
    n = len(rows)
    out.code_share = round(sum(sum(v) for v in code.values()) / n, 3)
    out.distinct_shapes = len(shapes)
    out.shape_share = round(len(shapes) / n, 3)
    out.jaccard_by_family = {f: round(mean_pairwise(g), 3) for f, g in sorted(by_family.items())}
    out.jaccard_mean = round(statistics.fmean(out.jaccard_by_family.values()), 3)
    out.words_by_difficulty = {k: float(statistics.median(v)) for k, v in sorted(words.items())}
    out.code_by_difficulty = {k: round(sum(v) / len(v), 3) for k, v in sorted(code.items())}
    out.level4_two_systems = round(two / level4, 3) if level4 else 0.0
    out.level4_two_files = round(two_files / level4, 3) if level4 else 0.0
    if out.words_by_difficulty.get("1") and out.words_by_difficulty.get("4"):
        out.level4_over_level1 = round(out.words_by_difficulty["4"] / out.words_by_difficulty["1"], 2)
    out.multi_turn_share = round(multi / n, 3)
    out.per_domain = {dom: per_domain.get(dom, 0) for dom in domains}
    out.per_domain.update({k: v for k, v in per_domain.items() if k not in out.per_domain})
    out.empty_domains = [dom for dom in domains if not per_domain.get(dom)]
    out.kinds_by_family = {f: sorted(k) for f, k in sorted(kinds.items())}
    return out
