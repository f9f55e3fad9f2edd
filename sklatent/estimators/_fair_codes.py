"""FairEncoder's codes: encoded without the sensitive features, decoded for a given group."""

import numpy as np
import torch
from sklearn.base import TransformerMixin

from ._fair_data import SensitiveGroups


# A TransformerMixin, so that scikit-learn wraps the transform defined here for set_output (it
# wraps only the transform a class defines itself).
class FairCodesMixin(TransformerMixin):
    """``transform`` and ``inverse_transform`` of a :class:`FairEncoder`: the encoder reads no
    sensitive feature; the decoder reconstructs the features for the group it is given."""

    def transform(self, X):
        """Codes of ``X`` (posterior means); the sensitive features are not needed.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data with the columns seen in fit (including any named by
            ``sensitive_feature_ids``, which the encoder does not read).

        Returns
        -------
        Z : ndarray of shape (n_samples, n_components)
            The codes, named ``fairencoder0``, ``fairencoder1``...
        """
        return super().transform(X)

    def inverse_transform(self, X, *, sensitive_features):
        """Decode codes into the (non-sensitive) features of a given group.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            Codes, as :meth:`transform` returns.
        sensitive_features : array-like of shape (n_samples,) or (n_samples, n_sensitive)
            The group each row is decoded for, in the format seen in fit (the values of the
            ``sensitive_feature_ids`` columns when those were used).

        Returns
        -------
        X_features : ndarray of shape (n_samples, n_columns_read)
            Decoder means of the columns of ``X`` the encoder reads (all but those named by
            ``sensitive_feature_ids``).
        """
        Z = self._validated_codes(X, self._n_features_out)
        groups = np.zeros(len(Z), dtype=np.int64)
        if self._n_groups > 1:
            sensitive = SensitiveGroups.fitted(self.sensitive_groups_, self._sensitive_edges)
            groups = sensitive.encode(sensitive_features, len(Z))
        condition = torch.nn.functional.one_hot(torch.as_tensor(groups), self._n_groups)
        module = self.net_.module_
        module.eval()
        with self._inference_runtime(), torch.no_grad():
            codes = self._to_tensor(Z)
            params = module.decode(codes, {"s": condition.float().to(self._device)})
        self._refuse_non_finite([params["x"]["mean"]], {"Z": codes})
        return params["x"]["mean"].cpu().numpy().astype(Z.dtype)
