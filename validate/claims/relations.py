"""Relational claims about functions: who calls whom, and which function fills an actor's
profile slot or is wired in at run time.

- Calls: "X calls Y", "X already calls Y", "Y is called from X", "in X, Y is called",
  "X makes a call to Y", negated ("X never calls Y"). True when the graph has the call, or
  a call through helpers of X's own file; when X calls through a pointer (an action
  function), a function it may reach that way makes the claim unchecked, never wrong.
- Profile slots: "the update function of ACTOR_X is Y", "Y is EnX's draw function". The
  slot's function comes from PROFILE_FN; a NULL slot (set at run time) or a claim about run
  time ("sets the draw function to Y") needs wiring facts (ASSIGNS/PASSES) and stays
  unchecked without them, unless Y belongs to another overlay (it cannot be wired in).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from validate import rules
from validate.claims.mentions import Tok
from validate.claims.words import NEGATION
from validate.relfacts import RelFacts, facts_for

if TYPE_CHECKING:
    from validate.claims.checker import ClaimChecker

ACTIVE = {"calls", "call", "invokes", "invoke", "executes", "execute", "runs", "uses"}
PASSIVE = {"called", "invoked", "executed", "run", "used"}
BE = {"is", "are", "was", "were", "gets", "get", "being", "been", "be"}
FROM = {"from", "by", "in", "inside", "within", "during"}
ADVERBS = {
    "already",
    "also",
    "still",
    "directly",
    "only",
    "first",
    "then",
    "always",
    "never",
    "not",
    "doesn",
    "does",
    "don",
    "do",
    "did",
    "didn",
    "t",
    "'",
    "itself",
    "just",
    "actually",
    "both",
    "each",
    "once",
    "immediately",
    "explicitly",
    "and",
    "further",
    "automatically",
    "unconditionally",
    "later",
    "eventually",
    "every",
    "frame",
    "currently",
    "definitely",
    "certainly",
    "no",
    "longer",
}
AFTER_VERB = {"the", "function", "helper", "both", "also", "directly", "and", ",", "routine", "a", "its"}
INSTRUCTION = {
    "to",
    "should",
    "must",
    "can",
    "could",
    "would",
    "might",
    "need",
    "needs",
    "you",
    "we",
    "please",
    "let",
    "may",
    "shall",
    "will",
    "i",
}
NOT_SURE = {"indirectly", "eventually", "through", "via", "somewhere", "possibly", "maybe", "probably", "might", "may"}
ROLES = {
    "init": "init",
    "initialization": "init",
    "initialisation": "init",
    "constructor": "init",
    "destroy": "destroy",
    "destructor": "destroy",
    "cleanup": "destroy",
    "update": "update",
    "draw": "draw",
    "render": "draw",
    "drawing": "draw",
    "rendering": "draw",
}
SLOT_NOUNS = {
    "function",
    "func",
    "slot",
    "callback",
    "routine",
    "handler",
    "pointer",
    "fn",
    "hook",
    "method",
    "entry",
    "proc",
    "procedure",
    "funcs",
    "functions",
}
RUNTIME = {
    "sets",
    "set",
    "assigns",
    "assigned",
    "switches",
    "switch",
    "changes",
    "changed",
    "becomes",
    "replaced",
    "replaces",
    "later",
    "runtime",
    "run-time",
    "dynamically",
    "swaps",
    "reassigns",
    "reassigned",
    "installs",
    "installed",
}
ACTION = {"actionfunc", "action", "state", "actionfunction", "this->actionfunc"}


def _is_func(t: Tok, snippet: set[str]) -> bool:
    return (t.kind == "ent" and t.ek == "func") or (t.kind == "word" and t.text in snippet)


def _actor_of(t: Tok) -> str | None:
    if t.kind != "ent":
        return None
    if t.ek == "table" and t.sub == "Actor":
        return t.name
    if t.ek in ("struct", "segment") and t.sub:
        return t.sub
    return None


class RelationClaims:
    def __init__(self, chk: ClaimChecker) -> None:
        self.chk = chk
        self.snippet = set(chk.snippet_calls)

    def run(self, toks: list[Tok], line: int, table: bool = False) -> None:
        funcs = [j for j, t in enumerate(toks) if _is_func(t, self.snippet)]
        if len(funcs) >= 2:
            self._calls(toks, line, funcs)
        if funcs:
            self._slots(toks, line, funcs, table)
        from validate.claims.places import place_claims

        place_claims(self.chk, toks, line, funcs, table)

    # -- calls ---------------------------------------------------------------------------------

    def _calls(self, toks: list[Tok], line: int, funcs: list[int]) -> None:
        for v, t in enumerate(toks):
            if t.kind != "word":
                continue
            w = t.low
            if w in ACTIVE and not (w == "call" and v > 0 and toks[v - 1].low in ("a", "the", "one", "no", "any")):
                if v + 1 < len(toks) and toks[v + 1].low == "to":
                    self._noun_call(toks, line, v, funcs)
                else:
                    self._active(toks, line, v, funcs)
            elif w in PASSIVE:
                self._passive(toks, line, v, funcs)
            elif w == "call" and v + 1 < len(toks) and toks[v + 1].low == "to":
                self._noun_call(toks, line, v, funcs)

    def _active(self, toks: list[Tok], line: int, v: int, funcs: list[int]) -> None:
        before = [j for j in funcs if j < v]
        after = [j for j in funcs if j > v]
        if not before or not after:
            return
        caller = before[-1]
        neg = False
        for t in toks[caller + 1 : v]:
            if t.kind != "word" and t.text not in ("'", ":", ",", "-", "(", ")"):
                return
            if t.kind == "word" and t.low not in ADVERBS:
                return
            neg = neg or t.low in NEGATION or t.low == "longer"
        if caller > 0 and toks[caller - 1].low in INSTRUCTION:
            return
        callees = self._list(toks, v + 1, after)
        if not callees:
            return
        callers = [caller]  # "X and Y call Z"
        k = caller - 1
        while k >= 0 and (toks[k].text in (",", "(", ")") or toks[k].low in ("and", "both") or k in before):
            if k in before:
                callers.append(k)
            k -= 1
        strict = any(t.low == "directly" for t in toks[caller : callees[0]])
        for who in callers:
            for c in callees:
                self._check_call(toks, line, toks[who].text, toks[c].text, neg, strict)

    def _passive(self, toks: list[Tok], line: int, v: int, funcs: list[int]) -> None:
        k = v - 1
        neg = False
        while k >= 0 and (toks[k].kind == "word" and toks[k].low in ADVERBS | BE):
            neg = neg or toks[k].low in NEGATION
            k -= 1
        if k >= 1 and toks[k].text == ")" and toks[k - 1].text == "(":
            k -= 2  # "Actor_SetFocus() is called"
        if k == v - 1 or toks[k + 1].low not in BE and not any(toks[x].low in BE for x in range(k + 1, v)):
            return
        if k < 0 or not _is_func(toks[k], self.snippet):
            return
        callee = k
        callers: list[int] = []
        if v + 1 < len(toks) and toks[v + 1].low in FROM:
            callers = self._list(toks, v + 2, [j for j in funcs if j > v + 1])
        elif (
            callee >= 2
            and toks[callee - 1].text == ","
            and _is_func(toks[callee - 2], self.snippet)
            and callee >= 3
            and toks[callee - 3].low in FROM
        ):
            callers = [callee - 2]  # "In X, Y is called"
        for c in callers:
            self._check_call(toks, line, toks[c].text, toks[callee].text, neg, False)

    def _noun_call(self, toks: list[Tok], line: int, v: int, funcs: list[int]) -> None:
        """ "X contains a call to Y", "a call to Y in X"."""
        if v + 2 >= len(toks) or not _is_func(toks[v + 2], self.snippet):
            return
        callee = v + 2
        neg = any(t.low in NEGATION for t in toks[max(0, v - 3) : v])
        caller = None
        before = [j for j in funcs if j < v]
        if before and all(
            t.kind == "word"
            and t.low
            in (
                "makes",
                "contains",
                "has",
                "does",
                "performs",
                "a",
                "an",
                "the",
                "one",
                "single",
                "no",
                "never",
                "already",
                "also",
                "doesn",
                "t",
                "not",
            )
            or t.text == "'"
            for t in toks[before[-1] + 1 : v]
        ):
            caller = before[-1]
        elif callee + 2 < len(toks) and toks[callee + 1].low in FROM and _is_func(toks[callee + 2], self.snippet):
            caller = callee + 2
        if caller is not None:
            self._check_call(toks, line, toks[caller].text, toks[callee].text, neg, False)

    def _list(self, toks: list[Tok], start: int, cands: list[int]) -> list[int]:
        """The functions of a list starting at ``start`` ("X, Y and Z")."""
        out: list[int] = []
        k = start
        while k < len(toks):
            t = toks[k]
            if k in cands:
                out.append(k)
            elif not (t.text in (",", "(", ")") or (t.kind == "word" and t.low in AFTER_VERB | {"or"})):
                break
            k += 1
        return out

    def _check_call(self, toks: list[Tok], line: int, caller: str, callee: str, neg: bool, strict: bool) -> None:
        if caller == callee or any(t.low in NOT_SURE for t in toks):
            return
        chk = self.chk
        states = []
        for idx in chk.indexes(toks, 0):
            rf = facts_for(idx)
            known = caller in rf.file_of and (callee in rf.file_of or callee in idx.functions)
            if caller in chk.edited and caller in rf.file_of:
                # an edited decomp function: "X does not call Y" may be said of the decomp's
                # X before the edit adds the call, "X calls Y" of either version
                mine = callee in chk.snippet_calls[caller]
                graph = _reach(rf, caller, callee, strict) if known else "no"
                direct = callee in rf.calls.get(caller, ())
                state = ("yes" if mine and direct else "maybe") if neg else ("yes" if mine else graph)
                states.append((idx, rf, state))
            elif caller in chk.snippet_calls:
                calls = chk.snippet_calls[caller]
                states.append((idx, rf, "yes" if callee in calls else "no"))
            elif known:
                states.append((idx, rf, _reach(rf, caller, callee, strict)))
        if not states:
            chk.unchecked()
            return
        chk.counts["relations"] += 1
        if neg:
            wrong = any(
                s == "yes"
                and (callee in rf.calls.get(caller, ()) or (caller in chk.snippet_calls and caller not in chk.edited))
                for _, rf, s in states
            )
        else:
            wrong = all(s == "no" for _, _, s in states)
        if not wrong:
            return
        idx, rf, _ = states[0]
        if neg:
            chk.emit(
                rules.WRONG_CALL,
                caller,
                f"{caller} does call {callee} in {idx.version} (the text says it does not)",
                line,
                [],
            )
            return
        others = sorted(f for f in rf.callers.get(callee, ()) if rf.file_of.get(f) == rf.file_of.get(caller))[:3]
        hint = f"; {', '.join(others)} {'does' if len(others) == 1 else 'do'}" if others else ""
        chk.emit(
            rules.WRONG_CALL,
            caller,
            f"{caller} does not call {callee} in {idx.version} (neither directly nor through "
            f"the functions of its file){hint}",
            line,
            others,
        )

    # -- profile slots and run-time wiring -----------------------------------------------------

    def _slots(self, toks: list[Tok], line: int, funcs: list[int], table: bool) -> None:
        for r, t in enumerate(toks):
            if t.kind == "ent" and t.ek == "chain":
                if t.low.endswith("actionfunc"):
                    self._wiring(toks, line, r, funcs, "actionFunc")
                continue
            if t.kind != "word":
                continue
            w = t.low
            nxt = toks[r + 1].low if r + 1 < len(toks) else ""
            nxt2 = toks[r + 2].low if r + 2 < len(toks) else ""
            if w in ACTION and (w == "actionfunc" or nxt in SLOT_NOUNS):
                self._wiring(toks, line, r, funcs, "actionFunc")
                continue
            role = ROLES.get(w)
            if role is None:
                continue
            slotty = (
                nxt in SLOT_NOUNS
                or nxt2 in SLOT_NOUNS
                or (r + 1 < len(toks) and toks[r + 1].text in ("=", ":"))
                or any(x.low == "profile" for x in toks[max(0, r - 3) : r])
                or (table and r + 1 < len(toks) and r + 1 in funcs)
            )  # a column "update"
            if slotty:
                self._slot(toks, line, r, role, funcs)

    def _nearest(self, toks: list[Tok], r: int, funcs: list[int]) -> int | None:
        near = sorted(funcs, key=lambda j: abs(j - r))
        if not near:
            return None
        j = near[0]
        lo, hi = sorted((j, r))
        if any(k in funcs for k in range(lo + 1, hi)):
            return None
        return j

    def _actor(self, toks: list[Tok], fn: str, rf: RelFacts) -> str | None:
        named = [a for a in (_actor_of(t) for t in toks) if a]
        if named:
            return named[0] if len(set(named)) == 1 else None
        f = rf.file_of.get(fn)
        for a in self.chk.idx.actors.values():
            if f and a.file == f:
                return a.enum
        return None

    def _slot(self, toks: list[Tok], line: int, r: int, role: str, funcs: list[int]) -> None:
        j = self._nearest(toks, r, funcs)
        if j is None or any(
            t.low in ("if", "could", "should", "would", "might", "can", "you", "your", "e.g", "example", "like")
            for t in toks
        ):
            return
        fn = toks[j].text
        chk = self.chk
        rf = facts_for(chk.idx)
        enum = self._actor(toks, fn, rf)
        if enum is None or enum not in chk.idx.actors:
            return
        if any(
            t.low in RUNTIME or (t.low == "run" and k + 1 < len(toks) and toks[k + 1].low == "time")
            for k, t in enumerate(toks)
        ):
            self._wiring(toks, line, r, funcs, f"{role} function", enum)
            return
        neg = any(t.low in NEGATION for t in toks[min(j, r) : max(j, r)])
        actor = chk.idx.actors[enum]
        actual = actor.profile.get(role)
        if actual is None:
            self._wiring(toks, line, r, funcs, f"{role} function", enum)
            return
        chk.counts["relations"] += 1
        same = actual == fn
        if same != neg:
            return
        if neg:
            chk.emit(
                rules.WRONG_PROFILE_SLOT, enum, f"{fn} is {enum}'s {role} function (the text says it is not)", line, []
            )
            return
        other = next((k for k, f in actor.profile.items() if f == fn), None)
        extra = f" ({fn} is its {other} function)" if other else ""
        chk.emit(
            rules.WRONG_PROFILE_SLOT, enum, f"{enum}'s {role} function is {actual}, not {fn}{extra}", line, [actual]
        )

    def _wiring(self, toks: list[Tok], line: int, r: int, funcs: list[int], what: str, enum: str | None = None) -> None:
        """A function set at run time (actionFunc, a draw set in Init): wrong only if the
        graph's wiring facts say otherwise, or if it belongs to another overlay."""
        # "actionFunc is set to Y" / "sets the action function to Y": Y, not a function
        # named before the slot ("if X returns 1, actionFunc is set to Y")
        after = next((j for j in sorted(funcs) if j > r), None)
        if after is not None and toks[after - 1].text.lower() in ("to", "="):
            j: int | None = after
        else:
            j = self._nearest(toks, r, funcs)
            if j is not None and j < r and after is not None and (after - r <= r - j or _setter_verb(toks, j)):
                j = after  # "X_Init sets the action function ... X_Walk": X_Init sets it
        if j is None:
            return
        fn = toks[j].text
        chk = self.chk
        rf = facts_for(chk.idx)
        enum = enum or self._actor(toks, fn, rf)
        actor = chk.idx.actors.get(enum or "")
        if actor is None or fn in chk.snippet_calls:
            return
        mine = rf.segment_of.get(actor.file or "") or actor.overlay
        theirs = rf.overlay_of(fn)
        if mine and theirs and mine != theirs and theirs.startswith("ovl_"):
            chk.counts["relations"] += 1
            chk.emit(
                rules.WRONG_WIRING,
                fn,
                f"{fn} belongs to {theirs}; {enum} ({mine}) cannot use it as its {what}",
                line,
                [],
            )
            return
        if rf.wiring is None:
            chk.unchecked()
            return
        wired = set()
        for f in rf.in_file.get(actor.file or "", ()):
            wired |= rf.wiring.get(f, set())
        chk.counts["relations"] += 1
        if fn not in wired and fn not in actor.profile.values():
            chk.emit(
                rules.WRONG_WIRING,
                fn,
                f"no function of {enum} sets {fn} as a function pointer in {chk.idx.version}",
                line,
                sorted(wired)[:3],
            )


