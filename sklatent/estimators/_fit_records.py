"""What the shared fit path reads from a fit's callbacks and records: the warm-up's length,
the per-batch records it forgets, and the checks that the codes are not constant and that the
label heads learned something."""

import copy

import torch

from .._batch import PRESENT, present_column, view_labels
from ..exceptions import CollapsedCodesWarning, CollapsedPredictionsWarning
from ..modules import Decoder
from ..utils._warnings import warn_at_caller

# Largest spread of every code column below which a fit's codes count as constant.
COLLAPSE_TOLERANCE = 1e-3
# Largest activity (Burda et al. 2016's threshold, here relative to the posterior variance) of
# every code column below which a Gaussian posterior has collapsed to its prior.
POSTERIOR_COLLAPSE_ACTIVITY = 0.01
# A label head whose cross-entropy is within this share of the entropy of the class
# frequencies predicts the labels no better than the frequencies alone.
LEARNED_NOTHING_SHARE = 0.01


def _warn_if_collapsed(outputs, net, judge_posterior=None):
    """Warn when the codes of the first rows of the training data (``outputs["mean"]``, or
    ``outputs["z"]``) carry nothing about the rows: every column is constant, or, with
    ``judge_posterior`` and a Gaussian posterior (``outputs["logvar"]``), every column varies
    across rows by less than a tenth of a median row's posterior standard deviation (posterior
    collapse).
    ``judge_posterior`` None: unless the ``net``'s module never samples its posterior (its
    variance means nothing); the caller turns it off after one ``partial_fit`` chunk (too
    little training to judge). The advice names weights only if the objective has some."""
    if judge_posterior is None:
        judge_posterior = getattr(net.module_, "sample", True)
    codes = outputs.get("mean", outputs.get("z"))
    if codes is None or len(codes) < 2:
        return
    codes = codes.detach().cpu().double()  # float64 on the CPU: MPS has no float64
    spread = float(codes.std(dim=0).max())
    if spread < COLLAPSE_TOLERANCE:
        evidence = f"codes that hardly vary (largest standard deviation {spread:.1e}"
    elif judge_posterior and "logvar" in outputs:
        # A scale-free variant of Burda et al. (2016)'s activity Var_x(E[z_j | x]) (theirs is
        # absolute, for codes on a N(0, 1) prior's scale): in units of the posterior's own
        # variance. Below 0.01 the channel from a row to z_j carries at most
        # 0.5 log(1 + 0.01) = 0.005 nats, however the codes are scaled. The typical row's
        # posterior variance (the median): one row's huge variance must not hide a channel
        # that every other row uses (a MIM's posteriors sit at their floor but for a few).
        noise = outputs["logvar"].detach().cpu().double().exp().median(dim=0).values
        activity = float((codes.var(dim=0) / noise).max())
        if activity >= POSTERIOR_COLLAPSE_ACTIVITY:
            return
        evidence = (
            "codes whose spread across rows is lost in their posterior noise (largest ratio of "
            f"a column's variance across rows to its posterior variance {activity:.1e}"
        )
    else:
        return
    remedy = "lower beta or the penalty's weight, or train longer"
    if not net.criterion_.weight_names:  # the Mutual Information Machine weighs nothing
        remedy = "train longer"
    decoders = [m for m in net.module_.modules() if isinstance(m, Decoder)]  # not the prior
    if any(isinstance(getattr(m, "logvar", None), torch.nn.Parameter) for m in decoders):
        # Two views of 0/1 and numeric columns collapsed at StructuredVAE's defaults (learned
        # variances with several views); decoder_variance=0.1 kept the code (user guide).
        remedy += (
            "; a learned decoder variance can shrink on nearly exact columns (0/1 indicators) "
            "and leave the code unused: fix it (decoder_variance=0.1)"
        )
    warn_at_caller(
        f"The fit ended with {evidence} on the training rows): they carry nothing about the "
        f"rows. Unless the rows themselves are alike, {remedy}.",
        CollapsedCodesWarning,
    )


