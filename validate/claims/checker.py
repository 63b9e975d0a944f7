"""Level 2 on prose and comments: claims found from the entities they name.

Each clause (sentence, list item, table row) is tokenized into graph entities, numbers,
versions and words (``mentions``); value claims (``values``) and relational claims
(``relations``) are read off it and checked against the graph for the versions the
clause names, else the example's. A claim the graph has no fact for is counted as
``unchecked``; nothing is reported wrong unless the graph says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from validate import rules
from validate.claims import layout
from validate.claims.mentions import Classifier, Tok, tokenize
from validate.claims.structs import check_struct_comments, comment_texts
from validate.claims.text import Clause, clauses
from validate.claims.values import ADDR, ID, OFFSET, SIZE, VALUE, Claim, ValueClaims, lookup
from validate.claims.words import ARGS, COUNT
from validate.index import DOMAIN_KINDS, ActorInfo, SymbolIndex
from validate.relfacts import facts_for

ClaimEmit = Callable[..., None]

_MENTION = re.compile(r"(?:ACTOR|OBJECT|SCENE|NA_BGM|NA_SE|EFFECT_SS)_[A-Z0-9_]*+(?<=[A-Z0-9])")
# the tables whose names _MENTION finds in prose: kind -> the rule of a name it lacks
_MENTION_CODES = {
    "Actor": rules.UNKNOWN_ACTOR,
    "Object": rules.UNKNOWN_OBJECT,
    "Scene": rules.UNKNOWN_SCENE,
    "Sequence": rules.UNKNOWN_SEQUENCE,
    "Sfx": rules.UNKNOWN_SFX,
    "EffectSs": rules.UNKNOWN_EFFECT,
}
_MENTION_KINDS = {kind: DOMAIN_KINDS[kind] for kind in _MENTION_CODES}
_BOUNDARY = {"and", "but", "while", "whereas", "although", "though", "however", "versus", "vs"}
_LIST_WORDS = {"and", "or", "the", "both", "in", "on"}
_VERSION_TALK = {
    "added",
    "removed",
    "introduced",
    "exists",
    "exist",
    "only",
    "missing",
    "absent",
    "version",
    "versions",
    "build",
    "builds",
}
_CODES = {
    ID: rules.WRONG_ID,
    VALUE: rules.WRONG_VALUE,
    OFFSET: rules.WRONG_OFFSET,
    SIZE: rules.WRONG_SIZE,
    ADDR: rules.WRONG_ADDRESS,
    ARGS: rules.WRONG_ARITY,
    COUNT: rules.WRONG_COUNT,
}
_COUNTER = {
    ID: "ids",
    VALUE: "ids",
    OFFSET: "fields",
    SIZE: "ids",
    ADDR: "addresses",
    ARGS: "functions",
    COUNT: "fields",
}


def classifier(idx: SymbolIndex) -> Classifier:
    cls = idx.memo.get("claims.classifier")
    if cls is None:
        rf = facts_for(idx)
        cls = idx.memo["claims.classifier"] = Classifier(idx, rf.segments, rf.files)
    return cls


class ClaimChecker:
    def __init__(
        self,
        idx: SymbolIndex,
        index_for: Callable[[str], SymbolIndex],
        emit: ClaimEmit | None,
        counts: dict[str, int],
        actor: ActorInfo | None,
        this_struct: str | None = None,
        scope: Any = None,
        edited: set[str] | None = None,
    ) -> None:
        self.idx = idx
        # functions the example's own code defines, and what each calls
        self.snippet_calls: dict[str, set[str]] = dict(getattr(scope, "func_calls", {}) or {})
        for f in getattr(scope, "defined_funcs", {}) or {}:
            self.snippet_calls.setdefault(f, set())
        # of those, the ones an edit block changes (a decomp function as the example rewrites
        # it): prose may speak of the decomp's version or of the edited one
        self.edited: set[str] = set(edited or ()) & set(self.snippet_calls)
        self.index_for = index_for
        self.emit: ClaimEmit = emit or (lambda *a, **k: None)  # set per message / block
        self.counts = counts
        self.actor = actor
        weak = bool(getattr(scope, "actor_weak", False))
        self.this_struct = this_struct or (actor.instance_struct if actor and not weak else None)
        self.recent: list[str] = []  # structs the prose named lately, most recent first
        self.values = ValueClaims(self)
        self._relations: Any = None
        self._line = 0

    # -- entry points ------------------------------------------------------------------------

    def check_text(self, text: str) -> None:
        for c in clauses(text):
            self._clause(c, c.line)

    def check_comments(self, code: str, scope: object = None) -> None:
        check_struct_comments(code, self.idx, self.emit, self.counts)
        for text, line in comment_texts(code):
            for c in clauses(text):
                self._clause(c, line + c.line - 1)

    # -- per clause ----------------------------------------------------------------------------

    def _clause(self, c: Clause, line: int) -> None:
        toks = tokenize(c.text, classifier(self.idx))
        if "_" in c.text:
            self._table_names(toks, line)
        if c.hot and not c.question:
            self._line = line
            self.values.run(toks, line, c.table)
            if self._relations is None:
                from validate.claims.relations import RelationClaims

                self._relations = RelationClaims(self)
            self._relations.run(toks, line, c.table)
        for t in toks:
            if t.kind == "ent":
                s = (
                    t.name
                    if t.ek == "struct"
                    else (
                        self.idx.actors[t.name].instance_struct
                        if t.ek == "table" and t.sub == "Actor" and t.name in self.idx.actors
                        else None
                    )
                )
                if s:
                    if s in self.recent:
                        self.recent.remove(s)
                    self.recent.insert(0, s)
        del self.recent[4:]

    def context_structs(self) -> list[str]:
        out = list(self.recent)
        if self.this_struct and self.this_struct not in out:
            out.append(self.this_struct)
        return out

    # -- versions ------------------------------------------------------------------------------

    def indexes(self, toks: list[Tok], i: int) -> list[SymbolIndex]:
        """The graph's versions a claim at token ``i`` is about: the version phrase of its part of
        the clause (one not behind a comma or an "and" first, then the nearest), with those
        listed beside it ("in NTSC 1.0 and the debug ROM"), else the example's version; [] when
        the phrases name none the graph has."""
        cands = [j for j, t in enumerate(toks) if t.kind == "ver"]
        if not cands:
            return [self.idx]

        def rank(j: int) -> tuple[bool, int]:
            lo, hi = (j + 1, i) if j < i else (i + 1, j)
            crosses = any(t.text in (",", ";") or t.low in _BOUNDARY for t in toks[lo:hi])
            return crosses, abs(j - i)

        best = min(cands, key=rank)
        chosen = [best]
        for step in (1, -1):
            k = best + step
            while 0 <= k < len(toks) and (
                toks[k].kind == "ver" or toks[k].text in (",", "/") or toks[k].low in _LIST_WORDS
            ):
                if toks[k].kind == "ver":
                    chosen.append(k)
                k += step
        vers: set[str] = set()
        for j in chosen:
            vers |= toks[j].vers or frozenset()
        out = []
        for v in self.idx.versions:
            if v in vers:
                got = self.idx if v == self.idx.version else self._other(v)
                if got is not None:
                    out.append(got)
        return out

    def _other(self, version: str) -> SymbolIndex | None:
        try:
            return self.index_for(version)
        except Exception:  # noqa: BLE001 - an index that cannot load: no claim checked
            return None

    def unchecked(self) -> None:
        self.counts["unchecked"] = self.counts.get("unchecked", 0) + 1

    # -- value claims ------------------------------------------------------------------------

    def resolve(self, chain: str, idx: SymbolIndex, near: list[str] | None = None) -> layout.Resolved | None:
        """A member chain's layout; a bare one (``data.modeSelect.reserve3``) starts in a struct
        the clause names (``near``, nearest first: "... is at 0x10 in LEOCmd") or the prose
        before it named."""
        if "." not in chain and "->" not in chain and "::" not in chain:
            return None
        roots = list(near or [])
        roots += [s for s in self.context_structs() if s not in roots]
        return layout.resolve(chain, idx, roots, self.this_struct)

    def check_value(self, claim: Claim, toks: list[Tok]) -> None:
        idxs = self.indexes(toks, claim.at)
        facts: list[tuple[SymbolIndex, set[int], str]] = []
        unknown = None
        named = sorted(
            (j for j, t in enumerate(toks) if t.kind == "ent" and t.ek == "struct"), key=lambda j: abs(j - claim.at)
        )
        near = list(dict.fromkeys(toks[j].name for j in named))

        def resolve(chain: str, idx: SymbolIndex) -> layout.Resolved | None:
            return self.resolve(chain, idx, near)

        for idx in idxs:
            ok, shown, res = lookup(claim, idx, resolve)
            if isinstance(res, layout.Resolved) and res.info is None:
                unknown = (idx, res)
                continue
            if ok is not None and ok:
                facts.append((idx, ok, shown))
        if unknown is not None and not facts:
            idx, res = unknown
            hint = f"; did you mean {', '.join(res.suggestions)}?" if res.suggestions else ""
            self.counts["fields"] += 1
            self.emit(
                rules.UNKNOWN_FIELD,
                res.symbol,
                f"{res.struct} has no field {res.member} in {idx.version}{hint}",
                claim.line,
                list(res.suggestions),
            )
            return
        if not facts:
            self.unchecked()
            return
        self.counts[_COUNTER[claim.what]] += 1
        holds = [claim.value in ok or claim.alt in ok for _, ok, _ in facts]
        wrong = all(holds) if claim.negated else not any(holds)
        if not wrong:
            return
        idx, _, shown = facts[0]
        e = claim.ent
        what = claim.what
        code = _CODES[what]
        if e.ek == "table" and what in (ID, VALUE):
            code = rules.WRONG_ACTOR_ID if e.sub == "Actor" else rules.WRONG_ID
        elif what == ID and e.ek in ("struct", "segment"):
            code = rules.WRONG_ACTOR_ID
        name = (
            claim.resolved.symbol
            if claim.resolved
            else (e.sub if e.ek in ("struct", "segment") and what == ID else e.name)
        )
        if what == OFFSET:
            res = resolve(e.text, idx) or claim.resolved
            name = res.symbol if res else name
        versions = ", ".join(i.version for i, _, _ in facts)
        claimed = f"{claim.value:#x}" if what != ARGS and what != COUNT else str(claim.value)
        if claim.negated:
            msg = f"{name} is {claimed} in {versions} (the text says it is not)"
        elif what == OFFSET:
            msg = f"{name} is at offset {shown} in {versions}, not {claimed}"
        elif what == ADDR:
            msg = f"{name} is at {shown} in {versions}, not {claim.value:#010x}"
        elif what == ARGS:
            msg = f"{name} takes {shown} in {versions}, not {claimed}"
        elif what == COUNT:
            msg = f"{name} has {shown} in {versions}, not {claimed}"
        elif what == SIZE:
            msg = f"{name} is {shown} in {versions}, not {claimed}"
        else:
            msg = f"{name} is {shown} in {versions}, not {claim.value:#06x}"
        self.emit(code, name, msg, claim.line, [])

    # -- table names in prose ------------------------------------------------------------------

    def _table_names(self, toks: list[Tok], line: int) -> None:
        """Table names (ACTOR_*, OBJECT_*, NA_SE_*...) in prose must exist in the version; one
        of another version is fine where the clause talks about versions."""
        about_versions = None
        for t in toks:
            if t.kind != "word" or not _MENTION.fullmatch(t.text):
                continue
            name = t.text
            for kind, pre in _MENTION_KINDS.items():
                table = self.idx.domain.get(kind)
                if not name.startswith(pre) or not table:
                    continue
                if name in table or name in self.idx.constants or name in self.idx.defines:
                    break
                others = self.idx.elsewhere(name)
                if others:
                    if about_versions is None:
                        about_versions = any(x.kind == "ver" or x.low in _VERSION_TALK for x in toks)
                    if not about_versions:
                        self.emit(
                            rules.NOT_IN_VERSION,
                            name,
                            f"{name} does not exist in {self.idx.version}; it exists in {', '.join(others)}",
                            line,
                            [],
                        )
                else:
                    sugg = self.idx.names_of(kind).suggest(name)
                    hint = f"; did you mean {', '.join(sugg)}?" if sugg else ""
                    self.emit(
                        _MENTION_CODES[kind], name, f"{name} does not exist in {self.idx.version}{hint}", line, sugg
                    )
                break
