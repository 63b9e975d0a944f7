"""Why a struct's members move between versions, as a context fact (the generation graph)."""

from __future__ import annotations

from generate.context import ContextBuilder
from kg.store import open_store
from tests.gen_graph import DBG, NTSC, make_store


def test_the_first_member_that_moves_and_by_how_much(tmp_path):
    settings = make_store(tmp_path / "graph")
    with open_store(settings) as store:
        facts = ContextBuilder(store, max_tokens=4000)._versions_struct("EnTite", DBG, 10, {}, complete=True)
    shift = [f for f in facts if f.id.startswith("shift:")]
    # EnTite.vAttackState is at 0x198 in ntsc-1.0 and 0x194 in the debug ROM; nothing before it
    # moves, and its base (Actor) has one size in both: no cause beyond the member is claimed
    assert [f.id for f in shift] == [f"shift:EnTite@{NTSC}"]
    assert shift[0].data["first"] == "vAttackState" and shift[0].data["before"] == "action"
    assert "0x4 bytes earlier in gc-eu-mq-dbg" in shift[0].text
    assert "changed size" not in shift[0].text
