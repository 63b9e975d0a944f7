"""The audio source: soundfonts and sample banks from the extraction XMLs, and the fonts a
sequence's source includes, linked to the sequence table's Sequence."""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from ingest.domain.audio import audio_source, sequence_fonts, soundfont_rows
from kg.facts import Facts
from tests.conftest import FIXTURES

MINI = FIXTURES / "minidecomp"


def _ctx(root: Path, sequences: dict[str, str]) -> SimpleNamespace:
    earlier = Facts()
    for name, enum in sequences.items():
        earlier.node("Sequence", enum=enum, name=name)
    return SimpleNamespace(checkout=SimpleNamespace(root=root), facts=earlier, notes={})


def test_soundfonts_banks_and_sequence_fonts_from_the_fixture():
    ctx = _ctx(MINI, {"Sequence_2": "NA_BGM_FIELD_LOGIC", "Sequence_0": "NA_BGM_GENERAL_SFX"})
    f = audio_source(ctx)
    fonts = f.nodes["Soundfont"]
    assert set(fonts) == {"Soundfont_0", "Soundfont_3"}
    sf0 = fonts["Soundfont_0"]
    assert (sf0["number"], sf0["instruments"], sf0["drums"], sf0["effects"], sf0["envelopes"]) == (0, 3, 1, 2, 2)
    assert json.loads(sf0["programs"]) == [0, 1, 3]
    assert sf0["file"] == "assets/xml/audio/soundfonts/Soundfont_0.xml"
    bank = f.nodes["SampleBank"]["SampleBank_0"]
    assert (bank["samples"], json.loads(bank["rates"])) == (3, [16000, 32000])
    edges = sorted((r["position"], r["from"], r["to"]) for r in f.rel_rows("USES_FONT"))
    assert edges == [(0, "NA_BGM_FIELD_LOGIC", "Soundfont_3"), (1, "NA_BGM_FIELD_LOGIC", "Soundfont_0")]
    assert ctx.notes["audio"] == "2 soundfonts, 1 sample banks, 2 sequence-font links"


def test_a_sequence_the_table_does_not_name_gets_no_edge(tmp_path):
    assert sequence_fonts(MINI) == {"Sequence_2": ["Soundfont_3", "Soundfont_0"]}
    f = audio_source(_ctx(MINI, {}))
    assert not f.rel_rows("USES_FONT") and len(f.nodes["Soundfont"]) == 2
    assert soundfont_rows(tmp_path) == []  # no audio XMLs: nothing, no error


@pytest.mark.decomp
def test_the_real_decomp_audio_xmls():
    root = os.environ.get("OOT_DECOMP")
    if not root:
        pytest.skip("OOT_DECOMP is not set")
    fonts = soundfont_rows(Path(root))
    assert len(fonts) >= 30 and all(r["name"].startswith("Soundfont_") for r in fonts)
    assert sum(r["instruments"] for r in fonts) > 300
    assert sequence_fonts(Path(root))  # at least one sequence's source is in the checkout
