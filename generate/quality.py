"""Masked text: what an example says once names and numbers are taken out.

``mask`` replaces identifiers that are names of things (CamelCase, snake_with_underscores,
ALL_CAPS, anything with a digit), numbers, paths and version ids with placeholders, so two
questions about different actors with the same wording have the same *shape*. Used by the
deduplicator (masked near-duplicates, a cap per question shape), the report and the benchmark.
"""

from __future__ import annotations

import random
import re
from itertools import combinations

_PATH = re.compile(r"\b[\w./-]+\.(?:c|h|inc|xml|yaml)(?::\d+(?:-\d+)?)?")
_VERSION = re.compile(r"\b(?:gc|ntsc|pal|ique)-[\w.-]+\b")
_NUM = re.compile(r"\b0x[0-9A-Fa-f]+\b|\b\d+(?:\.\d+)?f?\b")
_NAME = re.compile(r"\b(?:[A-Za-z]*[a-z][A-Z]\w*|[A-Za-z]+_\w+|[A-Z][A-Z0-9]{2,}\w*|\w*\d\w*)\b")
_WORD = re.compile(r"[a-z<>]+")


def mask(text: str) -> str:
    text = _PATH.sub("<path>", text)
    text = _VERSION.sub("<ver>", text)
    text = _NAME.sub("<name>", text)
    text = _NUM.sub("<num>", text)
    return text


def shape(question: str) -> str:
    """A question's shape: masked, lower case, punctuation and spaces folded."""
    words = _WORD.findall(mask(question).lower())
    return " ".join(words)


def grams(text: str, n: int = 3) -> set[str]:
    words = _WORD.findall(mask(text).lower())
    if len(words) < n:
        return {" ".join(words)}
    return {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def mean_pairwise(items: list[set[str]], max_pairs: int = 4000, seed: int = 0) -> float:
    pairs = list(combinations(range(len(items)), 2))
    if not pairs:
        return 0.0
    if len(pairs) > max_pairs:
        pairs = random.Random(seed).sample(pairs, max_pairs)
    return sum(jaccard(items[i], items[j]) for i, j in pairs) / len(pairs)


def example_text(messages: list[dict]) -> str:
    return "\n".join(m.get("content", "") for m in messages)


def first_question(messages: list[dict]) -> str:
    return next((m.get("content", "") for m in messages if m.get("role") == "user"), "")
