"""The C plan remembers closures and keys across runs: after an edit, what it reuses and what
it makes again must give exactly the keys a plan made from nothing gives."""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path

import pytest

from ingest.c.profiles import use_checkout
from ingest.c.source import _pool, extract_all
from ingest.cache import RecordCache
from ingest.checkout.checkout import Checkout
from ingest.context import IngestContext

MINI = Path(__file__).resolve().parent / "fixtures" / "minidecomp"
VERSIONS = ["ntsc-1.0", "gc-eu-mq-dbg"]


def _plan(root: Path, cache_dir: Path, facts: Path) -> dict[str, tuple]:
    """Per version: (TU -> record key, header -> key, header-only parses)."""
    co = Checkout.open(root)
    ctx = IngestContext(checkout=co, versions=[co.version(v) for v in VERSIONS], cache_dir=cache_dir, jobs=1)
    use_checkout(root)
    _pool(ctx)
    data = extract_all(ctx, None, RecordCache(facts))
    return {
        d.v.id: (sorted((r.tu, r.key) for r in d.records), dict(d.hkeys), sorted(r.key for r in d.extra)) for d in data
    }


def _kept(caplog: pytest.LogCaptureFixture) -> int:
    got = [
        int(m.group(1)) for r in caplog.records if (m := re.search(r"key memo: (\d+) closures kept", r.getMessage()))
    ]
    return got[-1]


def test_keys_after_edits_equal_keys_from_nothing(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ingest.c.source")
    root = tmp_path / "oot"
    shutil.copytree(MINI, root)
    facts = tmp_path / "facts"  # shared: equal keys reuse records, so few parses
    warm = tmp_path / "warm"
    first = _plan(root, warm, facts)
    assert _plan(root, tmp_path / "fresh0", facts) == first

    edits = [
        # a .c body: only its TU's keys can change
        ("src/code/z_object.c", lambda t: t + "\ns32 Object_Unused(void) {\n    return 3;\n}\n"),
        # a header's #if block (no new macro): the TUs including it
        ("include/actor.h", lambda t: t.replace("#if DEBUG_FEATURES\n", "#if DEBUG_FEATURES\n    /* edited */\n", 1)),
        # a new version-dependent macro: the macro analysis changes, so every key is remade
        (
            "include/play_state.h",
            lambda t: t.replace("#if DEBUG_FEATURES\n", "#if DEBUG_FEATURES\n#define PLAY_STATE_EDITED 1\n", 1),
        ),
    ]
    before = first
    for i, (rel, edit) in enumerate(edits, 1):
        p = root / rel
        text = p.read_text()
        assert edit(text) != text, rel
        p.write_text(edit(text))
        got = _plan(root, warm, facts)
        if i == 1:
            assert _kept(caplog) > 0  # the memo was used, not rebuilt
        assert got == _plan(root, tmp_path / f"fresh{i}", facts), rel
        assert got != before, rel  # the edit reached some key
        before = got


def test_a_record_body_is_found_only_after_the_whole_keyword() -> None:
    from ingest.c.plan.files import _has_record

    assert _has_record("typedef struct EnHorse {\n    Actor actor;\n} EnHorse;")
    assert _has_record("x = 1;\nunion {\n    s32 i; f32 f;\n} u;")
    assert _has_record("mystruct a; struct S {")  # a later match after a false start
    assert not _has_record("Mystruct {\n")
    assert not _has_record("struct S;\nvoid f(struct S* s) { }")
    assert not _has_record("sizeof(struct S) == 4 ? a : b")
