"""A per-dimension report of a variational code: activity, posterior variance and KL."""

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from ..utils._validation import check_non_negative, last_step_with


def latent_report(estimator, X, *, threshold=0.01):
    r"""Per latent dimension: how much it varies across rows, its posterior variance and its KL.

    Print it after ``fit`` to see which dimensions a model uses: a collapsed dimension has
    activity near 0, posterior variance near 1 and KL near 0.

    Parameters
    ----------
    estimator : fitted estimator with a ``posterior(X)`` method, or Pipeline holding one
        :class:`~sklatent.BetaVAE` or :class:`~sklatent.MutualInformationMachine`; in a
        :class:`~sklearn.pipeline.Pipeline`, the last such step, fed by the steps before it
        (as :func:`active_units` encodes through the pipeline).
    X : array-like of shape (n_samples, n_features)
        Data to encode.
    threshold : float, default=0.01
        Activity above which a dimension counts as active (see :func:`active_units`).

    Returns
    -------
    report : pandas.DataFrame
        One row per latent dimension of the posterior (indexed by their names, every block's
        for a MultiViewEncoder whose ``transform`` returns the shared block) with columns
        ``activity`` (variance across rows of the posterior mean), ``active`` (activity above
        ``threshold``), ``posterior_variance`` (mean :math:`\sigma^2`) and ``kl`` (mean
        :math:`\mathrm{KL}(q(z_j \mid x) \,\|\, N(0, 1))`, in nats).

    Examples
    --------
    >>> import numpy as np
    >>> from sklatent import BetaVAE
    >>> from sklatent.metrics import latent_report
    >>> X = np.random.RandomState(0).normal(size=(200, 4))
    >>> vae = BetaVAE(n_components=2, max_epochs=3, random_state=0).fit(X)
    >>> list(latent_report(vae, X).columns)
    ['activity', 'active', 'posterior_variance', 'kl']
    """
    check_non_negative(threshold, "threshold")
    if isinstance(estimator, Pipeline):
        estimator, X = _posterior_step(estimator, X)
    elif not hasattr(estimator, "posterior"):
        raise TypeError(
            "latent_report needs an estimator with a posterior(X) method (a variational one: "
            f"BetaVAE, MutualInformationMachine, StructuredVAE...), got {type(estimator).__name__}."
        )
    mean, variance = estimator.posterior(X)
    if len(mean) < 2:
        raise ValueError(
            f"latent_report needs at least 2 rows to measure activity, got {len(mean)}."
        )
    mean, variance = mean.astype(np.float64), variance.astype(np.float64)
    activity = mean.var(axis=0)
    # Closed-form KL to N(0, 1) per dimension, as sklatent.information.gaussian_kl_standard_per_dim.
    kl = 0.5 * (mean**2 + variance - np.log(variance) - 1.0)
    return pd.DataFrame(
        {
            "activity": activity,
            "active": activity > threshold,
            "posterior_variance": variance.mean(axis=0),
            "kl": kl.mean(axis=0),
        },
        index=pd.Index(_posterior_names(estimator), name="latent"),
    )


def _posterior_step(pipeline, X):
    """A pipeline's last step with a posterior, and ``X`` through the steps before it."""
    index = last_step_with(pipeline, "posterior")
    if index is None:
        raise TypeError("latent_report needs a step with a posterior(X) method in the Pipeline.")
    return pipeline[index], (pipeline[:index].transform(X) if index else X)


def _posterior_names(estimator):
    """Names of the posterior's columns: every block's, where ``transform`` returns fewer."""
    names = getattr(estimator, "_posterior_names", None)
    return names() if names is not None else estimator.get_feature_names_out()
