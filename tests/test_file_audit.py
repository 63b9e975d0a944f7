"""Complete file lists: objects the spec names through Makefile rules, and the audit of the
``.c`` files no version of a run compiles (on the fixture tree, and a copy of it made wrong)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ingest.checkout.checkout import Checkout
from ingest.checkout.file_audit import audit_files
from ingest.checkout.make_rules import expand, generated_objects, object_rules
from ingest.checkout.spec import read_spec
from ingest.pipeline import run_ingest
from kg.settings import Settings
from kg.store import open_store
from tests.conftest import FIXTURES

MINI = FIXTURES / "minidecomp"

MAKEFILE = r"""
VERSION ?= gc-us
$(BUILD_DIR)/src/code/z_a_b.o: $(BUILD_DIR)/src/code/z_a.o \
        $(BUILD_DIR)/src/code/z_b.o
	$(LD) -r -o $@ $^
# a combination of a combination
$(BUILD_DIR)/src/code/z_all.o: $(BUILD_DIR)/src/code/z_a_b.o $(BUILD_DIR)/src/code/z_c.o | $(BUILD_DIR)/dir
	$(LD) -r -o $@ $^
# a source of another name
$(BUILD_DIR)/src/audio/tables/table.o: src/audio/tables/table_data.c include/tables/x.h
	$(CC) -c -o $@ $<
# only headers besides its own source: the pattern rule's case, not a combination
$(BUILD_DIR)/src/audio/game/session_init.o: src/audio/game/session_init.c $(BUILD_DIR)/sizes.h
$(BUILD_DIR)/src/boot/build.o: CPP_DEFINES += -DBUILD_DATE="\"$(BUILD_DATE)\""
$(BUILD_DIR)/src/overlays/%.o: CFLAGS += -fno-merge-constants
O_FILES := $(BUILD_DIR)/src/x.o
$(BUILD_DIR)/src/%.o: src/%.c
	$(CC) -c -o $@ $<
$(BUILD_DIR)/src/overlays/%_reloc.o: $(BUILD_DIR)/spec
	$(FADO) -o $@
