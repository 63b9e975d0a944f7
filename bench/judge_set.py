"""Build a labelled set for the offline judge from the project's own generated examples:
half kept as they are (label ``good``), half given one planted defect of each rejection
reason of the review taxonomy, then validated again like any example.

    python bench/judge_set.py RUN.jsonl --db GRAPH --out judge_set.jsonl [--seed 1]

The defects are what a reviewer rejects for, in several forms each, with random
parameters (nothing is tuned to the judge):

- factually-wrong: a number the answer states (offset, size, id, address) changed; a
  name swapped for another real one of the graph; a member's type changed.
- ungrounded: the fact ids dropped and a claim about other real functions added; an
  invented paragraph about behaviour the facts do not give.
- unhelpful: a deflection instead of the answer; the answer to another question; the
  answer cut to its first words.
- unrealistic-question: a question off the domain; template debris in the question; the
  question of another example; the question's words shuffled.
- wrong-version: the example relabelled with another version of the graph; the versions
  named in the answer replaced by another.
- unsafe-code: a raw RAM poke, libc allocation or printf added; C's own types instead of
  the decomp's.
- duplicate: a copy of a kept example with a word or two changed (after it in the file).

Good and defective examples come from disjoint halves of the run (a mutated copy of a
kept example would otherwise be caught as a near-duplicate, which flatters the judge).
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

REASONS = (
    "factually-wrong",
    "ungrounded",
    "unhelpful",
    "unrealistic-question",
    "wrong-version",
    "unsafe-code",
    "duplicate",
)
_HEX = re.compile(r"0x[0-9A-Fa-f]{2,}")
_DEC = re.compile(r"(?<![\w.\-:/])\d{2,}(?![\w]|\.\d)")
_VERSION = re.compile(r"\b(?:ntsc|pal|gc|ique)-[a-z0-9][a-z0-9.\-]*[a-z0-9]\b")
_TYPE = re.compile(r"type `([^`]+)`")


def _answer_index(rec: dict[str, Any]) -> int:
    return next(i for i, m in enumerate(rec["messages"]) if m["role"] == "assistant")


def _assistant(rec: dict[str, Any]) -> list[int]:
    return [i for i, m in enumerate(rec["messages"]) if m["role"] == "assistant"]


class Mutator:
    def __init__(
        self, rng: random.Random, names: dict[str, list[str]], versions: list[str], pool: list[dict[str, Any]]
    ) -> None:
        self.rng, self.names, self.versions, self.pool = rng, names, versions, pool

    # -- factually wrong -------------------------------------------------------------------
    def factually_wrong(self, rec: dict[str, Any]) -> dict[str, Any] | None:
        for how in self.rng.sample([self._number, self._name, self._type], 3):
            out = how(copy.deepcopy(rec))
            if out is not None:
                return out
        return None

    def _number(self, rec: dict[str, Any]) -> dict[str, Any] | None:
        idx = _assistant(rec)
        found = [(i, m.group(0)) for i in idx for m in _HEX.finditer(rec["messages"][i]["content"])]
        found += [
            (i, m.group(0)) for i in idx for m in _DEC.finditer(rec["messages"][i]["content"]) if int(m.group(0)) > 16
        ]
        if not found:
            return None
        i, lit = self.rng.choice(found)
        value = int(lit, 16) if lit.startswith("0x") else int(lit)
        new = value + self.rng.choice([4, 8, 0x10, 0x24, 0x40, 0x100]) * self.rng.choice([1, -1])
        if new <= 16:
            new = value * 2 + 4
        text = f"0x{new:X}" if lit.startswith("0x") else str(new)
        rec["messages"][i]["content"] = rec["messages"][i]["content"].replace(lit, text, 1)
        return rec

    def _name(self, rec: dict[str, Any]) -> dict[str, Any] | None:
        i = _answer_index(rec)
        text = rec["messages"][i]["content"]
        prose = re.sub(r"```.*?```", "", text, flags=re.S)  # a claim, not the answer's own code
        target = str(rec["metadata"]["target"]).rsplit(":", 1)[-1]
        others = [
            n
            for n in re.findall(r"\b[A-Z][A-Za-z0-9]*_[A-Za-z0-9_]+\b", prose)
            if n != target and not n.startswith("Mod_")
        ]
        if not others:
            return None
        old = self.rng.choice(others)
        kind = "Function" if not old.isupper() else "Actor"
        new = self.rng.choice(self.names.get(kind) or self.names["Function"])
        rec["messages"][i]["content"] = text.replace(old, new, 1)
        return rec

    def _type(self, rec: dict[str, Any]) -> dict[str, Any] | None:
        i = _answer_index(rec)
        text = rec["messages"][i]["content"]
        m = _TYPE.search(text)
        if not m:
            return None
        new = self.rng.choice([t for t in ("s8", "u16", "s32", "f32", "Vec3s") if t != m.group(1)])
        rec["messages"][i]["content"] = text[: m.start(1)] + new + text[m.end(1) :]
        return rec

    # -- ungrounded -----------------------------------------------------------------------
    def ungrounded(self, rec: dict[str, Any]) -> dict[str, Any]:
        rec = copy.deepcopy(rec)
        i = _answer_index(rec)
        f1, f2 = self.rng.sample(self.names["Function"], 2)
        s = self.rng.choice(self.names.get("Struct") or ["Actor"])
        extra = self.rng.choice(
            [
                f"\n\nUnder the hood it also calls {f1} every frame, and {f2} resets it when the room changes.",
                f"\n\nIn practice the game keeps this in a {s} that {f1} fills in during init; "
                f"{f2} reads it back later.",
                f"\n\nNote that {f1} must run before this, otherwise {f2} crashes on real hardware.",
            ]
        )
        rec["messages"][i]["content"] += extra
        if self.rng.random() < 0.5:
            rec["metadata"]["fact_ids"] = []
        return rec

    # -- unhelpful ------------------------------------------------------------------------
    def unhelpful(self, rec: dict[str, Any]) -> dict[str, Any]:
        rec = copy.deepcopy(rec)
        i = _answer_index(rec)
        how = self.rng.randrange(3)
        if how == 0:
            rec["messages"][i]["content"] = self.rng.choice(
                [
                    "It depends on what you are trying to do. Check the decomp's source and experiment "
                    "in an emulator until it behaves the way you want.",
                    "That's a big topic. I'd look at the source and the community wiki first; it is "
                    "hard to say without seeing your code.",
                    "Good question! There are many ways to approach this, and the best one depends on "
                    "your project. Try it and see.",
                ]
            )
        elif how == 1:
            other = self.rng.choice(self.pool)
            rec["messages"][i]["content"] = other["messages"][_answer_index(other)]["content"]
        else:
            words = rec["messages"][i]["content"].split()
            rec["messages"][i]["content"] = " ".join(words[:5]) + "."
        return rec

    # -- unrealistic question -------------------------------------------------------------
    def unrealistic_question(self, rec: dict[str, Any]) -> dict[str, Any]:
        rec = copy.deepcopy(rec)
        how = self.rng.randrange(4)
        q = rec["messages"][0]["content"]
        if how == 0:
            q = self.rng.choice(
                [
                    "What is the best way to cook rice so it doesn't stick?",
                    "Can you recommend a good laptop for university?",
                    "Why is the sky blue during the day but red at sunset?",
                    "Write me a short poem about autumn leaves.",
                ]
            )
        elif how == 1:
            q = self.rng.choice(
                [
                    "What is {name} in {version}?",
                    "Tell me about None in None.",
                    "How do I use {target} with {family}?",
                    "Explain <entity> for <version>.",
                ]
            )
        elif how == 2:
            other = self.rng.choice(self.pool)
            q = other["messages"][0]["content"]
        else:
            words = q.split()
            self.rng.shuffle(words)
            q = " ".join(words)
        rec["messages"][0]["content"] = q
        return rec

    # -- wrong version --------------------------------------------------------------------
    def wrong_version(self, rec: dict[str, Any]) -> dict[str, Any] | None:
        rec = copy.deepcopy(rec)
        v = rec["metadata"]["version"]
        answer = " ".join(rec["messages"][i]["content"] for i in _assistant(rec))
        if v not in answer and not any(i.endswith("@" + v) for i in rec["metadata"]["fact_ids"]):
            return None  # nothing in it is of one version: relabelling it makes nothing wrong
        others = [x for x in self.versions if x != v]
        if not others:
            return None
        other = self.rng.choice(others)
        if self.rng.random() < 0.5:
            rec["metadata"]["version"] = other
            return rec
        changed = False
        for i in _assistant(rec):
            text = rec["messages"][i]["content"]
            if v in text:
                rec["messages"][i]["content"] = text.replace(v, other)
                changed = True
        if not changed:
            rec["metadata"]["version"] = other
        return rec

    # -- unsafe or non-idiomatic code -----------------------------------------------------
    def unsafe_code(self, rec: dict[str, Any]) -> dict[str, Any]:
        rec = copy.deepcopy(rec)
        i = _assistant(rec)[-1]
        text = rec["messages"][i]["content"]
        addr = self.rng.randrange(0x80100000, 0x80200000) & ~3
        snippets = [
            f"```c\nvoid Mod_Patch(void) {{\n    *(u32*)0x{addr:08X} = 0;\n}}\n```",
            "```c\nvoid Mod_Alloc(Actor* thisx) {\n    int* buf = malloc(64 * sizeof(int));\n"
            '    printf("spawned %p\\n", (void*)thisx);\n    free(buf);\n}\n```',
            f"```c\nvoid Mod_Tick(Actor* thisx) {{\n    int i;\n    float speed = 2.0;\n"
            f"    for (i = 0; i < 10; i++) {{\n        *(volatile int*)0x{addr:08X} += (int)speed;\n"
            "    }\n}\n```",
        ]
        if "```c" in text and self.rng.random() < 0.5:
            new = re.sub(r"\bs32\b", "int", text)
            new = re.sub(r"\bf32\b", "float", new)
            new = re.sub(r"\bs16\b", "short", new)
            if new != text:
                rec["messages"][i]["content"] = new
                return rec
        rec["messages"][i]["content"] = text + "\n\nA quicker way:\n\n" + self.rng.choice(snippets)
        return rec

    # -- duplicate ------------------------------------------------------------------------
    def duplicate(self, original: dict[str, Any]) -> dict[str, Any]:
        rec = copy.deepcopy(original)
        rec["metadata"]["id"] = rec["metadata"]["id"] + "-copy"
        i = _answer_index(rec)
        words = rec["messages"][i]["content"].split(" ")
        for _ in range(self.rng.randint(1, 2)):
            k = self.rng.randrange(len(words))
            words[k] = self.rng.choice(["really", "also", "then", "here"])
        rec["messages"][i]["content"] = " ".join(words)
        return rec


def build(
    records: list[dict[str, Any]], store: Any, settings: Any, *, seed: int = 1, validate: bool = True
) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    records = [r for r in records if any(m["role"] == "assistant" for m in r["messages"])]
    order = list(range(len(records)))
    rng.shuffle(order)
    half = len(order) // 2
    # One good example per (target, family): a second one is what a reviewer rejects as a
    # duplicate (on a small graph a run repeats its targets), so it cannot be labelled good.
    good, seen = [], set()
    for i in order[:half]:
        key = (records[i]["metadata"]["target"], records[i]["metadata"]["family"])
        if key not in seen:
            seen.add(key)
            good.append(records[i])
    bad_src = [records[i] for i in order[half:]]
    names = {
        k: [r["n"] for r in store.run(f"MATCH (n:{k}) RETURN n.{key} AS n ORDER BY n.{key} LIMIT 5000") if r["n"]]
        for k, key in (("Function", "name"), ("Struct", "name"), ("Actor", "enum"))
    }
    versions = [r["id"] for r in store.run("MATCH (v:Version) RETURN v.id AS id ORDER BY v.id")]
    mut = Mutator(rng, names, versions, bad_src)
    rows: list[dict[str, Any]] = [{"label": "good", "record": r} for r in good]
    per_reason = max(1, len(bad_src) // len(REASONS))
    source = iter(bad_src)
    for reason in REASONS:
        made = 0
        while made < per_reason:
            if reason == "duplicate":
                src = rng.choice(good)
                out = mut.duplicate(src)
            else:
                try:
                    src = next(source)
                except StopIteration:
                    break
                out = getattr(mut, reason.replace("-", "_"))(src)
            if out is not None:
                rows.append({"label": reason, "record": out, "source": src["metadata"]["id"]})
                made += 1
    rng.shuffle(rows)
    # a duplicate comes after the example it copies, as it would in a run
    dups = [r for r in rows if r["label"] == "duplicate"]
    rows = [r for r in rows if r["label"] != "duplicate"] + dups
    if validate:
        from validate.api import Validator
        from validate.models import Example

        v = Validator(store, settings, compile=False)
        for row in rows:
            if row["label"] == "good":
                continue
            rec = row["record"]
            ex = Example(
                id=rec["metadata"]["id"],
                messages=rec["messages"],
                metadata={"version": rec["metadata"]["version"], "family": rec["metadata"]["family"]},
            )
            rec["metadata"]["validation"] = v.validate(ex, rec["metadata"]["version"]).model_dump(mode="json")
    return rows


def main() -> None:
    from kg.settings import Settings
    from kg.store import open_store

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("run", type=Path)
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    records = [json.loads(line) for line in a.run.read_text().splitlines() if line.strip()]
    settings = Settings(db=a.db)
    with open_store(settings, read_only=True) as store:
        rows = build(records, store, settings, seed=a.seed)
    a.out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["label"]] = counts.get(r["label"], 0) + 1
    print(f"{len(rows)} examples in {a.out}: {counts}")


if __name__ == "__main__":
    main()
