"""Grid searches on a local Ray cluster through joblib's ``"ray"`` backend
(``ray.util.joblib``): the same scores as one process."""

import os

import joblib
import pytest
import sklearn
from test_scale_out import _german_credit, _search, assert_same_search

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def ray_cluster():
    """Two worker CPUs on this machine; one torch thread per worker process (set before the
    workers import torch), as the docs' recipe does."""
    from ray.util.joblib import register_ray

    environ = os.environ.copy()
    ray.init(
        num_cpus=2,
        object_store_memory=200 * 1024**2,  # the search ships small arrays only
        include_dashboard=False,
        log_to_driver=False,
        runtime_env={"env_vars": {"OMP_NUM_THREADS": "1"}},
    )
    register_ray()
    try:
        yield
    finally:
        ray.shutdown()
        for key in set(os.environ) - set(environ):
            del os.environ[key]
        os.environ.update(environ)


@pytest.mark.slow
def test_ray_grid_search_matches_one_process(ray_cluster):
    X, y, sex = _german_credit()
    with sklearn.config_context(enable_metadata_routing=True):
        serial = _search().set_params(n_jobs=1).fit(X, y, sensitive_features=sex)
        with joblib.parallel_backend("ray"):
            on_ray = _search().set_params(n_jobs=2).fit(X, y, sensitive_features=sex)
    assert_same_search(on_ray, serial)
