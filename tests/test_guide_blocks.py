"""Code blocks of the user guide run as pasted, in page order, and print what the page shows."""

import re
import textwrap
from pathlib import Path

import numpy as np

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "user_guide.rst"


def _python_blocks():
    """The ``code-block:: python`` blocks of the user guide, dedented, in page order."""
    blocks = re.findall(
        r"^( *)\.\. code-block:: python\n\n((?:\1 +.*\n|\n)+)", GUIDE.read_text(), re.MULTILINE
    )
    return [textwrap.dedent(body) for _, body in blocks]


def _block_with(text):
    (block,) = [block for block in _python_blocks() if text in block]
    return block


def test_the_latent_report_block_prints_the_table_it_shows(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    block = _block_with("latent_report(mim, X)")
    namespace = {}
    exec(compile(block, "user_guide.rst", "exec"), namespace)
    report = namespace["latent_report"](namespace["mim"], namespace["X"])
    # The table in the block's comments: activity and KL of each dimension.
    shown = re.findall(r"# (mutualinformationmachine\d) +([\d.]+) +True +[\d.]+ +([\d.]+)", block)
    assert len(shown) == len(report)
    for name, activity, kl in shown:
        np.testing.assert_allclose(report.loc[name, "activity"], float(activity), rtol=0.02)
        np.testing.assert_allclose(report.loc[name, "kl"], float(kl), rtol=0.02)
    stated = float(re.search(r"# about ([\d.]+) nats", block).group(1))
    ksg = namespace["mutual_information_ksg"](*namespace["scaled"])
    assert abs(ksg - stated) <= 0.05


def test_the_conditional_decoder_block_runs_after_the_layout_block(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace = {}
    for text in ("a, b = list(range(10))", "cvae = StructuredVAE("):
        exec(compile(_block_with(text), "user_guide.rst", "exec"), namespace)
    decoded = namespace["cvae"].inverse_transform(namespace["Z"], conditions=namespace["X"])
    assert np.isfinite(decoded[:, :20]).all()  # x decoded from (z, c)
    assert np.isnan(decoded[:, 20]).all()  # c has no decoder
