"""A batch's tensors are named through ``sklatent._batch`` only, never spelled in place."""

import ast
import re
from pathlib import Path

import pytest

import sklatent
from sklatent import _batch

PACKAGE = Path(sklatent.__file__).parent
KEYS = {
    _batch.PRESENT,
    _batch.GROUPS,
    _batch.STRATA,
    _batch.FEATURES,
    _batch.NEXT_FEATURES,
    _batch.ACTIONS,
}
# The prefix of each per-view or per-attribute key (``view_values("x")`` is "X_x").
PREFIXES = ("X_", "labels_", "condition_", "strata_")
# A key of a preset's fixed view or attribute, spelled out ("X_y", "labels_y", "condition_s",
# "strata_0"); longer names after a prefix are other dicts' keys ("condition_widths").
PRESET_VIEW_KEY = re.compile(r"(X|labels|condition|strata)_\w{1,2}")


def spelled_keys(tree):
    """The batch keys written as literals in ``tree``: subscripts, ``.get`` and dict keys."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript):
            candidates = [node.slice]
        elif isinstance(node, ast.Dict):
            candidates = [key for key in node.keys if key is not None]
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "get":
            candidates = node.args[:1]
        else:
            continue
        for key in candidates:
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                if key.value in KEYS or PRESET_VIEW_KEY.fullmatch(key.value):
                    found.append((key.lineno, key.value))
            if isinstance(key, ast.JoinedStr) and isinstance(key.values[0], ast.Constant):
                if str(key.values[0].value).startswith(PREFIXES):
                    found.append((key.lineno, ast.unparse(key)))
    return found


def test_the_prefixes_are_the_keys_own():
    makers = (_batch.view_values, _batch.view_labels, _batch.condition_values)
    keys = [make("y") for make in makers] + [_batch.attribute_strata(0)]
    assert [key.startswith(prefix) for key, prefix in zip(keys, PREFIXES, strict=True)] == [
        True
    ] * 4


@pytest.mark.parametrize(
    "path",
    sorted(p for p in PACKAGE.rglob("*.py") if p.name != "_batch.py"),
    ids=lambda p: str(p.relative_to(PACKAGE)),
)
def test_no_module_spells_a_batch_key(path):
    assert spelled_keys(ast.parse(path.read_text())) == []


def test_the_check_finds_a_spelled_key():
    source = 'batch["present"][:, 1] = 1.0\nbatch.get(f"labels_{name}")\n{"groups": g, "X_y": v}'
    assert sorted(line for line, _ in spelled_keys(ast.parse(source))) == [1, 2, 3, 3]
