"""check_auxiliary: the one validator of the variables fit takes besides X and y."""

import numpy as np
import pandas as pd
import pytest

from sklatent.utils._validation import check_auxiliary

LABELS = np.array(["a", "b"] * 5, dtype=object)


def _with(values, index, value):
    values = np.asarray(values, dtype=object).copy()
    values[index] = value
    return values


MISSING = np.arange(10) == 3
NUMBERS = np.arange(10) % 2


@pytest.mark.parametrize(
    ("values", "dtype"),
    [
        (_with(LABELS, 3, None), None),
        (_with(LABELS, 3, pd.NA), None),
        (_with(LABELS, 3, np.nan), None),
        (pd.Series(LABELS.astype(str), dtype="string").mask(MISSING), None),
        (pd.Series(LABELS, dtype="category").mask(MISSING), None),
        (np.where(MISSING, np.nan, NUMBERS), None),
        (np.where(MISSING, np.nan, NUMBERS), "numeric"),
        (_with(NUMBERS, 3, None), "numeric"),
        (_with(NUMBERS, 3, pd.NA), "numeric"),
        (pd.Series(NUMBERS, dtype="Int64").mask(MISSING), "numeric"),
    ],
)
def test_missing_values_name_the_argument_and_the_rows(values, dtype):
    with pytest.raises(ValueError, match=r"environments holds missing values .* rows \[3\]"):
        check_auxiliary(values, name="environments", n_samples=10, ensure_2d=False, dtype=dtype)


@pytest.mark.parametrize(
    "values",
    [
        np.where(MISSING, np.inf, NUMBERS),
        _with(LABELS, 3, -np.inf),
        np.c_[np.zeros(10), np.where(MISSING, np.inf, 0.0)],
    ],
)
@pytest.mark.parametrize("allow_missing", [False, True])
def test_infinity_is_an_error_even_where_missing_values_are_allowed(values, allow_missing):
    with pytest.raises(ValueError, match=r"actions holds infinite values at rows \[3\]"):
        check_auxiliary(
            values,
            name="actions",
            n_samples=10,
            ensure_2d=None,
            dtype=None,
            allow_missing=allow_missing,
        )


def test_allowed_missing_values_pass_and_become_nan_in_numbers():
    labels = check_auxiliary(
        _with(LABELS, 3, None),
        name="y",
        n_samples=10,
        ensure_2d=None,
        dtype=None,
        allow_missing=True,
    )
    assert labels[3] is None
    numbers = check_auxiliary(
        _with(np.arange(10), 3, pd.NA),
        name="y",
        n_samples=10,
        ensure_2d=None,
        allow_missing=True,
    )
    assert numbers.dtype == np.float64 and np.isnan(numbers[3])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"value": np.zeros(9)}, "environments has 9 rows but X has 10"),
        ({"value": np.zeros((10, 2)), "ensure_2d": False}, r"must be 1-D .* shape \(10, 2\)"),
        ({"value": np.zeros(10), "ensure_2d": True}, r"must be 2-D .* shape \(10,\)"),
        ({"value": np.zeros((10, 2, 1)), "ensure_2d": None}, r"1-D or 2-D .* \(10, 2, 1\)"),
        ({"value": _with(LABELS, 3, 1), "dtype": None}, r"mixes labels of types \['int', 'str'\]"),
    ],
)
def test_wrong_shapes_and_types_name_the_argument(kwargs, message):
    arguments = {"name": "environments", "n_samples": 10, "ensure_2d": False, **kwargs}
    with pytest.raises(ValueError, match=message):
        check_auxiliary(**arguments)


def test_one_column_is_one_value_per_row_and_valid_input_is_returned_unchanged():
    column = np.arange(10.0)[:, None]
    np.testing.assert_array_equal(
        check_auxiliary(column, name="s", n_samples=10, ensure_2d=False), np.arange(10.0)
    )
    frame = pd.DataFrame({"a": LABELS, "b": np.arange(10)})
    out = check_auxiliary(frame, name="y", n_samples=10, ensure_2d=None, dtype=None)
    assert out.shape == (10, 2) and out[1, 0] == "b"  # mixed types across columns are fine
