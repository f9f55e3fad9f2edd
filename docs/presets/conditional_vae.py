"""A conditional VAE written as a preset of :class:`sklatent.StructuredVAE`.

The user guide's "Adding a preset" walks through it; ``tests/test_preset_page.py`` runs it.
"""

import numpy as np
import torch

from sklatent._batch import condition_values
from sklatent.estimators._structured_spec import one_block_masks, view_spec
from sklatent.estimators._structured_tensors import view_tensors
from sklatent.estimators._table_preset import FIXED_STRUCTURE, TablePreset, inherited_constraints
from sklatent.objectives import StructuredObjective
from sklatent.utils._labels import encode_labels
from sklatent.utils._sklearn_compat import _fit_context
from sklatent.utils._validation import check_auxiliary


class ConditionalVAE(TablePreset):
    r"""A VAE whose decoder reads the class ``y`` beside the code (Sohn et al. 2015).

    :math:`p(x \mid z, y)\, q(z \mid x)`: the code need not carry ``y`` to explain ``X``, so it
    keeps less of it than a plain VAE's code; ``transform`` needs ``X`` alone.
    """

    _parameter_constraints = inherited_constraints(FIXED_STRUCTURE)

    def __init__(
        self,
        n_components=8,
        *,
        beta=1.0,
        decoder_variance=1.0,
        hidden_layer_sizes=(64,),
        activation="relu",
        max_epochs="auto",
        batch_size="auto",
        lr=1e-3,
        device="auto",
        accelerator=None,
        random_state=None,
        verbose=0,
        callbacks=None,
        validation_fraction=None,
        early_stopping="auto",
        n_iter_no_change="auto",
        tol=1e-4,
    ):
        self.n_components = n_components
        self.beta = beta
        self.decoder_variance = decoder_variance
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.device = device
        self.accelerator = accelerator
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Fit the encoder of ``X`` and the decoder of ``X`` given the code and ``y``."""
        return self._fit(X, y)

    # ---- the hooks ------------------------------------------------------------------------
    def _training_tensors(self, X, y, *, first):
        X = self._validate_X(X, reset=first)
        y = check_auxiliary(y, name="y", n_samples=len(X), ensure_2d=False, dtype=None)
        if first:  # the structure: one view of every column, decoded from one block and y
            self.classes_ = np.unique(y)
            self.views_ = [view_spec("x", range(self.n_features_in_), conditions=["y"])]
            self.block_names_, self.block_sizes_ = ["z"], [self.n_components]
            self._learned = {"decoder": False, "encoder": False}
            self._masks_for_module = one_block_masks(self.views_, "z")
            self.categories_ = {}
        tensors = view_tensors(self.views_, self.categories_, X, fitting=False)
        labels = torch.as_tensor(encode_labels(y, self.classes_, name="y"))
        one_hot = torch.nn.functional.one_hot(labels, len(self.classes_))
        tensors[condition_values("y")] = one_hot.float()
        return tensors

    def _module_kwargs(self):
        return super()._module_kwargs() | {"condition_widths": {"y": len(self.classes_)}}

    def _make_objective(self):
        return StructuredObjective(**self._decoded_views(), beta=self.beta)
