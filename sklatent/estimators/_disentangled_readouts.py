"""DisentangledEncoder's predictions: each attribute read from its own subspace of the code."""

import numpy as np
import torch
from scipy.special import softmax

from ..utils._sklearn_compat import check_is_fitted
from ..utils._validation import row_weights
from ._disentangled_data import parse_attributes


class DisentangledReadoutsMixin:
    """``predict``, ``predict_proba`` and ``score`` of a :class:`DisentangledEncoder`: each
    attribute from its own subspace only, through the readout trained with it."""

    def _attribute_scale(self, name):
        """The ``(mean, standard deviation)`` a continuous attribute's readout was trained in
        units of; ``(0, 1)`` for a model saved before readouts were standardised (its readout
        is in the unit of y)."""
        return self.__dict__.get("_attribute_scales", {}).get(name, np.array([0.0, 1.0]))

    def _readouts(self, X):
        """Each attribute's readout parameters from its own subspace of the code of ``X``."""
        check_is_fitted(self, "net_")
        X = self._validate_X(X, reset=False)
        module = self.net_.module_
        module.eval()
        with self._inference_runtime(), torch.no_grad():
            params = module.decode(self._to_tensor(self._encode_views(X)))
        return {name: params[name] for name in self.attributes_}

    def predict_proba(self, X):
        """Class probabilities of each categorical attribute, from its own subspace.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data.

        Returns
        -------
        proba : list of ndarray, or ndarray
            One (n_samples, n_classes) array per categorical attribute, in the order of
            ``attributes_`` (continuous attributes are left out); with a 1-D ``y`` of one
            categorical attribute, its array alone, as scikit-learn's classifiers return.
        """
        readouts = self._readouts(X)
        proba = [
            # In float64, as InvariantEncoder's and scikit-learn's classifiers' probabilities:
            # rows that sum to 1 within float64's precision, as log_loss checks.
            softmax(readouts[name]["class_logits"].cpu().numpy().astype(np.float64), axis=1)
            for name in self._categorical_attributes()
        ]
        return proba[0] if self._one_categorical_output() else proba

    @property
    def classes_(self):
        """The classes of the categorical attributes, as :meth:`predict_proba` orders them."""
        check_is_fitted(self, "net_")
        classes = [self.categories_[name] for name in self._categorical_attributes()]
        if self._one_categorical_output():
            return classes[0]
        if not classes:
            raise AttributeError(
                f"{type(self).__name__} has no categorical attribute, so no classes_."
            )
        return classes

    def _categorical_attributes(self):
        return [name for name in self.attributes_ if self.attribute_types_[name] == "categorical"]

    def _one_categorical_output(self):
        # A model saved before 1-D predictions has no _single_output: it kept 2-D ones.
        single = self.__dict__.get("_single_output", False)
        return single and self.attribute_types_[self.attributes_[0]] == "categorical"

    def predict(self, X):
        """Each attribute predicted from its own subspace only.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data.

        Returns
        -------
        y_pred : ndarray of shape (n_samples, n_attributes) or (n_samples,)
            Labels of categorical attributes, values of continuous ones; 1-D when the model
            was fitted on a 1-D ``y``.
        """
        columns = self._predict_columns(X)
        return columns[:, 0] if self.__dict__.get("_single_output", False) else columns

    def _predict_columns(self, X):
        readouts = self._readouts(X)
        columns = []
        for name in self.attributes_:
            if self.attribute_types_[name] == "categorical":
                labels = readouts[name]["class_logits"].argmax(dim=1).cpu().numpy()
                columns.append(self.categories_[name][labels])
            else:
                mean, deviation = self._attribute_scale(name)  # back from standardised
                columns.append(readouts[name]["mean"][:, 0].cpu().numpy() * deviation + mean)
        if all(column.dtype.kind in "biuf" for column in columns):
            return np.column_stack(columns)
        return np.column_stack([column.astype(object) for column in columns])

    def score(self, X, y, sample_weight=None):
        """Mean over attributes of accuracy (categorical) or R² (continuous), on observed labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data.
        y : array-like or DataFrame of shape (n_samples, n_attributes)
            True attributes, missing entries marked as in :meth:`fit`.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows in each attribute's accuracy or R² (None: equal weights).

        Returns
        -------
        score : float
        """
        from sklearn.metrics import r2_score

        predicted = self._predict_columns(X)
        weights = row_weights(sample_weight, len(predicted))
        attributes = parse_attributes(
            y, self.attribute_types_, len(predicted), fitted_names=self.attributes_
        )
        scores = []
        for index, attribute in enumerate(attributes):
            observed = ~attribute["missing"]
            truth, guess = attribute["values"][observed], predicted[observed, index]
            weight = weights[observed]
            if not weight.sum() > 0:
                raise ValueError(
                    f"sample_weight puts no weight on the rows where {attribute['name']!r} is "
                    "observed: its score is undefined."
                )
            if self.attribute_types_[attribute["name"]] == "categorical":
                # Equal as values (1 and 1.0: a column with NaN for missing labels is float) or
                # as text ("1" and 1: text that reads as whole numbers stays text classes).
                truth, guess = np.asarray(truth, dtype=object), np.asarray(guess, dtype=object)
                hits = (truth == guess) | (truth.astype(str) == guess.astype(str))
                scores.append(float(np.average(hits, weights=weight)))
            else:
                truth, guess = truth.astype(float), guess.astype(float)
                scores.append(r2_score(truth, guess, sample_weight=weight))
        return float(np.mean(scores))
