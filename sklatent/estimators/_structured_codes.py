"""The StructuredVAE family's codes: rows encoded from the views observed in each, and codes
decoded back into every view."""

import numpy as np
import torch
from sklearn.base import TransformerMixin

from .._batch import PRESENT, condition_values
from ..training._net import floating_tensors
from ..utils._sklearn_compat import check_is_fitted
from ._structured_tensors import condition_tensors, decoder_means


# A TransformerMixin, so that scikit-learn wraps the transform defined here for set_output (it
# wraps only the transform a class defines itself).
class StructuredCodesMixin(TransformerMixin):
    """``transform`` and ``inverse_transform`` of a :class:`StructuredVAE`, and the encoding and
    decoding of views that ``predict_view`` and the presets build on."""

    #: What gives a fit a decoder of X, for the error of ``inverse_transform`` without one.
    _decoder_of_X = "a view with decoder=True"

    def transform(self, X):
        """Posterior means of every latent block, from the views observed in each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data; missing views (NaN in a row) are left out of that row's posterior. The
            estimators built on it that read ``X`` as one complete view (FairEncoder,
            InvariantEncoder, DisentangledEncoder) refuse NaN.

        Returns
        -------
        Z : ndarray of shape (n_samples, total block size)
            The blocks' codes side by side, named by :meth:`get_feature_names_out`.
        """
        check_is_fitted(self, "net_")
        X = self._validate_X(X, reset=False)
        return self._encode_views(X)

    def _encode_views(self, X, sources=None):
        """Codes of every block from the views observed in each row (only ``sources`` if given)."""
        tensors = self._view_tensors(X, fitting=False)
        if sources is not None:
            keep = torch.tensor([view["name"] in sources for view in self.views_])
            tensors[PRESENT] = tensors[PRESENT] * keep
            if not tensors[PRESENT].any(dim=1).all():
                raise ValueError(f"Some rows have none of the source views {sources} observed.")
        tensors = {name: value.to(self._device) for name, value in tensors.items()}
        return self._apply(tensors, lambda module, b: module.encode(b), X.dtype)

    def _decode_views(self, Z, conditions=None):
        """Decoder means of each view with a decoder (labels for categorical views) from full
        codes ``Z``, and the ``(tensors, missing rows)`` of its conditions; a view whose
        conditions are not given or missing in a row is NaN there."""
        module = self.net_.module_
        tensors, missing = conditions or ({}, {})
        inputs = {
            name: tensors.get(
                condition_values(name), torch.zeros(len(Z), width, dtype=torch.float32)
            ).to(self._device)
            for name, width in module.condition_widths.items()
        }
        module.eval()
        with self._inference_runtime(), torch.no_grad():
            codes = self._to_tensor(Z)
            params = module.decode(codes, inputs)
        per_row = [t for _, t in floating_tensors(params) if t.ndim and len(t) == len(codes)]
        self._refuse_non_finite(per_row, {"Z": codes})
        return decoder_means(self.views_, self.categories_, params, missing, Z.dtype)

    def inverse_transform(self, X, *, conditions=None):
        """Decode codes into every view: decoder means (most likely label for categorical views).

        Parameters
        ----------
        X : array-like of shape (n_samples, total block size)
            Codes, as :meth:`transform` returns.
        conditions : array-like of shape (n_samples, n_features), default=None
            Data laid out like the ``X`` of :meth:`fit`, from which the views named in some
            view's ``conditions`` are read (other columns are ignored and may be NaN): the
            observed values a conditional decoder reads, such as the rows that were
            transformed, or changed values for counterfactuals. Without it, or in rows where a
            condition is NaN, the conditioned views are NaN. Ignored when no view has
            conditions.

        Returns
        -------
        X_original : ndarray of shape (n_samples, ``n_features_in_``)
            Each view's columns filled from its decoder; columns of views without a decoder
            and columns in no view are NaN.

        Raises
        ------
        ValueError
            If no view of ``X`` has a decoder.
        """
        Z = self._validated_codes(X, self._n_features_out)
        self._require_decoder_of_X()
        given = None
        if conditions is not None and self.net_.module_.condition_widths:
            values = self._validate_X(conditions, reset=False)
            if len(values) != len(Z):
                raise ValueError(
                    f"conditions has {len(values)} rows and the codes {len(Z)}: one row each."
                )
            given = condition_tensors(self.views_, self.categories_, values)
        return self._laid_out(self._decode_views(Z, given), len(Z), Z.dtype)

    def _require_decoder_of_X(self):
        """Raise a ValueError naming ``_decoder_of_X`` if no view of X has a decoder."""
        if not any(view["decoder"] and view["columns"] is not None for view in self.views_):
            raise ValueError(
                f"This {type(self).__name__} was fitted without a decoder of X: there is "
                f"nothing to decode the codes into (fit it with {self._decoder_of_X})."
            )

    def _laid_out(self, decoded, n_samples, dtype):
        """The decoded views (see :meth:`_decode_views`) in the columns of the fitted ``X``."""
        out = np.full((n_samples, self.n_features_in_), np.nan, dtype=dtype)
        for view in self.views_:
            if view["name"] in decoded and view["columns"] is not None:
                out[:, view["columns"]] = decoded[view["name"]]
        return out