def _warn_if_heads_learned_nothing(outputs, batch, views):
    """Warn for each categorical view whose head predicts the labels of the checked rows
    (``batch``, the first rows of the fit's data) no better than their class frequencies: its
    cross-entropy is at least their entropy less :data:`LEARNED_NOTHING_SHARE` of it, it
    predicts one class for every row where the labels hold several, or its accuracy is no
    higher than the most frequent class's share. An invariance penalty can pin a head's logits
    at zero (IRMv1 and REx are both zero there) while the codes vary."""
    for view in views or []:
        head = outputs.get("views", {}).get(view["name"], {})
        labels = batch.get(view_labels(view["name"]))
        if "class_logits" not in head or labels is None:
            continue
        observed = batch[PRESENT][:, present_column(views, view["name"])] > 0
        logits, labels = head["class_logits"][observed], labels[observed]
        logits, labels = logits.detach().cpu().double(), labels.cpu()  # MPS has no float64
        frequencies = torch.bincount(labels, minlength=logits.shape[1]).double() / len(labels)
        frequencies = frequencies[frequencies > 0]
        if len(frequencies) < 2:
            continue
        entropy = float(-(frequencies * frequencies.log()).sum())
        cross_entropy = float(torch.nn.functional.cross_entropy(logits, labels))
        predicted = logits.argmax(dim=1)
        accuracy, majority = float((predicted == labels).double().mean()), float(frequencies.max())
        if cross_entropy >= (1 - LEARNED_NOTHING_SHARE) * entropy:
            evidence = (
                f"cross-entropy {cross_entropy:.3f} nats on the {len(labels)} rows checked, "
                f"{entropy:.3f} for the frequencies alone"
            )
        elif len(torch.unique(predicted)) == 1:
            evidence = f"one class for every one of the {len(labels)} rows checked"
        elif accuracy <= majority:
            # A better log-loss than the frequencies', with a threshold so far off that always
            # predicting the most frequent class is right as often (a head that predicts it
            # for all but a few rows ties with it).
            evidence = (
                f"accuracy {accuracy:.3f} on the {len(labels)} rows checked, where always "
                f"predicting the most frequent class gets {majority:.3f}"
            )
        else:
            continue
        rare = ""
        if cross_entropy < (1 - LEARNED_NOTHING_SHARE) * entropy and frequencies.min() <= 0.1:
            # Its log-loss beats the frequencies': it ranks the rows, and a class this rare
            # may never be the most probable (a logistic regression predicts it rarely too).
            rare = (
                f" Its cross-entropy ({cross_entropy:.3f} nats) is below the frequencies' "
                f"({entropy:.3f}): where a class is rare (here {float(frequencies.min()):.1%} "
                "of the rows), read its predict_proba before acting on this warning."
            )
        warn_at_caller(
            f"The fit ended with a head that predicts {view['name']!r} no better than its "
            f"class frequencies do ({evidence}). A penalty's weight can pin a head there "
            "(lower it, or lengthen its warm-up); or the fit stopped before it learned (train "
            "longer); or the features are far from unit scale (standardize X); or they say "
            f"nothing about it.{rare}",
            CollapsedPredictionsWarning,
        )


def _warn_if_terms_never_acted(net, epochs=None):
    """Warn for the weighted terms estimated from a batch's rows (the objective's
    ``batch_estimated_terms``) that were 0 in every batch of ``epochs`` (None: the whole
    history; a ``partial_fit`` call checks its own epoch): no batch held enough rows, or rows
    of two groups, to estimate them, so the fit trained without them."""
    one_call = epochs is not None
    epochs = list(net.history if epochs is None else epochs)
    idle = {
        term: (weight, need)
        for term, (weight, need) in net.criterion_.batch_estimated_terms().items()
        if weight > 0 and all(epoch.get(f"train_{term}") == 0.0 for epoch in epochs)
    }
    if not idle or not epochs:
        return
    sizes = [batch.get("train_batch_size", 0) for batch in epochs[-1].get("batches", [])]
    largest = max(sizes, default=net.batch_size)  # the rows a batch held, not the setting
    # A partial_fit call checks its own chunk: the earlier chunks may have used the terms.
    scope, trained = (
        ("of this partial_fit call", "its chunk trained")
        if one_call
        else ("of the fit", "the fit trained")
    )
    for term, (weight, need) in idle.items():
        warn_at_caller(
            f"The {term!r} term (weight {weight:g}) was 0 in every batch {scope}, so {trained} "
            f"without it: it is estimated from a batch's rows, and needs {need}, which no batch "
            f"(of at most {largest} rows) held. Raise batch_size if the data have more rows; "
            "else they cannot inform it.",
            UserWarning,
        )


def _forget_batch_records(epochs):
    """Drop the per-batch records of the history rows ``epochs`` (their averages stay): with
    ``partial_fit`` over millions of rows they would grow by one record a batch."""
    for epoch in epochs:
        epoch["batches"] = []


def _copied_callbacks(callbacks):
    """Deep copies of the user's callbacks: skorch initialises callbacks in place, and a
    parameter is never modified. One that cannot be copied is named."""
    copies, shared = [], {}  # one memo: callbacks that share an object still share its copy
    for index, callback in enumerate(callbacks or []):
        try:
            copies.append(copy.deepcopy(callback, shared))
        except Exception as error:
            kind = type(_unnamed([callback])[0]).__name__
            raise TypeError(
                f"callbacks[{index}] ({kind}) cannot be copied ({error}): each fit trains copies "
                "of the callbacks, so that the objects passed in stay as they were. Open files "
                "or connections in the callback's initialize() or on_train_begin() instead."
            ) from error
    return copies


def _unnamed(callbacks):
    """The callback objects of a list of skorch callbacks or (name, callback) pairs."""
    return [item[1] if isinstance(item, tuple) else item for item in callbacks]


def _warm_up_epochs(callbacks):
    """Epochs of the longest warm-up among ``callbacks``: a callback with an ``epochs``
    attribute is one."""
    return max((getattr(callback, "epochs", 0) for callback in _unnamed(callbacks)), default=0)
