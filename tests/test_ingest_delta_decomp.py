"""The C delta path on a real decomp checkout (``OOT_DECOMP``): after editing one actor, the
graph changed in place equals a ``--force`` rebuild, row for row (a few minutes)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ootkg.cli import app
from tests.test_ingest_delta import _assert_same, dump

pytestmark = pytest.mark.decomp

EDITED = "src/overlays/actors/ovl_En_Horse/z_en_horse.c"
COPY = ("src", "include", "spec", "baseroms", "assets", "Makefile", "undefined_syms.txt")


def _ingest(decomp: Path, *extra: str) -> dict[str, Any]:
    result = CliRunner().invoke(
        app, ["ingest", "--decomp", str(decomp), "--versions", "gc-eu-mq-dbg", "--only", "c,patterns", "--json", *extra]
    )
    assert result.exit_code == 0, result.output[-2000:]
    return json.loads(result.output[result.output.index("{\n") :])


def test_an_actor_edit_on_the_real_decomp_equals_a_full_rebuild(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = os.environ.get("OOT_DECOMP")
    if not root:
        pytest.skip("OOT_DECOMP is not set")
    decomp = tmp_path / "oot"
    for item in COPY:
        src = Path(root) / item
        if src.is_dir():
            shutil.copytree(src, decomp / item, symlinks=True)
        elif src.is_file():
            (decomp / item).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, decomp / item)
    monkeypatch.setenv("OOTKG_DB", str(tmp_path / "graph"))
    monkeypatch.setenv("OOTKG_CACHE_DIR", os.environ.get("OOTKG_TEST_CACHE") or str(tmp_path / "cache"))
    _ingest(decomp)
    f = decomp / EDITED
    text = f.read_text(errors="replace")
    # one call of 28 swapped for another (the CALLS edges' counts change), one function added
    assert "Math_CosS(" in text
    text = text.replace("Math_CosS(", "Math_SinS(", 1)
    text += "\nvoid EnHorse_DeltaTest(EnHorse* this, PlayState* play) {\n    Actor_Kill(&this->actor);\n}\n"
    # and its joint-sphere collider is no longer destroyed: the horse leaves that pattern
    assert "    Collider_DestroyJntSph(play, &this->colliderJntSph);\n" in text
    text = text.replace("    Collider_DestroyJntSph(play, &this->colliderJntSph);\n", "", 1)
    f.write_text(text)
    rep = _ingest(decomp)
    assert rep["delta"] is not None and rep["delta"]["edited"] == [EDITED], rep
    assert rep["delta"]["nodes_upserted"] >= 2  # the new function and the file
    after = dump(tmp_path / "graph")
    assert any(r[0] == "EnHorse_DeltaTest" for r in after["Function"])
    assert not any(
        r[0] == "ACTOR_EN_HORSE" and r[1] == "jntsph-collider" and r[2] for r in after["FOLLOWS:Actor->Pattern"]
    )
    full = _ingest(decomp, "--force")
    _assert_same(after, dump(tmp_path / "graph"))
    assert rep["counts"] == full["counts"]
