"""Sphinx configuration of the sklatent documentation.

Build with ``make docs`` or::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

The build needs no network: intersphinx is deliberately not enabled (the CI machine has no
network access), so references to numpy, scikit-learn, torch or skorch render as code without
links instead of failing or warning.
"""

import os
import sys
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "agg")

import matplotlib

matplotlib.use("agg")

# Import the package from the working tree even when it is not installed.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch

import sklatent

# The gallery's models are tiny MLPs: one intra-op thread is the fastest setting for them, and it
# keeps the gallery's run time stable on a shared 2-core CI runner (examples run in this process).
torch.set_num_threads(1)

# -- Project -------------------------------------------------------------------------------------
project = "sklatent"
author = "sklatent developers"
copyright = "sklatent developers"
release = sklatent.__version__
version = ".".join(release.split(".")[:2])

# -- General -------------------------------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "_templates", "Thumbs.db", ".DS_Store"]
root_doc = "index"
default_role = "literal"
# Unresolved references to packages outside sklatent (numpy, torch, skorch...) are expected
# without intersphinx; nitpicky mode would turn each into a warning.
nitpicky = False

# -- autodoc / autosummary -------------------------------------------------------------------------
autosummary_generate = True
autodoc_typehints = "none"
autodoc_member_order = "groupwise"
# Overrides of skorch / torch methods without their own docstring stay out of the API pages
# instead of inheriting (and re-rendering) the parent library's docstring.
autodoc_inherit_docstrings = False
autodoc_default_options = {"members": True, "inherited-members": True}


def _defined_in_sklatent(obj):
    """Whether a class member comes from sklatent's own code (not sklearn, torch or skorch)."""
    if isinstance(obj, property):
        obj = obj.fget
    module = getattr(obj, "__module__", None)
    return isinstance(module, str) and module.startswith("sklatent")


def _skip_foreign_members(app, what, name, obj, skip, options):
    # Members inherited from BaseEstimator, nn.Module, NeuralNet or Exception are documented by
    # those projects; their docstrings cite labels that do not exist in this site.
    if what == "class" and not _defined_in_sklatent(obj):
        return True
    return skip


def setup(app):
    app.connect("autodoc-skip-member", _skip_foreign_members)


# -- numpydoc ------------------------------------------------------------------------------------
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# -- sphinx-gallery ------------------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "reference_url": {"sklatent": None},
    "doc_module": ("sklatent",),
    "backreferences_dir": "generated/backreferences",
    "within_subsection_order": "FileNameSortKey",
    "remove_config_comments": True,
    "show_memory": False,
    # Fail the build when an example raises, instead of rendering a traceback.
    "abort_on_example_error": True,
}

# -- HTML ----------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"sklatent {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_prev_next": False,
    "header_links_before_dropdown": 8,
    "secondary_sidebar_items": ["page-toc"],
}
html_show_sourcelink = False
