"""Public text speaks to users: no internal labels, and one citation per paper everywhere."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Labels of the team's work items and reading list (and its files, which are not in the
#: repository), which mean nothing to a user.
INTERNAL_LABEL = re.compile(
    r"\b[Pp]aper 0\d\d\b|\b[Tt]he issue\b|\b[Ii]ssue #?\d+\b|\b(PAPERS|DESIGN)\.md\b"
)


def _public_files():
    yield ROOT / "README.md"
    yield from sorted((ROOT / "sklatent").rglob("*.py"))  # docstrings and messages
    yield from sorted((ROOT / "examples").glob("*.py"))
    yield from sorted((ROOT / "docs").glob("*.rst"))  # not the generated pages


@pytest.mark.parametrize("path", list(_public_files()), ids=lambda path: path.name)
def test_no_internal_labels(path):
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if INTERNAL_LABEL.search(line)
    ]
    assert not found, "internal labels in public text:\n" + "\n".join(found)


def _first_authors(entries, arxiv_pattern):
    """``{arXiv id: first author}`` of the entries that cite an arXiv id."""
    authors = {}
    for entry in entries:
        arxiv = re.search(arxiv_pattern, entry)
        if arxiv:
            authors[arxiv.group(1)] = re.match(r"(.+?)(?:,| and | et al\.)", entry).group(1)
    return authors


def test_the_readme_cites_each_paper_as_the_reference_page_does():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    methods = readme.split("## The methods behind it", 1)[1].split("\n## ", 1)[0]
    references = (ROOT / "docs" / "references.rst").read_text(encoding="utf-8")
    # README: "- R. Zhang, M. Koyama, ... (arXiv 2007.10623)"; references: ".. [Zhang2020]
    # R. Zhang, M. Koyama and ... `arXiv:2007.10623 <...>`".
    in_readme = _first_authors(methods.split("\n- ")[1:], r"arXiv (\d{4}\.\d{5})")
    entries = [entry.split("] ", 1)[1] for entry in references.split(".. [")[1:]]
    in_references = _first_authors(entries, r"arXiv:(\d{4}\.\d{5})")
    assert len(in_readme) >= 5
    for arxiv, author in in_readme.items():
        assert in_references.get(arxiv) == author, (arxiv, author, in_references.get(arxiv))
