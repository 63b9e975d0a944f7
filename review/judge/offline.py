"""The offline judge: the rubric scored from features of the example, its facts and its
validation report. No model, no network; thousands of examples a second.

Each dimension is a small, readable formula over features (see ``docs/review.md``):

- correctness: the validator's errors and warnings; numbers the answer states that no
  fact gives (nor one arithmetic step on two facts); version names that contradict the
  example's version; fact ids of another version.
- grounding: the example's fact ids exist in the target's context; the code-like names
  the answer uses appear in its facts (or the question, or the decomp's idioms).
- answers_question: each user turn's keywords come back in the answer to it; no
  deflection ("it depends", "check the source"); not a one-liner.
- question_realism: the question names the target or its facts, reads like a question,
  speaks the domain, and carries no template debris.
- depth: words, facts used (of those available) and code/turns against the difficulty.
- idiomatic_code: no unsafe constructs (raw RAM pokes, libc allocation, printf), decomp
  types rather than C's, and the validator's code and style issues.

A near-duplicate of an earlier example of the same file (``review.judge.novelty``) scores
at most 2.5; one much like it loses a point.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from review.judge import text as T
from review.judge.novelty import NoveltyIndex
from review.judge.rubric import JudgeScore, overall, scale
from review.models import messages_sha, now_iso

NAME = "offline-v1"

_HEDGE = re.compile(
    r"\b(it depends|not sure|hard to say|i don'?t know|can'?t help|"
    r"check the (?:decomp|source|wiki|docs)|look (?:at|into) the (?:source|decomp|code)|"
    r"experiment (?:with it|in an emulator)|search (?:the|online)|try it and see|"
    r"beyond the scope)\b",
    re.I,
)
_ARTIFACT = re.compile(
    r"\{[a-z_]*\}|\bTODO\b|lorem ipsum|\bNone\b|\bnull\b|\bundefined\b|"
    r"\$\{|<[a-z]+>",
    re.I,
)
# word order no question has: a function word before the final mark, a mark mid-question
# followed by a lower-case word
_BROKEN = re.compile(r"\b(?:the|a|an|to|of|in|for|and|is|I|my)\s*[?.!]\s*$|[?!]\s+[a-z]", re.M)
_WANTS_CODE = re.compile(r"\b(code|write|implement|patch|snippet|function that|how do i)\b", re.I)
_UNSAFE = [
    re.compile(p)
    for p in (
        r"\(\s*[\w\s]+\*+\s*\)\s*0[xX]8[0-9A-Fa-f]{7}",  # a cast of a raw RAM address
        r"\*\s*\(\s*(?:volatile\s+)?[\w\s]+\*\s*\)\s*0[xX][0-9A-Fa-f]{6,}",
        r"\b(?:malloc|calloc|realloc|free|printf|sprintf|strcpy|strcat|gets|system|exit)\s*\(",
        r"#include\s*<(?:stdio|stdlib|string|malloc)\.h>",
        r"\bwhile\s*\(\s*(?:1|true)\s*\)\s*;",
        r"\bfor\s*\(\s*;\s*;\s*\)\s*;",
    )
]
_NON_IDIOM = [
    re.compile(p)
    for p in (
        r"\b(?:unsigned|signed)\s+(?:int|short|char|long)\b",
        r"(?<![\w*])(?:int|short|long|float|double)(?:\s+|\s*\*+\s*)[A-Za-z_]\w*\s*[=;,)\[]",
    )
]
_DOMAIN = frozenset(
    """actor actors object objects scene scenes room rooms function functions
