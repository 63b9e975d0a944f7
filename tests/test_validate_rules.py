"""The validator's rule registry: every code a check reports is declared once in
validate/rules.py, every declared rule has a check behind it, and the docs table is the
registry's."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from validate import rules
from validate.models import Severity
from validate.rules import RULES, Rule, UnknownRule, make_emit

VALIDATE = Path(rules.__file__).resolve().parent
SOURCES = sorted(p for p in VALIDATE.rglob("*.py") if p.name != "rules.py")


def test_docs_table_is_generated_from_the_registry():
    text = rules.DOCS.read_text()
    assert rules.BEGIN in text and rules.END in text
    assert rules.render_docs(text) == text, "run: python -m validate.rules --write-docs"
    block = text[text.index(rules.BEGIN) : text.index(rules.END)]
    rows = [line.split("|")[1] for line in block.split("\n")[3:] if line.startswith("|")]
    documented = {c for row in rows for c in re.findall(r"`([a-z-]+)`", row)}
    assert documented == set(RULES)


def test_check_mode_says_when_docs_differ(tmp_path, monkeypatch, capsys):
    stale = tmp_path / "validate.md"
    stale.write_text(f"# x\n\n{rules.BEGIN}\n| code |\n{rules.END}\n\nafter\n")
    monkeypatch.setattr(rules, "DOCS", stale)
    assert rules.main(["--check"]) == 1
    assert "--write-docs" in capsys.readouterr().err
    assert rules.main(["--write-docs"]) == 0
    assert rules.main(["--check"]) == 0
    text = stale.read_text()
    assert text.endswith(f"{rules.END}\n\nafter\n") and "`wrong-arity`" in text


def test_emit_takes_a_rule_or_a_registered_code_only():
    issues = []
    emit = make_emit(issues, 1, 0)
    emit(rules.DOUBLE_LITERAL, "1.0", "m", 3, ["1.0f"])
    emit("large-stack-array", "buf", "m", 4, [], Severity.error)
    assert [(i.code, i.level, i.severity) for i in issues] == [
        ("double-literal", 3, Severity.warning),
        ("large-stack-array", 3, Severity.error),
    ]
    with pytest.raises(UnknownRule, match="no-such-rule"):
        emit("no-such-rule", None, "m", 1, [])
    with pytest.raises(UnknownRule):
        rules.issue("wrong-arity-typo", "m")
    assert rules.issue(rules.COMPILE_ERROR, "m", line=2).level == 1


def _calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
            yield name, node


def test_every_code_a_check_names_is_registered():
    """A literal code passed to emit/issue anywhere in validate/ must be a registered rule,
    and issues are built through the registry only (no ``Issue(code=...)`` of its own)."""
    for path in SOURCES:
        tree = ast.parse(path.read_text())
        for name, call in _calls(tree):
            if name in ("emit", "issue", "_issue", "missing") and call.args:
                first = call.args[1] if name == "missing" else call.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    assert first.value in RULES, (path.name, call.lineno, first.value)
            if name == "Issue":
                pytest.fail(f"{path.name}:{call.lineno} builds an Issue itself: use rules.issue")


def test_every_rule_has_a_check_behind_it():
    text = "\n".join(p.read_text() for p in SOURCES)
    consts = {r.code: n for n, r in vars(rules).items() if isinstance(r, Rule)}
    assert set(consts) == set(RULES)
    for code, const in consts.items():
        assert re.search(rf"\brules\.{const}\b", text) or f'"{code}"' in text, code


def test_rules_are_consistent():
    for code, r in RULES.items():
        assert r.code == code and 1 <= r.level <= 4 and r.doc and "|" not in r.doc
        assert re.fullmatch(r"[a-z]+(?:-[a-z]+)+|naming", code), code
