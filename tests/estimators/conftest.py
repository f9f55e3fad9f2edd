"""Fixtures shared by the estimator tests."""

import pytest

from sklatent import StructuredVAE


@pytest.fixture
def restart_nets(monkeypatch):
    """The nets of every restart of the StructuredVAE fits made in the test, in order (a spy on
    the hook that reads them before the restarts not kept are dropped)."""
    seen = []
    read_restarts = StructuredVAE._read_restarts

    def spy(self, nets):
        seen.extend(nets)
        read_restarts(self, nets)

    monkeypatch.setattr(StructuredVAE, "_read_restarts", spy)
    return seen
