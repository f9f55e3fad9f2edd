"""
===============================
A grid search on a Dask cluster
===============================

Each candidate of a grid search is a fit of its own, so the fits can run on other machines.
joblib, which :class:`~sklearn.model_selection.GridSearchCV` uses to run them, has a
``"dask"`` backend that sends them to a `dask.distributed <https://distributed.dask.org>`_
cluster. This example searches the bottleneck weight ``beta`` of a
:class:`~sklatent.FairEncoder` on the German Credit data, with the applicant's sex routed to
the encoder by metadata routing, on a cluster of two worker processes started on this machine,
and checks that the result is the one a search in one process gives. On a cluster of several
machines, connect the client to its scheduler instead,
``Client("tcp://scheduler-address:8786")``; the rest is unchanged.

Dask starts each worker as a new Python process, which imports this script under the name
``__mp_main__``: the code that starts the cluster and fits runs under
``if __name__ == "__main__":``, as in any script that starts processes. In a notebook the guard
is always true and changes nothing.
"""

# %%
# Data and search
# ---------------
# 1,000 loan applicants; ``personal_status_sex`` is dropped because it encodes sex exactly,
# and sex is kept aside for the encoder's independence penalty. The search is built by a
# function so that each run starts from a fresh one; the encoder requests the sensitive
# feature, which metadata routing then carries to it in every fold.
import logging

import joblib
import numpy as np
import sklearn
import torch
from distributed import Client, LocalCluster
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from sklatent import FairEncoder
from sklatent.datasets import load_german_credit

torch.set_num_threads(1)  # small networks: one thread is fastest
german = load_german_credit()
X = german.data.drop(columns=["personal_status_sex"])
y, sex = german.target, german.sensitive["sex"]
betas = [0.01, 0.1, 1.0, 10.0]


def make_search():
    """A grid over the bottleneck weight, scored by the ROC AUC of credit risk."""
    preprocess = ColumnTransformer(
        [
            (
                "categories",
                OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                make_column_selector(dtype_include="category"),
            ),
            ("numbers", StandardScaler(), make_column_selector(dtype_include="number")),
        ]
    )
    encoder = FairEncoder(
        n_components=8,
        max_epochs=10,
        batch_size=64,
        lr=1e-2,
        random_state=0,
    ).set_fit_request(sensitive_features=True)
    pipe = make_pipeline(preprocess, encoder, LogisticRegression(max_iter=1000))
    # refit=False: only the cross-validated scores are compared here.
    return GridSearchCV(pipe, {"fairencoder__beta": betas}, cv=2, scoring="roc_auc", refit=False)


# %%
# The search on a two-worker cluster
# ----------------------------------
# ``threads_per_worker=1`` and worker processes: each worker runs one fit at a time, in a
# process of its own, so that two fits do not share its cores (fits in threads would be
# reproducible too: each draws from generators of its own). Dask's nanny starts each worker
# process with ``OMP_NUM_THREADS=1``, which torch reads, so each fit uses one core;
# ``client.run`` shows it (for workers started another way,
# ``client.run(torch.set_num_threads, 1)`` sets it).
#
# Under ``joblib.parallel_backend("dask")`` the search sends its fits to the cluster; the
# metadata routing setting travels with each fit.
#
# ``silence_logs=logging.ERROR`` only keeps a harmless warning out of this page: on a busy
# machine a worker process that has loaded torch can take longer to exit than the four seconds
# the cluster waits for it when it closes, and the worker is then killed, with a warning.
if __name__ == "__main__":
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, dashboard_address=None, silence_logs=logging.ERROR
        ) as cluster,
        Client(cluster) as client,
    ):
        print("torch threads per worker:", client.run(torch.get_num_threads))
        with (
            sklearn.config_context(enable_metadata_routing=True),
            joblib.parallel_backend("dask"),
        ):
            on_dask = make_search().fit(X, y, sensitive_features=sex)

# %%
# The same search in one process
# ------------------------------
# The same ``random_state`` gives the same fits wherever they run: the scores and the best
# ``beta`` are those of the cluster.
if __name__ == "__main__":
    with sklearn.config_context(enable_metadata_routing=True):
        serial = make_search().set_params(n_jobs=1).fit(X, y, sensitive_features=sex)
    for name, search in [("one process", serial), ("dask cluster", on_dask)]:
        text = np.array2string(search.cv_results_["mean_test_score"], precision=4)
        print(f"{name:13s} best {search.best_params_}, mean ROC AUC {text}")
    scores = [search.cv_results_["mean_test_score"] for search in (serial, on_dask)]
    print("identical scores:", np.array_equal(*scores))

# %%
# Score of each candidate
# -----------------------
# A tight bottleneck (large ``beta``) leaves too little of the applicant in the code for the
# classifier to read the credit risk from.
if __name__ == "__main__":
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
    for name, search, style in [("one process", serial, "o-"), ("dask cluster", on_dask, "x")]:
        result = search.cv_results_
        ax.errorbar(
            betas,
            result["mean_test_score"],
            yerr=result["std_test_score"],
            fmt=style,
            capsize=3,
            markersize=8,
            label=name,
        )
    ax.set_xscale("log")
    ax.set_xlabel("bottleneck weight beta")
    ax.set_ylabel("ROC AUC of credit risk (2-fold CV)")
    ax.legend()
    plt.show()