"""


def test_makefile_rules_that_combine_objects() -> None:
    rules = object_rules(MAKEFILE)
    assert rules == {
        "src/code/z_a_b.o": ("src/code/z_a.o", "src/code/z_b.o"),
        "src/code/z_all.o": ("src/code/z_a_b.o", "src/code/z_c.o"),
        "src/audio/tables/table.o": ("src/audio/tables/table_data.c",),
    }
    assert expand("src/code/z_all.o", rules) == ["src/code/z_a.o", "src/code/z_b.o", "src/code/z_c.o"]
    assert expand("src/code/z_actor.o", rules) == ["src/code/z_actor.o"]
    gen = generated_objects(MAKEFILE)
    exists = {"src/code/z_actor.c"}.__contains__
    assert gen.makes("src/overlays/actors/ovl_X/ovl_X_reloc.o", exists)
    assert gen.makes("src/code/z_actor.o", exists)  # from its source, which is there
    assert not gen.makes("src/code/z_gone.o", exists)  # src/code/z_gone.c is not


def test_the_spec_reaches_files_through_a_combined_object() -> None:
    co = Checkout.open(MINI)
    for v in co.versions():
        tus = {t.path: t for t in read_spec(co, v).tus}
        for path in ("src/code/z_message.c", "src/code/z_game_over.c"):
            assert tus[path].segment == "code", (v.id, path)
            assert tus[path].via == "src/code/z_message_z_game_over.o"
        assert "src/code/z_actor.c" in tus and tus["src/code/z_actor.c"].via is None


def _audit(co: Checkout, versions: list[str]) -> dict[str, tuple[str, str]]:
    specs = {v: read_spec(co, co.version(v)) for v in versions}
    return {f.path: (f.status, f.reason) for f in audit_files(co, specs).files}


def test_the_audit_explains_each_file_no_version_compiles() -> None:
    co = Checkout.open(MINI)
    got = _audit(co, ["gc-us", "gc-eu-mq-dbg"])
    assert set(got) == {"src/boot/cart_n64.c", "src/code/z_message_tables.inc.c", "src/gcc_fix/missing_gcc_functions.c"}
    status, reason = got["src/boot/cart_n64.c"]
    assert status == "other-versions" and "N64 only: ntsc-1.0, pal-1.0" in reason
    status, reason = got["src/code/z_message_tables.inc.c"]
    assert status == "included" and "part of src/code/z_message.c" in reason
    status, reason = got["src/gcc_fix/missing_gcc_functions.c"]
    assert status == "not-built" and "#ifdef COMPILER_GCC" in reason and "spec/spec:" in reason
    assert "GCC build only" in reason
    # all four versions: the N64 file is built, the others stay as they were
    got = _audit(co, [v.id for v in co.versions()])
    assert set(got) == {"src/code/z_message_tables.inc.c", "src/gcc_fix/missing_gcc_functions.c"}


@pytest.fixture
def broken_tree(tmp_path: Path) -> Path:
    """The fixture with a stray file nothing builds and a spec line naming an object nothing
    makes."""
    tree = tmp_path / "decomp"
    shutil.copytree(MINI, tree)
    (tree / "src" / "code" / "z_stray.c").write_text("void Stray_Func(void) {\n}\n")
    spec = tree / "spec" / "spec"
    spec.write_text(
        spec.read_text().replace(
            '    include "$(BUILD_DIR)/src/code/z_object.o"\n',
            '    include "$(BUILD_DIR)/src/code/z_object.o"\n    include "$(BUILD_DIR)/src/code/z_lost.o"\n',
        )
    )
    return tree


def test_a_linked_object_nothing_makes_is_an_error(broken_tree: Path, tmp_path: Path) -> None:
    co = Checkout.open(broken_tree)
    got = _audit(co, ["gc-us"])
    assert got["src/code/z_stray.c"][0] == "unexplained"
    status, reason = got["src/code/z_lost.o"]
    assert status == "missing" and "segment code" in reason and "src/code/z_lost.c" in reason
    settings = Settings(db=tmp_path / "graph", cache_dir=tmp_path / "cache")
    report, _ = run_ingest(
        co,
        co.select(["gc-us"]),
        settings.cache_dir,
        lambda: open_store(settings, read_only=False),
        only_sources=["c"],
        jobs=1,
    )
    assert report.partial  # part of the game is not in the graph: the run says so
    assert {(f["file"], f["version"]) for f in report.failed_files} == {("src/code/z_lost.o", "gc-us")}
    assert "1 linked objects nothing makes (error)" in report.sources[0].note
    saved = json.loads((settings.cache_dir / "reports" / "files.json").read_text())
    assert {f["path"] for f in saved["files"]} >= {"src/code/z_stray.c", "src/code/z_lost.o"}


def _ootkg(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OOTKG_DB": str(home / "graph"), "OOTKG_CACHE_DIR": str(home / "cache"), "COLUMNS": "200"}
    proc = subprocess.run([sys.executable, "-m", "ootkg", *args], capture_output=True, text=True, env=env, timeout=300)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def test_the_unbuilt_files_query_and_the_run_report(tmp_path: Path) -> None:
    proc = _ootkg("ingest", "--decomp", str(MINI), "--versions", "gc-us,gc-eu-mq-dbg", "--only", "c", home=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    flat = " ".join(proc.stdout.split())
    assert "17 of 20 src/ .c files compiled; 3 not on their own" in flat
    rows = json.loads(_ootkg("query", "unbuilt_files", "-f", "json", home=tmp_path).stdout)
    assert [(r["status"], r["path"]) for r in rows] == [
        ("included", "src/code/z_message_tables.inc.c"),
        ("not-built", "src/gcc_fix/missing_gcc_functions.c"),
        ("other-versions", "src/boot/cart_n64.c"),
    ]
    assert all(r["reason"] for r in rows)
    rows = json.loads(_ootkg("query", "unbuilt_files", "status=included", "-f", "json", home=tmp_path).stdout)
    assert [r["path"] for r in rows] == ["src/code/z_message_tables.inc.c"]
    # the combined object's files are in the graph, defined where their code is
    fn = json.loads(_ootkg("query", "function", "name=Message_GetState", "-f", "json", home=tmp_path).stdout)
    assert fn[0]["file"] == "src/code/z_message.c" and fn[0]["defined"] is True
    assert fn[0]["versions"] == ["gc-us", "gc-eu-mq-dbg"] and fn[0]["callers"] == 1