_SETTERS = frozenset(
    {"sets", "set", "assigns", "assign", "installs", "switches", "changes", "points", "stores", "makes"}
)


def _setter_verb(toks: list[Tok], j: int) -> bool:
    """The function at ``j`` is the subject of a setting verb (``X_Init sets ...``)."""
    return j + 1 < len(toks) and toks[j + 1].low in _SETTERS


def _reach(rf: RelFacts, caller: str, callee: str, strict: bool) -> str:
    """yes: called (directly, or through helpers of the caller's file); maybe: reachable
    through a call by pointer; no."""
    direct = rf.calls.get(caller, set())
    if callee in direct:
        return "yes"
    if strict:
        return "no"
    home = rf.file_of.get(caller)
    seen = {caller}
    todo = [caller]
    pointer = False
    while todo:
        f = todo.pop()
        pointer = pointer or f in rf.indirect
        for g in rf.calls.get(f, ()):
            if g == callee:
                return "yes"
            if g not in seen and rf.file_of.get(g) == home:
                seen.add(g)
                todo.append(g)
    if not pointer:
        return "no"
    # through a pointer: any function its file wires in (or, without wiring facts, any of its
    # file's functions that is no actor's profile function)
    if rf.wiring is not None:
        targets = set().union(*(rf.wiring.get(f, set()) for f in rf.in_file.get(home or "", ())))
    else:
        targets = {f for f in rf.in_file.get(home or "", ()) if f not in rf.profile_fns}
    todo = [t for t in targets if t not in seen]
    seen |= set(todo)
    while todo:
        f = todo.pop()
        if f == callee:
            return "maybe"
        for g in rf.calls.get(f, ()):
            if g == callee:
                return "maybe"
            if g not in seen and rf.file_of.get(g) == home:
                seen.add(g)
                todo.append(g)
    return "no"
