"""Every public function and class is listed in the API reference and shows an example.

The ``Examples`` sections are doctests: pytest runs them with ``--doctest-modules`` over
``sklatent/``, so an example that stops working fails the suite.
"""

import importlib
import re
from pathlib import Path

import pytest

PUBLIC_MODULES = [
    "sklatent",
    "sklatent.datasets",
    "sklatent.metrics",
    "sklatent.plotting",
    "sklatent.training",
    "sklatent.information",
    "sklatent.objectives",
    "sklatent.modules",
]
API_REFERENCE = (Path(__file__).resolve().parents[1] / "docs" / "api.rst").read_text()


def _public_objects():
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            # Constants (a version string, a batch size, a table of activations) have no page.
            if isinstance(obj, (int, float, str, tuple, dict)):
                continue
            yield pytest.param(name, obj, id=f"{module_name}.{name}")


PUBLIC_OBJECTS = list(_public_objects())


def test_every_module_has_public_objects():
    found = {param.id.rsplit(".", 1)[0] for param in PUBLIC_OBJECTS}
    assert found == set(PUBLIC_MODULES)


@pytest.mark.parametrize(("name", "obj"), PUBLIC_OBJECTS)
def test_listed_in_api_reference(name, obj):
    # An autosummary entry is the name alone on an indented line.
    assert re.search(r"^\s+" + re.escape(name) + r"\s*$", API_REFERENCE, re.MULTILINE), (
        f"{name} is missing from docs/api.rst"
    )


@pytest.mark.parametrize(("name", "obj"), PUBLIC_OBJECTS)
def test_has_examples_section(name, obj):
    # The object's own docstring: a class does not inherit its parent's examples.
    docstring = obj.__doc__ or ""
    assert re.search(r"^\s*Examples\n\s*-{8,}\n", docstring, re.MULTILINE), (
        f"the docstring of {name} has no numpydoc Examples section"
    )
    assert ">>> " in docstring.split("Examples", 1)[1], f"the Examples of {name} run no code"
