"""Which codes of a fitted pipeline a leakage probe reads: one rule for ``leakage_scorer`` and
``TradeoffDisplay``, so that a search's figures and a plot's agree."""

from sklearn.pipeline import Pipeline


def ends_in_a_model(estimator):
    """Whether ``estimator`` is a Pipeline whose last step is the downstream model: it predicts,
    or does not transform, and is not one of this package's encoders (InvariantEncoder predicts
    too; a user's subclass, or one at the end of a nested pipeline), whose codes are probed."""
    if not isinstance(estimator, Pipeline):
        return False
    last = estimator[-1]
    if last is None or (isinstance(last, str) and last == "passthrough"):  # it transforms
        return False
    encoder = hasattr(_innermost_step(last), "transform") and any(
        cls.__module__.startswith("sklatent.") for cls in type(_innermost_step(last)).__mro__
    )
    return not encoder and (hasattr(last, "predict") or not hasattr(last, "transform"))


def _innermost_step(step):
    """The last step of nested Pipelines ending in ``step`` (``step`` itself if it is none)."""
    while isinstance(step, Pipeline):
        step = step[-1]
    return step


def probed_codes(estimator, X, who):
    """The codes a leakage probe reads for ``X``: the output of every step but a Pipeline's
    downstream model (:func:`ends_in_a_model`), else ``estimator.transform(X)``. ``who`` names
    the caller in the errors."""
    if ends_in_a_model(estimator):
        if len(estimator.steps) < 2:
            raise ValueError(f"{who} needs a Pipeline of at least two steps.")
        return estimator[:-1].transform(X)
    if hasattr(estimator, "transform"):  # a pipeline of transformers too: its output
        return estimator.transform(X)
    raise TypeError(f"{who} needs a Pipeline or a transformer, got {type(estimator)}.")


def probed_step(estimator):
    """The step whose output :func:`probed_codes` reads, looked for through nested Pipelines
    and past ``None`` or ``"passthrough"`` steps; None if no step transforms."""
    if not isinstance(estimator, Pipeline):
        return _last_transforming([estimator])
    steps = [step for _, step in estimator.steps]
    return _last_transforming(steps[:-1] if ends_in_a_model(estimator) else steps)


def _last_transforming(steps):
    for step in reversed(steps):
        if step is None or (isinstance(step, str) and step == "passthrough"):
            continue
        if isinstance(step, Pipeline):
            inner = _last_transforming([inner for _, inner in step.steps])
            if inner is not None:
                return inner
            continue
        return step
    return None
