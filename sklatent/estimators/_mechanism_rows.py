"""MechanismEncoder's transitions: pairs ``(x, x')`` and their actions, checked, as tensors."""

import numpy as np
import torch

from .._batch import ACTIONS, FEATURES, NEXT_FEATURES
from ..utils._labels import encode_labels
from ..utils._torch import as_float_tensor
from ..utils._validation import check_auxiliary, check_numeric_columns
from ..utils._warnings import warn_at_caller


class MechanismTransitionRows:
    """MechanismEncoder's transitions from ``X``, ``X_next`` and ``actions``.

    One code path for ``fit``, ``partial_fit``, ``score`` and ``predict_next``: the first call
    of a fit learns the features and the action labels; later calls encode their rows with them,
    under the fitted mechanism (``_mechanism_in_use``).
    """

    # ---- data --------------------------------------------------------------------------------
    def _check_actions(self, actions, n_samples, *, fitting):
        """Validate ``actions`` for the mechanism and return them as a tensor (or None)."""
        mechanism = self._mechanism_in_use(fitting)
        if mechanism == "linear":
            if actions is not None:
                raise ValueError("mechanism='linear' takes no actions: z' = A z for every row.")
            return None
        if actions is None:
            return None
        if mechanism == "translation_unknown":
            labels = check_auxiliary(
                actions, name="actions", n_samples=n_samples, ensure_2d=False, dtype=None
            )
            if fitting:
                _check_discrete(labels)
                self.action_labels_ = np.unique(labels)
            index = encode_labels(labels, self.action_labels_, name="actions")
            return torch.as_tensor(index, dtype=torch.long)
        shape = True if mechanism == "translation" else None
        try:
            values = check_auxiliary(actions, name="actions", n_samples=n_samples, ensure_2d=shape)
        except ValueError as exc:
            if not _holds_text(actions):
                raise
            raise ValueError(
                "actions must be numbers (a mechanism's actions are tensors); to give labels, "
                "encode them as integers first."
            ) from exc
        width = self.n_components if fitting else self._n_features_out  # as fitted, after fit
        if mechanism == "translation" and values.shape[1] != width:
            raise ValueError(
                f"mechanism='translation' needs actions of shape (n_samples, n_components="
                f"{width}): one offset per latent; got {values.shape}."
            )
        return as_float_tensor(values, "cpu")

    def _transitions(self, X, X_next, actions, *, fitting):
        """Pairs (x, x') of the fit; consecutive rows of ``X`` when ``X_next`` is not given."""
        mechanism = self._mechanism_in_use(fitting)
        if X_next is None:
            warn_at_caller(
                "No X_next given: reading consecutive rows of X as transitions (row i+1 follows "
                "row i).",
                UserWarning,
            )
            if len(X) < 2:
                raise ValueError(
                    "MechanismEncoder needs at least two rows to read transitions, got 1 sample."
                )
            actions = _actions_of_consecutive_rows(actions, len(X))
            X, X_next = X[:-1], X[1:]
        else:
            names = getattr(X_next, "columns", None)
            fitted = getattr(self, "feature_names_in_", None)
            if names is not None and fitted is not None and list(map(str, names)) != list(fitted):
                raise ValueError(
                    f"X_next has the columns {list(names)}; X has {list(fitted)}: both are "
                    "observations of the same kind, in the same order."
                )
            check_numeric_columns(X_next, name="X_next")
            X_next = check_auxiliary(X_next, name="X_next", n_samples=len(X))
            if X_next.shape[1] != X.shape[1]:
                raise ValueError(
                    f"X_next has {X_next.shape[1]} columns but X has {X.shape[1]}: both are "
                    "observations of the same kind."
                )
        if mechanism == "translation_unknown" and actions is None:
            raise ValueError(
                "mechanism='translation_unknown' needs actions: one discrete label per row."
            )
        if mechanism == "translation" and actions is None:
            warn_at_caller(
                "mechanism='translation' without actions: every offset is taken as zero "
                "(f(x') = f(x), consecutive observations share their latents) and the "
                "unit-variance term keeps the code from collapsing.",
                UserWarning,
            )
        return X, X_next, actions

    def _check_actions_kept(self, actions):
        """A translation model fitted with actions needs them to score, predict or train on:
        without them every offset would be 0 (``collapse_term_active_`` is False exactly for a
        translation fitted with actions)."""
        translation = self._mechanism_in_use(fitting=False) == "translation"
        if actions is None and translation and not self.collapse_term_active_:
            raise ValueError("This model was fitted with actions: pass the offset of each row.")

    def _check_transition_matrix_used(self):
        """At the start of a fit (not when a saved model is rebuilt: files of earlier
        releases may hold an ignored matrix)."""
        if self.transition_matrix is not None and not (
            isinstance(self.mechanism, str) and self.mechanism == "linear"
        ):
            raise ValueError(
                "transition_matrix is the matrix A of mechanism='linear'; with mechanism="
                f"{self.mechanism!r} it would be ignored: leave it None."
            )

    def _check_mechanism_kept(self):
        """partial_fit continues the fitted mechanism: a different one set since is refused,
        as any parameter that no longer describes the fitted network."""
        fitted = self._mechanism_in_use(fitting=False)
        # A callable cannot be told from the copy the model holds: only names are compared.
        named = isinstance(fitted, str) or isinstance(self.mechanism, str)
        if named and not (isinstance(self.mechanism, str) and self.mechanism == fitted):
            raise ValueError(
                f"mechanism was set to {self.mechanism!r} after the model was fitted with "
                f"{fitted!r}: partial_fit continues the fitted model. Call fit to train one "
                "with the new mechanism, or set it back."
            )

    def _transition_tensors(self, X, X_next, actions, *, first):
        """Validate a fit's transitions and return their tensors; ``first`` learns the
        features and the action labels (else the fitted ones encode the chunk)."""
        if first:
            self._check_transition_matrix_used()
        else:
            self._check_mechanism_kept()
        X = self._validate_X(X, reset=first)
        if not first:
            self._check_actions_kept(actions)
        X, X_next, actions = self._transitions(X, X_next, actions, fitting=first)
        actions = self._check_actions(actions, len(X), fitting=first)
        if first:
            self.collapse_term_active_ = self.mechanism != "translation" or actions is None
            if self.mechanism == "linear":
                self._check_transition_matrix()
        tensors = {
            FEATURES: as_float_tensor(X, "cpu"),
            NEXT_FEATURES: as_float_tensor(X_next, "cpu"),
        }
        if actions is not None:
            tensors[ACTIONS] = actions
        if callable(self.mechanism) and first:
            self._check_callable(tensors)
        return tensors

    def _check_callable(self, tensors):
        z = torch.zeros(2, self.n_components, dtype=torch.float32)
        actions = tensors.get(ACTIONS)
        try:
            out = self.mechanism(z, None if actions is None else actions[:2])
        except Exception as exc:
            raise ValueError(f"The mechanism callable failed on a test batch: {exc!r}") from exc
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != (2, self.n_components):
            shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            raise ValueError(
                "The mechanism callable must return a torch tensor of shape "
                f"(batch, n_components) = (2, {self.n_components}) for a batch of 2, got {shape}."
            )


