"""The one module that imports scikit-learn's private API.

scikit-learn keeps ``_fit_context`` and its parameter-constraint classes private; importing them in
one place means a future rename is mended here and nowhere else.
"""

from sklearn.base import _fit_context
from sklearn.metrics._scorer import _Scorer
from sklearn.utils._param_validation import (
    HasMethods,
    Hidden,
    Interval,
    InvalidParameterError,
    Options,
    StrOptions,
)
from sklearn.utils.metadata_routing import _MetadataRequester
from sklearn.utils.validation import (
    _check_feature_names_in,
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

__all__ = [
    "HasMethods",
    "Hidden",
    "Interval",
    "InvalidParameterError",
    "Options",
    "StrOptions",
    "_MetadataRequester",
    "_Scorer",
    "_check_feature_names_in",
    "_check_sample_weight",
    "_fit_context",
    "check_is_fitted",
    "validate_data",
]
