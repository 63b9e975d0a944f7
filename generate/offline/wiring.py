"""Offline paragraphs that stand on issue 16's graph facts (present when the context's code
came from the graph): how the target is wired at run time (which function is the draw or
update it runs, which functions are callbacks passed to the engine, never called by it),
the mined pattern it follows with a real excerpt from another actor, and a walk of a real
function's calls with each callee's facts."""

from __future__ import annotations

from typing import Any

from generate.offline.compose import Job, quote, where


def wiring_text(job: Job) -> str:
    """Statements about stored and passed functions, each at the line the graph records."""
    lines = []
    for s in job.ctx.code_of("assigned"):
        field, by, at = s.data.get("field"), s.data.get("stored_by"), s.data.get("stored_at")
        if not field or not by:
            continue
        via = f" through {s.data['via']}" if s.data.get("via") else ""
        if field in ("Actor.draw", "Actor.update"):
            slot = field.split(".")[1]
            lines.append(
                f"- `{s.entity}` is the {slot} function the actor runs once `{by}` "
                f"stores it in `{s.data.get('stored_in', field)}` (line {at}){via}; "
                f"from then on the engine calls it, not the profile's {slot}."
            )
        else:
            lines.append(f"- `{by}` stores `{s.entity}` in `{field}` (line {at}){via}; " + _runs_it(job, s, field))
    for s in job.ctx.code_of("callback"):
        by, to, param = s.data.get("passed_by"), s.data.get("passed_to"), s.data.get("param")
        if not by or not to:
            continue
        lines.append(
            f"- `{s.entity}` is a callback: `{by}` passes it to `{to}`"
            + (f" as `{param}`" if param else "")
            + f" (line {s.data.get('passed_at')})"
            # not "`to` calls it": ActorShape_Init, Fault_AddClient or osCreateThread keep the
            # pointer for the engine to call later; only some callees call it themselves
            + (
                f"; the engine calls it through `{param}` (at once, or later from where `{to}` keeps it)"
                if param
                else f"; the engine calls it through what `{to}` does with it"
            )
            + f", and `{by}` never does, so do not call it yourself."
        )
    if not lines:
        return ""
    lead = job.pick(
        ["How it is wired at run time:", "Who calls what, as the code wires it:", "The wiring, from the code:"]
    )
    return lead + "\n" + "\n".join(lines[:5])


def _runs_it(job: Job, s: Any, field: str) -> str:
    """Who calls what ``field`` holds, as far as the code shows it (the function of the same
    file that calls through the field; most actors' update calls ``actionFunc``, a few do
    it elsewhere, and ``GameState.init`` is called by the game loop in another file)."""
    callers: list[str] = list(s.data.get("called_by") or [])
    updates = {
        f.data.get("function") for f in job.ctx.facts if f.id.startswith("profile:") and f.data.get("role") == "update"
    }
    first = next((c for c in callers if c in updates), callers[0] if callers else None)
    if first is None:
        return f"whatever calls through `{field}` runs it from then on."
    more = f" (and {len(callers) - 1} more)" if len(callers) > 1 else ""
    if first in updates:
        return f"the actor's update, `{first}`{more}, calls whatever that field holds."
    return f"`{first}`{more} calls whatever that field holds."


def pattern_text(job: Job, max_lines: int = 12) -> str:
    """The best pattern the target follows: its steps, its support, one real excerpt."""
    pats = job.ctx.code_of("pattern")
    if not pats:
        return ""
    p = pats[0]
    steps = p.data.get("steps") or []
    desc = p.data.get("description") or ""
    head = job.pick(
        [
            f"This is the `{p.data['pattern']}` idiom, which {p.data['support']} actors follow",
            f"{p.data['support']} actors do this the same way (the `{p.data['pattern']}` pattern)",
            f"The decomp's usual way here is the `{p.data['pattern']}` pattern ({p.data['support']} actors)",
        ]
    )
    head += f": {desc}" if desc else "."
    if steps:
        head += " Steps, in order: " + ", ".join(f"`{s}`" for s in steps[:6]) + "."
    sites = p.data.get("step_sites") or []
    ex = quote(job, p, max_lines, f"How {p.data['actor']} does it ({where(p)}):")
    tail = ("Where each step sits there: " + "; ".join(sites[:4]) + ".") if len(sites) > 1 else ""
    return "\n\n".join(x for x in (head, ex, tail) if x)


def call_walk(job: Job, limit: int = 4) -> str:
    """The target's calls in order, each with what the graph knows of the callee."""
    own = next(iter(job.ctx.code_of("own")), None)
    if own is None:
        return ""
    callees = {s.entity: s for s in job.ctx.code_of("callee")}
    sigs = {f.data.get("name"): f for f in job.ctx.facts if f.id.startswith("sig:")}
    seen: set[str] = set()
    out: list[str] = []
    for c in own.data.get("calls", []):
        name = c["name"]
        if name in seen or name not in callees:
            continue
        seen.add(name)
        snip = callees[name]
        sig = sigs.get(name)
        fact = f": `{sig.text}`" if sig is not None else ""
        if sig is not None:
            job.use(sig)
        out.append(f"{len(out) + 1}. line {c['line']}: `{name}`, defined at {where(snip)}{fact}")
        if len(out) >= limit:
            break
    if len(out) < 2:
        return ""
    return (
        job.pick([f"Walking {own.entity}'s calls in order:", f"What {own.entity} calls, in order:"])
        + "\n"
        + "\n".join(out)
    )
