"""The Makefile's explicit rules that make one object from others.

The spec names the objects the linker places; most are ``$(BUILD_DIR)/src/x.o`` built from
``src/x.c`` by the pattern rule, but some are made by an explicit rule from other objects
(an incremental link, ``$(LD) -r``) or from a source of another name. The zeldaret/oot
Makefile has

    $(BUILD_DIR)/src/code/z_message_z_game_over.o: $(BUILD_DIR)/src/code/z_message.o \
        $(BUILD_DIR)/src/code/z_game_over.o

Interface:

    rules = object_rules(makefile_text)    # {"src/code/a_b.o": ("src/code/a.o", "src/code/b.o")}
    expand("src/code/a_b.o", rules)        # ["src/code/a.o", "src/code/b.o"] (recursively)
    gen = generated_objects(makefile_text) # pattern rules that make objects from build files
    gen.makes("src/overlays/x/ovl_X_reloc.o", exists)  # True: e.g. $(BUILD_DIR)/src/%_reloc.o

Only explicit rules count (no ``%`` patterns); a prerequisite is kept when it is an object
under the build directory (``$(BUILD_DIR)/...o``) or a C source of the checkout
(``src/...c``): headers, tools and order-only prerequisites are left out. Rules inside
``ifeq`` blocks are all read: the spec decides which objects a version links.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

_BUILD = re.compile(r"^\$\((?:BUILD_DIR|BUILD)\)/")
_VAR = re.compile(r"\$\([^)]*\)")


def _logical_lines(text: str) -> list[str]:
    out: list[str] = []
    cur = ""
    for raw in text.splitlines():
        if raw.startswith("\t"):  # a recipe line
            if cur:
                out.append(cur)
                cur = ""
            continue
        line = raw.split("#", 1)[0] if "#" in raw and not raw.lstrip().startswith("$(") else raw
        if line.endswith("\\"):
            cur += line[:-1] + " "
            continue
        out.append(cur + line)
        cur = ""
    if cur:
        out.append(cur)
    return out


def _rel(token: str) -> str | None:
    """``$(BUILD_DIR)/src/x.o`` -> ``src/x.o``; ``src/x.c`` -> itself; else None."""
    if _BUILD.match(token):
        rest = _BUILD.sub("", token)
        return rest if rest.endswith(".o") and "$" not in rest and "%" not in rest else None
    if token.endswith(".c") and "$" not in token and "%" not in token and not token.startswith("/"):
        return token
    return None


def object_rules(text: str) -> dict[str, tuple[str, ...]]:
    """Each object an explicit rule makes from other objects or from a differently named C
    source: target (build-relative) -> those prerequisites, in order."""
    rules: dict[str, tuple[str, ...]] = {}
    for line in _logical_lines(text):
        if ":" not in line or line.lstrip().startswith(
            ("ifeq", "ifneq", "ifdef", "ifndef", "else", "endif", "define", "export")
        ):
            continue
        head, _, tail = line.partition(":")
        if tail.startswith("=") or head.rstrip().endswith(("?", "+", ":")) or "=" in head:
            continue  # an assignment (x := y, x ?= y, x += y)
        if tail.lstrip().startswith(
            ("CPP_DEFINES", "CFLAGS", "OPTFLAGS", "MIPS_VERSION", "CC :=", "CC=", "POSTPROCESS_OBJ", "ASFLAGS")
        ):
            continue  # a target-specific variable
        if re.match(r"\s*[A-Z_][A-Z0-9_]*\s*(?::|\+|\?)?=", tail):
            continue
        targets = [_rel(t) for t in head.split()]
        prereqs = tail.split("|", 1)[0].split()
        deps = [r for r in (_rel(p) for p in prereqs) if r is not None]
        for t in targets:
            if t is None or not t.endswith(".o"):
                continue
            made_from = [d for d in deps if d != t]
            same_c = t[:-2] + ".c"
            if any(d.endswith(".o") for d in made_from) or any(d.endswith(".c") and d != same_c for d in made_from):
                rules[t] = tuple(made_from)
    return rules


def expand(obj: str, rules: dict[str, tuple[str, ...]], _depth: int = 0) -> list[str]:
    """The objects and C sources ``obj`` is made of, rules followed down (``obj`` itself when
    no rule makes it)."""
    made = rules.get(obj)
    if made is None or _depth > 20:
        return [obj]
    out: list[str] = []
    for d in made:
        out.extend(expand(d, rules, _depth + 1) if d.endswith(".o") else [d])
    return out


@dataclass
class PatternRules:
    """The ``%`` rules that make an object under the build directory, each with its
    prerequisite patterns."""

    rules: list[tuple[re.Pattern[str], tuple[str, ...]]] = field(default_factory=list)

    def makes(self, obj: str, exists: Callable[[str], bool]) -> bool:
        """Whether a pattern rule makes ``obj`` (build-relative) from what is there: every
        prerequisite it names in the checkout itself (``src/%.c``) must exist; prerequisites
        under a variable's folder (``$(BUILD_DIR)/spec``, ``$(EXTRACTED_DIR)/...``) are made
        or extracted by the build."""
        for target, prereqs in self.rules:
            m = target.fullmatch(obj)
            if m is None:
                continue
            stem = m.group(1)
            if all(p.startswith("$") or "%" not in p or exists(p.replace("%", stem)) for p in prereqs):
                return True
        return False


def generated_objects(text: str) -> PatternRules:
    out = PatternRules()
    for line in _logical_lines(text):
        if ":" not in line or "%" not in line.partition(":")[0]:
            continue
        head, _, tail = line.partition(":")
        if "=" in head or re.match(r"\s*[A-Z_][A-Z0-9_]*\s*(?::|\+|\?)?=", tail):
            continue
        prereqs = tuple(tail.split("|", 1)[0].split())
        for t in head.split():
            if not _BUILD.match(t) or not t.endswith(".o") or t.count("%") != 1:
                continue
            pre, post = _BUILD.sub("", t).split("%")
            out.rules.append((re.compile(re.escape(pre) + "(.+)" + re.escape(post)), prereqs))
    return out