struct structs field member offset offsets address addresses version versions rom ram mod
modding decomp code compile build overlay segment texture textures sound audio sequence sfx
save flag flags heap memory draw update init destroy collision collider animation skeleton
limb display list matrix camera player link entrance spawn params pointer type size bytes
header linker spec makefile emulator hardware console frame frames cutscene message dungeon
enemy item inventory boss""".split()
)
_EXPECT_WORDS = {1: 15, 2: 35, 3: 60, 4: 100}
_EXPECT_FACTS = {1: 1, 2: 2, 3: 2, 4: 3}


def _clip(x: float) -> float:
    return max(0.0, min(1.0, x))


class OfflineJudge:
    name = NAME

    def __init__(self, *, facts: Any = None, novelty: bool = True) -> None:
        """``facts``: ``metadata -> list of facts | None`` (the target's context); without
        it, grounding reads the fact ids alone."""
        self.facts = facts
        self.novelty = NoveltyIndex() if novelty else None

    def score_all(self, records: list[dict[str, Any]]) -> list[JudgeScore]:
        return [self.score(r) for r in records]

    def score(self, record: dict[str, Any], *, facts: Sequence[T.FactLike] | None = None) -> JudgeScore:
        meta = record.get("metadata") or {}
        messages = record.get("messages") or []
        if facts is None and self.facts is not None:
            facts = self.facts(meta)
        parts = T.split(messages, meta.get("validation"))
        fact_ids = list(meta.get("fact_ids") or [])
        corpus = T.Corpus.of(facts, fact_ids)
        flags: list[str] = []
        loose = _loose_names(parts, corpus)
        dims = {
            "correctness": self._correctness(meta, parts, corpus, fact_ids, loose, flags),
            "grounding": self._grounding(meta, parts, corpus, fact_ids, facts, loose, flags),
            "answers_question": self._answers(meta, parts, flags),
            "question_realism": self._realism(meta, parts, corpus, flags),
            "depth": self._depth(meta, parts, fact_ids, facts, flags),
            "idiomatic_code": self._code(meta, parts, flags),
        }
        dims = {k: scale(v) for k, v in dims.items()}
        total = overall(dims)
        if self.novelty is not None:
            near = self.novelty.add(
                meta.get("id", ""), str(meta.get("target", "")), parts.question + "\n" + parts.answer
            )
            if near.duplicate:
                flags.append(f"near-duplicate of {near.other} (Jaccard {near.similarity:.2f})")
                total = min(total, 2.5)
            elif near.similarity >= 0.75:
                flags.append(f"much like {near.other} (Jaccard {near.similarity:.2f})")
                total = max(1.0, total - 1.0)
        return JudgeScore(
            id=meta.get("id", ""),
            judge=NAME,
            score=total,
            dimensions=dims,
            flags=flags,
            sha=messages_sha(messages),
            created=now_iso(),
        )

    # -- dimensions (each 0..1) ---------------------------------------------------------
    def _correctness(
        self, meta: dict, parts: T.Parts, corpus: T.Corpus, fact_ids: list[str], loose: list[str], flags: list[str]
    ) -> float:
        x = 1.0
        report = meta.get("validation") or {}
        if report and not report.get("ok", True):
            x -= 0.6
            flags.append("the validator found errors")
        for issue in report.get("issues", []):
            if issue.get("severity") == "error":
                x -= 0.2
            elif issue.get("severity") == "warning" and (issue.get("level") or 4) <= 3:
                x -= 0.1
        # (the corpus is shared: not added to it); a verified quote's numbers are the decomp's
        asked = set(T.numbers(parts.question)).union(*(T.numbers(q) for q in parts.quoted))
        shown = set(T.numbers(parts.answer))
        unsupported = sorted(
            {n for n in shown if not T.trivial_number(n) and n not in asked and not corpus.supports(n, shown, asked)}
        )
        if unsupported:
            x -= min(0.9, 0.35 * len(unsupported))
            flags.append("numbers no fact gives: " + ", ".join(hex(n) for n in unsupported[:5]))
        claimed = [w for w in loose if w in T.identifiers(parts.prose)]
        if claimed:  # a statement about a name no fact gives: likely wrong as well as ungrounded
            x -= min(0.6, 0.25 * len(claimed))
        clash = T.hex_dec_mismatches(parts.answer)
        if clash:
            x -= 0.5
            flags.append(f"contradicts itself: {clash[0]}")
        if corpus.texts:
            wrong = T.misquotes(parts.prose, corpus.tokens)
            if wrong:
                x -= min(0.8, 0.45 * len(wrong))
                flags.append("restates a fact with " + ", ".join(f"{b} for {a}" for a, b in wrong[:3]))
        if corpus.places:
            for name, path, line in T.placed(parts.prose):
                there = corpus.places.get((path, line))
                if there and name not in there:
                    x -= 0.45
                    flags.append(f"places {name} at {path}:{line}, where the facts put {sorted(there)[0]}")
                    break
        version = meta.get("version") or ""
        for where, text in (("the answer", parts.prose), ("the question", parts.question)):
            said = T.versions(text)
            if version and said and version not in said:
                x -= 0.6
                flags.append(f"{where} speaks of {', '.join(sorted(said))}, not {version}")
        tagged = [i.rsplit("@", 1)[1] for i in fact_ids if "@" in i]
        if version and tagged and version not in tagged:
            x -= 0.5
            flags.append(f"no fact id is of {version}")
        return _clip(x)

    def _grounding(
        self,
        meta: dict,
        parts: T.Parts,
        corpus: T.Corpus,
        fact_ids: list[str],
        facts: Sequence[T.FactLike] | None,
        loose: list[str],
        flags: list[str],
    ) -> float:
        if not fact_ids:
            flags.append("cites no facts")
            valid = 0.0
        elif facts is not None:
            valid = sum(i in corpus.ids for i in fact_ids) / len(fact_ids)
            if valid < 1:
                flags.append(f"{len(fact_ids) - round(valid * len(fact_ids))} fact id(s) not in the target's context")
        else:
            valid = 1.0
        share = 1.0 - len(loose) / max(1, len(T.identifiers(parts.answer)))
        if loose:
            flags.append("names no fact gives: " + ", ".join(loose[:5]))
        return _clip(0.4 * valid + 0.6 * share - 0.3 * len(loose))

    def _answers(self, meta: dict, parts: T.Parts, flags: list[str]) -> float:
        if not parts.pairs:
            flags.append("no answer")
            return 0.0

        def recall(user: str, answer: str) -> float:
            kw = T.content_words(user) | {w.lower() for w in T.identifiers(user)}
            got = T.content_words(answer) | {w.lower() for w in T.identifiers(answer)}
            return len(kw & got) / len(kw) if kw else 1.0

        # The first question may be answered over several turns (a clarifying question
        # first); later turns are read against the turn that answers them.
        first = recall(parts.question, parts.answer)
        later = [recall(u, a) for u, a in parts.pairs[1:] if not a.rstrip().endswith("?")]
        rest = sum(later) / len(later) if later else first
        # a good answer takes up about half of the question's words (the rest are "how",
        # "made", "smaller"...): half or more is full marks, none is 0.2
        x = min(1.0, 0.2 + 1.6 * (0.7 * first + 0.3 * rest))
        if first < 0.2:
            flags.append("the answer does not take up the question's words")
        target = str(meta.get("target") or "").rsplit(":", 1)[-1]
        names = {target, *(e.split(":", 1)[-1].split(".")[0] for e in meta.get("entities") or [])}
        low = parts.answer.lower()
        if not any(n.lower() in low for n in names if len(n) >= 3):
            x -= 0.3
            flags.append("the answer never names the target")
        n_words = len(T.words(parts.answer))
        hedges = _HEDGE.findall(parts.answer)
        if hedges:
            x -= min(0.7, 0.35 * len(hedges) * min(1.0, 80 / max(1, n_words)))
            flags.append(f"deflects ({hedges[0]})")
        first_answer = parts.pairs[0][1]
        if len(T.words(first_answer)) < 8 and not first_answer.rstrip().endswith("?"):
            x -= 0.5
            flags.append("a one-line answer")
        if int(meta.get("difficulty") or 1) >= 3 and _WANTS_CODE.search(parts.question) and not parts.code:
            x -= 0.2
        return _clip(x)

    def _realism(self, meta: dict, parts: T.Parts, corpus: T.Corpus, flags: list[str]) -> float:
        q = parts.question
        qwords = T.content_words(q)
        target = str(meta.get("target") or "").rsplit(":", 1)[-1]
        names = {target, *corpus.names, *(e.split(":", 1)[-1] for e in meta.get("entities") or [])} - {""}
        named = any(n.lower() in q.lower() for n in names if len(n) >= 3)
        overlap = len(qwords & corpus.words)
        about = 1.0 if named else 0.6 if overlap >= 2 else 0.3 if overlap == 1 else 0.0
        if about < 0.6:
            flags.append("the question names neither the target nor its facts")
        n = len(T.words(q))
        length = 1.0 if 3 <= n <= 150 else 0.4
        body = q.strip()
        shaped = body[-1:] in "?.!:)" and (
            body[:1].isupper() or body[:1] in "`\"'(" or T.code_like(T.words(body)[0] if T.words(body) else "")
        )
        disorder = int(not shaped) + len(_BROKEN.findall(body))
        if disorder:
            flags.append("the question does not read as a sentence")
        domain = len(qwords & (_DOMAIN | corpus.words)) / max(1, len(qwords))
        x = 0.5 * about + 0.2 * length + 0.3 * min(1.0, domain * 2.5) - 0.3 * disorder
        debris = _ARTIFACT.findall(q)
        if debris:
            x -= 0.5
            flags.append(f"template debris in the question ({debris[0]})")
        return _clip(x)

    def _depth(
        self, meta: dict, parts: T.Parts, fact_ids: list[str], facts: Sequence[T.FactLike] | None, flags: list[str]
    ) -> float:
        d = min(4, max(1, int(meta.get("difficulty") or 1)))
        n_words = len(T.words(parts.answer))
        r_words = min(1.0, n_words / _EXPECT_WORDS[d])
        r_facts = min(1.0, len(fact_ids) / _EXPECT_FACTS[d])
        r_task = 1.0 if d < 4 or parts.code or parts.turns >= 4 else 0.5
        x = 0.5 * r_words + 0.3 * r_facts + 0.2 * r_task
        if facts and d >= 3 and len(facts) >= 6 and len(fact_ids) <= 1:
            x -= 0.2
            flags.append(f"uses {len(fact_ids)} of {len(facts)} available facts at difficulty {d}")
        if r_words < 0.5:
            flags.append(f"{n_words} words for difficulty {d}")
        return _clip(x)

    def _code(self, meta: dict, parts: T.Parts, flags: list[str]) -> float:
        if not parts.own_code:  # a verified quote is the decomp's code: its idiom by definition
            return 1.0
        code = "\n".join(parts.own_code)
        x = 1.0
        unsafe = [m.group(0) for p in _UNSAFE for m in p.finditer(code)]
        if unsafe:
            x -= min(0.9, 0.45 * len(unsafe))
            flags.append(f"unsafe code: {unsafe[0].strip()[:40]}")
        odd = [m.group(0) for p in _NON_IDIOM for m in p.finditer(code)]
        if odd:
            x -= min(0.6, 0.2 * len(odd))
            flags.append(f"not the decomp's idiom: {odd[0].strip()[:40]}")
        report = meta.get("validation") or {}
        code_issues = [i for i in report.get("issues", []) if i.get("block") is not None or i.get("level") in (1, 4)]
        x -= min(0.5, 0.15 * len(code_issues))
        return _clip(x)


def _loose_names(parts: T.Parts, corpus: T.Corpus) -> list[str]:
    """Code-like names the answer uses that neither its facts, the question, its own code,
    the decomp's code it quotes nor the decomp's everyday idioms give."""
    allowed = corpus.idents | T.identifiers(parts.question) | T.defined_names(parts.code)
    for q in parts.quoted:
        allowed |= T.identifiers(q)
    return sorted(
        w
        for w in T.identifiers(parts.answer)
        if w not in allowed and w not in T.IDIOMS and not w.startswith("ACTOR_FLAG_")
    )
