"""Fixtures shared by the test modules."""

import json

import pytest

from sklatent.utils._persistence import _checksum


def _forge(folder, edit=None, weights=None):
    """Edit model.json (and/or replace the weights) and recompute the checksum, as a forger can."""
    meta = json.loads((folder / "model.json").read_text())
    if edit is not None:
        edit(meta)
    if weights is not None:
        (folder / "weights.safetensors").write_bytes(weights)
    meta["sha256"] = _checksum(meta, (folder / "weights.safetensors").read_bytes())
    (folder / "model.json").write_text(json.dumps(meta))


@pytest.fixture
def forge():
    """``forge(folder, edit=None, weights=None)``: alter a saved model and recompute its
    checksum, the way someone who knows the format can."""
    return _forge
