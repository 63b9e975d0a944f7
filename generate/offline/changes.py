"""Code changes built on a real function: every call they add is a graph function whose
signature the context holds, every value is read from the function itself.

``make(kind, job)`` returns (the edit block, what it does in prose) or None when the
target's code does not support that change.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from generate.code import CodeSnippet
from generate.offline.compose import Job, edit

_FLOAT = re.compile(r"^(-?\d+(?:\.\d+)?)f$")


def _callable(job: Job, *names: str) -> bool:
    """The engine functions a change adds calls to exist in the version (the graph has
    their signatures): an edit never calls a function the validator will not find."""
    for n in names:
        f = job.lookup(n)
        if f is None or f.data.get("in_version") is False:
            return False
    return True


def _fn(job: Job, *roles: str) -> CodeSnippet | None:
    for r in roles:
        for s in job.ctx.code_of(r):
            if len(s.lines()) <= 40 and not s.note:
                return s
    return None


def _this(snip: CodeSnippet, job: Job | None = None) -> str:
    """How the function names its actor as an ``Actor*``: through ``this``'s first member
    (``&this->actor``, or ``&this->dyna.actor`` for a DynaPolyActor) when it has ``this``,
    else its ``Actor*`` parameter."""
    has_this = re.search(r"\bthis\s*=\s*\(\w+\*\)\s*thisx", snip.text) or re.search(
        r"\(\s*\w+\*\s*this\b", snip.lines()[0]
    )
    if has_this:
        first = _first_member(job) if job is not None else None
        if first is not None:
            name, ctype = first
            if ctype == "Actor":
                return f"&this->{name}"
            if ctype == "DynaPolyActor":
                return f"&this->{name}.actor"
        m = re.search(r"&this->(\w+(?:\.actor)?)\b", snip.text)
        if m and (m.group(1) == "actor" or m.group(1).endswith(".actor")):
            return f"&this->{m.group(1)}"
    m = re.search(r"\(\s*Actor\*\s*(\w+)", snip.lines()[0])
    return m.group(1) if m else "&this->actor"


def _first_member(job: Job) -> tuple[str, str] | None:
    """The instance struct's member at offset 0 (name, type), from the context's facts."""
    actor = job.ctx.first("actor:")
    struct = actor.data.get("instance_struct") if actor is not None else None
    for f in job.ctx.of("field:"):
        if f.data.get("offset") == 0 and (struct is None or f.data.get("struct") == struct):
            return f.data.get("field") or "", (f.data.get("type") or "").strip()
    return None


def scale(job: Job) -> tuple[str, str] | None:
    s = _fn(job, "init")
    if s is None:
        return None
    call = next(
        (
            c
            for c in s.data.get("calls", [])
            if c["name"] == "Actor_SetScale" and len(c["args"]) == 2 and _FLOAT.match(c["args"][1])
        ),
        None,
    )
    if call is None:
        return None
    m = _FLOAT.match(call["args"][1])
    if m is None:  # never: the call was picked for its float argument
        return None
    old = float(m.group(1))
    if old <= 0 or re.search(r"\bscale\.[xyz]\s*=[^=]", s.text):
        return None  # a zero scale grown later, or scale set member by member: not one call
    new = f"{old * 2:g}"
    new = new if "." in new or "e" in new else new + ".0"
    lines = s.lines()
    i = call["line"] - s.first
    if not (0 <= i < len(lines)) or call["args"][1] not in lines[i]:
        return None
    lines[i] = lines[i].replace(call["args"][1], f"{new}f", 1)
    changed = s.model_copy(update={"text": "\n".join(lines)})
    block = edit(changed, None, [])
    if block is None:
        return None
    return block, (
        f"{s.entity} sets the scale once, at line {call['line']}: "
        f"`Actor_SetScale({call['args'][0]}, {call['args'][1]})`. Doubling it means "
        f"passing {new}f there; every draw uses `actor.scale`, so nothing else changes "
        "for the model (colliders keep their own radius and height)."
    )


def sfx(job: Job) -> tuple[str, str] | None:
    s = _fn(job, "update")
    effect = job.values.get("sfx")
    if s is None or not effect or not _callable(job, "Actor_PlaySfx"):
        return None
    who = _this(s, job)
    block = edit(s, None, [f"Actor_PlaySfx({who}, {effect});"])
    if block is None:
        return None
    return block, (
        f"`{effect}` is a sound this actor's own code already plays, so its bank "
        f"and object are right for it. Called from {s.entity} it starts every frame; "
        "`Actor_PlaySfx` ties it to the actor's position."
    )


def sfx_timer(job: Job) -> tuple[str, str] | None:
    s = _fn(job, "update")
    effect = job.values.get("sfx")
    if s is None or not effect or not _callable(job, "Actor_PlaySfx"):
        return None
    who = _this(s, job)
    block = edit(
        s,
        None,
        [
            "static s16 sCueTimer = 0; // one counter for every instance",
            "",
            "if (++sCueTimer >= 60) { // every 60 frames: pick your interval",
            "    sCueTimer = 0;",
            f"    Actor_PlaySfx({who}, {effect});",
            "}",
        ],
    )
    if block is None:
        return None
    return block, (
        f"`{effect}` is a sound this actor's own code already plays, so its bank "
        f"and object are right for it. {s.entity} runs once per frame, so a counter "
        "that wraps every 60 frames plays it about once a second at 60 Hz (50 Hz on "
        "PAL N64 builds: a little slower). A function-level `static` keeps the count "
        "between frames without a new member; `Actor_PlaySfx` ties the sound to the "
        "actor's position."
    )


def focus(job: Job) -> tuple[str, str] | None:
    s = _fn(job, "update")
    if (
        s is None
        or any(c["name"] == "Actor_SetFocus" for c in s.data.get("calls", []))
        or not _callable(job, "Actor_SetFocus")
    ):
        return None
    who = _this(s, job)
    block = edit(s, None, [f"Actor_SetFocus({who}, 40.0f); // height above the feet: pick yours"])
    if block is None:
        return None
    return block, (
        f"{s.entity} does not call `Actor_SetFocus` itself, so the focus point "
        "(what targeting and the camera look at) only moves when something else "
        "sets it. Calling it each frame keeps it on the actor; 40.0f is a starting "
        "height, not a value from this actor."
    )


def collider(job: Job) -> tuple[str, str] | None:
    s = _fn(job, "update")
    struct = job.ctx.first("size:")
    cyl = next((f for f in job.ctx.of("field:") if (f.data.get("type") or "") == "ColliderCylinder"), None)
    if (
        s is None
        or cyl is None
        or struct is None
        or not _callable(job, "Collider_UpdateCylinder", "CollisionCheck_SetOC")
    ):
        return None
    names = {c["name"] for c in s.data.get("calls", [])}
    if "Collider_UpdateCylinder" in names:
        return None
    m = cyl.data["field"]
    who = _this(s, job)
    block = edit(
        s,
        None,
        [
            f"Collider_UpdateCylinder({who}, &this->{m});",
            f"CollisionCheck_SetOC(play, &play->colChkCtx, &this->{m}.base);",
        ],
    )
    if block is None:
        return None
    job.use(cyl)
    return block, (
        f"{cyl.text} `Collider_UpdateCylinder` copies the actor's current position "
        "into the cylinder, and `CollisionCheck_SetOC` registers it for this frame's "
        "object-collision pass; the registration is cleared every frame, so both "
        "belong in the update function."
    )


def kill_on_switch(job: Job) -> tuple[str, str] | None:
    s = _fn(job, "update")
    if s is None or not _callable(job, "Flags_GetSwitch", "Actor_Kill"):
        return None
    who = _this(s, job)
    block = edit(
        s,
        None,
        [
            "if (Flags_GetSwitch(play, 0x10)) { // switch flag 0x10: use your room's",
            f"    Actor_Kill({who});",
            "    return;",
            "}",
        ],
    )
    if block is None:
        return None
    return block, (
        "`Flags_GetSwitch(play, flag)` reads the current scene's switch flags. "
        "`Actor_Kill` only clears the actor's update and draw functions (and its "
        "attention flag); `Actor_UpdateAll` deletes it the next time it reaches it. "
        "Return right away so the rest of this update does not run on it. 0x10 is "
        "an example flag number."
    )


CHANGES: dict[str, Callable[[Job], tuple[str, str] | None]] = {
    "scale": scale,
    "sfx": sfx,
    "sfx-timer": sfx_timer,
    "focus": focus,
    "collider": collider,
    "kill-on-switch": kill_on_switch,
}


def make(kind: str | None, job: Job) -> tuple[str, str] | None:
    fn = CHANGES.get(kind or "")
    return fn(job) if fn else None


def any_change(job: Job, kinds: list[str]) -> tuple[str, str] | None:
    for k in kinds:
        got = make(k, job)
        if got:
            job.change_kind = k
            return got
    return None


def state_note(job: Job, kind: str) -> str | None:
    """Whether the change needs new members in the instance struct, and why (None: it does,
    and the caller shows where one would go)."""
    cyl = next((f for f in job.ctx.of("field:") if (f.data.get("type") or "") == "ColliderCylinder"), None)
    return {
        "kill-on-switch": "No new member: the switch flag belongs to the scene and "
        "`Flags_GetSwitch` reads it; the actor keeps no state for it.",
        "focus": "No new member: the focus point is `actor.focus`, which every actor has as "
        "part of the `Actor` it starts with.",
        "scale": "No new member: the scale is `actor.scale`, part of the `Actor` it starts with.",
        "collider": f"No new member: the cylinder is already `{cyl.data['field']}`." if cyl else None,
        "sfx": "No new member: the call needs only the actor and the sound id.",
    }.get(kind)