def _holds_text(values):
    values = np.asarray(values)
    if values.dtype.kind == "O":
        return any(isinstance(value, str) for value in values.ravel())
    return values.dtype.kind in "US"


def _check_discrete(labels):
    """Refuse floats that are not whole numbers as the labels of ``"translation_unknown"``:
    each value would be an action of its own, with an offset learned from its row alone."""
    values = np.asarray(labels).ravel()
    if values.dtype.kind == "O":  # a pandas column of mixed objects
        floats = [v for v in values if isinstance(v, (float, np.floating)) and np.isfinite(v)]
        values = np.asarray(floats, dtype=np.float64)
    if values.dtype.kind == "f" and np.any(values[np.isfinite(values)] % 1 != 0):
        raise ValueError(
            "mechanism='translation_unknown' reads actions as discrete labels, but they hold "
            "fractional numbers: each value would be an action of its own. For known offsets "
            "use mechanism='translation' (actions of shape (n_samples, n_components))."
        )


def _actions_of_consecutive_rows(actions, n_samples):
    """The actions of the ``n_samples - 1`` transitions between consecutive rows of ``X``.

    One action per transition (``n_samples - 1`` rows) is the natural length; ``n_samples``
    rows, one per row of ``X`` as logged with each observation, are accepted too, the last
    one (which no observation follows) ignored. Any other length is an error that says so.
    """
    if actions is None or not hasattr(actions, "__len__"):
        return actions  # None, or a scalar that check_auxiliary reports
    if len(actions) == n_samples:
        return actions[:-1]
    if len(actions) != n_samples - 1:
        raise ValueError(
            f"actions has {len(actions)} rows, but without X_next the {n_samples} rows of X "
            f"are read as {n_samples - 1} transitions (row i to row i+1): actions needs one "
            f"row per transition, {n_samples - 1} rows (or {n_samples}, the last ignored)."
        )
    return actions
