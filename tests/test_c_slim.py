"""ingest.c.plan.jobs.Slimmer: records as the run holds them (no deps, equal entries shared)."""

from __future__ import annotations

import copy

from ingest.c.plan.jobs import Slimmer
from ingest.c.records import Ents, TURecord


def _record(key: str) -> TURecord:
    fn = (
        "EnTest_Init",
        "void EnTest_Init(Actor * thisx, PlayState * play)",
        "void",
        '[{"name": "thisx", "type": "Actor *"}]',
        "src/overlays/actors/ovl_En_Test/z_en_test.c",
        40,
        False,
        True,
        None,
        (("Struct", "Actor"), ("Struct", "PlayState")),
    )
    st = (
        "EnTest",
        "struct",
        0x150,
        4,
        "src/overlays/actors/ovl_En_Test/z_en_test.h",
        8,
        (("actor", 0, 0x14C, "Actor", ("Struct", "Actor"), 0, False),),
    )
    rec = TURecord(
        tu="src/overlays/actors/ovl_En_Test/z_en_test.c",
        key=key,
        main=Ents(functions=[fn], calls=[("EnTest_Init", "Actor_Kill", 1)]),
        headers={"src/overlays/actors/ovl_En_Test/z_en_test.h": Ents(structs=[st])},
        files={"src/overlays/actors/ovl_En_Test/z_en_test.c": "ab" * 20},
        deps={"/oot/src/overlays/actors/ovl_En_Test/z_en_test.c": (10, 1, "ab" * 20)},
    )
    return copy.deepcopy(rec)  # nothing shared between two records to begin with


def test_slim_records_keep_their_entries_and_share_equal_ones() -> None:
    a, b = _record("k1"), _record("k2")
    want = copy.deepcopy(a)
    slim = Slimmer()
    a, b = slim(a), slim(b)
    assert a.deps == {} and b.deps == {}
    assert (a.main, a.headers, a.files) == (want.main, want.headers, want.files)
    assert a.main.functions[0] is b.main.functions[0]
    assert a.main.calls[0] is b.main.calls[0]
    h = "src/overlays/actors/ovl_En_Test/z_en_test.h"
    assert a.headers[h].structs[0] is b.headers[h].structs[0]
    path = next(iter(a.files))
    assert path is next(iter(b.files)) and a.files[path] is b.files[path]
