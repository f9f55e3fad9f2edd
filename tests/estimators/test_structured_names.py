"""StructuredVAE and MultiViewEncoder: views and blocks named as users name them."""

import numpy as np
import pandas as pd
import pytest

from sklatent import MultiViewEncoder, StructuredVAE

X = np.random.RandomState(0).normal(size=(60, 6))
FAST = {"max_epochs": 2, "random_state": 0}


def test_integer_keys_name_views_and_blocks_everywhere_they_are_named_again():
    # Keys 0 and 1 became "0" and "1" in views_ and structure_, and every later use of the
    # user's own keys failed ("names an unknown view 0", a bare TypeError in predict_view).
    views = {0: [0, 1, 2], 1: [3, 4, 5]}
    model = StructuredVAE(
        views=views,
        latent_blocks={0: 1, 1: 1},
        decoder_mask={0: [0], 1: [0, 1]},
        encoder_mask={0: [0, 1], 1: 1},
        **FAST,
    ).fit(X)
    assert model.decoder_mask_.loc["1", "0"] == False  # noqa: E712 (a numpy bool)
    assert model.encoder_mask_.loc["1"].tolist() == [False, True]
    frame = model.decoder_mask_.copy()
    frame.index, frame.columns = [0, 1], [0, 1]
    StructuredVAE(views=views, latent_blocks={0: 1, 1: 1}, decoder_mask=frame, **FAST).fit(X)
    encoder = MultiViewEncoder(1, 1, views=views, **FAST).fit(X)
    assert encoder.predict_view(X, source=0, target=1).shape == (60, 3)
    np.testing.assert_array_equal(
        encoder.inverse_transform(encoder.transform(X), view=1),
        encoder.inverse_transform(encoder.transform(X), view="1"),
    )


@pytest.mark.parametrize(
    ("columns", "message"),
    [(None, "View 'a' names its columns by None"), ([0.0, 1.0], "names column 0.0: columns")],
)
def test_columns_named_by_neither_names_nor_positions_are_refused(columns, message):
    with pytest.raises(ValueError, match=message):
        StructuredVAE(views={"a": columns, "b": [2, 3]}, **FAST).fit(X)


def test_a_mask_of_scores_is_refused_rather_than_read_as_every_nonzero_link():
    scores = pd.DataFrame([[0.2, 0.3], [0.3, 0.0]], index=["s", "p"], columns=["a", "b"])
    model = StructuredVAE(views={"a": [0, 1, 2], "b": [3, 4, 5]}, latent_blocks={"s": 1, "p": 1})
    with pytest.raises(ValueError, match=r"must hold True/False .* such as 0.2; threshold"):
        model.set_params(decoder_mask=scores, **FAST).fit(X)
    model.set_params(decoder_mask=(scores > 0.25).astype(int)).fit(X)  # 1/0 is a mask


@pytest.mark.parametrize("role", [{"decoder": False}, {"conditions": "a"}, {"expert": False}])
def test_multiview_views_take_no_roles(role):
    # The error blamed a decoder_mask or encoder_mask the user never set.
    views = {"a": [0, 1, 2], "b": {"columns": [3, 4, 5], **role}}
    with pytest.raises(ValueError, match=r"View 'b' has unknown keys .*StructuredVAE's views"):
        MultiViewEncoder(1, 1, views=views, **FAST).fit(X)
