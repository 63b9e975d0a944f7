"""Quotes of the decomp and edit blocks, checked against the checkout the graph came from."""

from __future__ import annotations

import pytest

from kg.store import open_store
from tests.gen_graph import DBG, NTSC, checkout, make_store
from validate.api import Validator
from validate.models import Example

TITE = "src/overlays/actors/ovl_En_Tite/z_en_tite.c"


@pytest.fixture(scope="module")
def validator(tmp_path_factory):
    settings = make_store(tmp_path_factory.mktemp("quotes") / "graph")
    with open_store(settings) as store:
        yield Validator(store, settings, compile=False, decomp=checkout())


def _lines(first: int, last: int) -> str:
    text = (checkout() / TITE).read_text().split("\n")
    return "\n".join(text[first - 1 : last])


def _check(validator, answer: str, version: str = DBG):
    ex = Example(id="q", messages=[{"role": "user", "content": "?"}, {"role": "assistant", "content": answer}])
    return validator.validate(ex, version)


def _errors(report):
    return [i for i in report.issues if i.severity == "error"]


def test_a_verified_quote_is_not_checked_as_the_examples_code(validator):
    # a branch for another version uses a member the graph's EnTite lacks: quoted verbatim
    # with its location, that is the decomp's code, not a claim of the example
    for version in (DBG, NTSC):
        report = _check(validator, f"```c {TITE}:54-59\n{_lines(54, 59)}\n```", version)
        assert report.ok, report.issues
        assert any("1 quote(s) of the decomp verified" in n for n in report.notes)
    # the same code without its location is the example's own code, and is checked (in a
    # version that compiles the `#if OOT_VERSION < NTSC_1_1` branch: the validator leaves
    # out the lines a version does not compile)
    bare = _check(validator, f"```c\n{_lines(54, 59)}\n```", NTSC)
    assert any(i.code == "unknown-field" and "unk_2DC" in i.message for i in _errors(bare))


def test_a_quote_that_differs_or_names_no_file_of_the_decomp(validator):
    changed = _lines(54, 59).replace("0.02f", "0.03f")
    report = _check(validator, f"```c {TITE}:54-59\n{changed}\n```")
    # a quote that is not the decomp's text is the example's own code: checked as such
    assert ("quote-mismatch", 5) in [(i.code, i.line) for i in _errors(report)]
    for where in ("src/overlays/nope.c:1-2", "../etc/passwd:1-2"):
        report = _check(validator, f"```c {where}\nvoid f(void) {{\n}}\n```")
        assert [i.code for i in _errors(report)] == ["quote-unknown-file"]


def test_an_edit_is_judged_on_what_it_changes(validator):
    body = _lines(54, 59).split("\n")
    edited = body[:1] + ["    Actor_Kill(&this->actor);", "    Actor_Boom(&this->actor);"] + body[1:]
    block = f"```c edit {TITE}:54-59\n" + "\n".join(edited) + "\n```"
    for version in (DBG, NTSC):
        report = _check(validator, block, version)
        errors = _errors(report)
        # the added call to a function the graph lacks is the example's error...
        assert [(i.code, i.symbol, i.line) for i in errors] == [("unknown-function", "Actor_Boom", 3)], version
    # ...the kept line of the `#if OOT_VERSION < NTSC_1_1` branch is the decomp's: a warning
    # only in ntsc-1.0, which compiles it (gc-eu-mq-dbg does not: no issue at all)
    kept = [i for i in report.issues if i.code == "unknown-field"]
    assert kept and all(i.severity == "warning" and i.line == 5 for i in kept)
    assert not [i for i in _check(validator, block, DBG).issues if i.code == "unknown-field"]


def test_a_file_and_line_in_backticks_is_not_code():
    from validate.extract import inline_code

    text = "Defined at `src/libultra/io/vi.c:6`, see `z_en_tite.c:39`; `this->actor.world` moves."
    assert inline_code(text) == [("this->actor.world", 1)]


def test_call_claims_about_an_edited_function(validator):
    # EnTite_Init (lines 24-34) calls Actor_SetScale, not Actor_Kill; the edit adds Actor_Kill
    body = _lines(24, 34).split("\n")
    edit = f"```c edit {TITE}:24-34\n" + "\n".join(body[:3] + ["    Actor_Kill(&this->actor);"] + body[3:]) + "\n```"

    def wrong_calls(prose: str) -> list[str]:
        report = _check(validator, prose + "\n\n" + edit)
        return [i.message for i in _errors(report) if i.code == "wrong-call"]

    # said of the decomp's function, before the edit adds the call: true
    assert wrong_calls("EnTite_Init does not call Actor_Kill itself, so add the call:") == []
    # said of the edited function: true as well
    assert wrong_calls("After the edit, EnTite_Init calls Actor_Kill.") == []
    # a call both versions make is no call the function lacks
    assert wrong_calls("EnTite_Init does not call Actor_SetScale.") != []


def test_a_quote_reads_only_the_decomps_text_sources(tmp_path):
    """A quote check says whether lines match: it must not answer for files outside the
    decomp (a link that leaves it), nor for ROMs, build output or git data inside it."""
    import shutil

    from validate.extract import CodeBlock
    from validate.quotes import check_quotes

    root = tmp_path / "decomp"
    shutil.copytree(checkout(), root, symlinks=True)
    secret = tmp_path / "secret.txt"
    secret.write_text("token=abc\n")
    (root / "src" / "leak.c").symlink_to(secret)
    (root / "baseroms").mkdir(exist_ok=True)
    (root / "baseroms" / "rom.c").write_text("token=abc\n")
    (root / ".git").mkdir(exist_ok=True)
    (root / ".git" / "config.h").write_text("token=abc\n")
    (root / "src" / "notes.txt").write_text("token=abc\n")
    for where in (
        "src/leak.c:1",
        "baseroms/rom.c:1",
        ".git/config.h:1",
        "src/notes.txt:1",
        f"{TITE}:0-2",
        f"{TITE}:5-3",
        f"{TITE}:1-999999",
    ):
        block = CodeBlock("token=abc\n", 1, 0, 1, "c", where, False)
        issues, verified = check_quotes([block], root)
        assert not verified and [i.code for i in issues] == ["quote-unknown-file"], where
    ok = CodeBlock(_lines(54, 59) + "\n", 1, 0, 1, "c", f"{TITE}:54-59", False)
    assert check_quotes([ok], root) == ([], {0})
