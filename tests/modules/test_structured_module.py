"""StructuredModule against hand computations: the product-of-experts posterior, the encoder
and decoder masks, missing views and conditioning variables."""

import torch

from sklatent.modules import StructuredModule

VIEWS = [
    {"name": "a", "n_features": 3, "likelihood": "gaussian"},
    {"name": "b", "n_features": 2, "likelihood": "gaussian"},
]
# Block 0 (one dimension) is read from and generates view a; block 1 (two dimensions) view b.
ONE_TO_ONE = torch.tensor([[1, 0], [0, 1]])


def _module(encoder_mask=ONE_TO_ONE, decoder_mask=ONE_TO_ONE, **kwargs):
    torch.manual_seed(0)
    return StructuredModule(
        VIEWS, [1, 2], decoder_mask, encoder_mask, hidden_layer_sizes=(8,), **kwargs
    ).eval()


def _batch(n=6, present=None):
    generator = torch.Generator().manual_seed(1)
    return {
        "X_a": torch.randn(n, 3, generator=generator),
        "X_b": torch.randn(n, 2, generator=generator),
        "present": torch.ones(n, 2) if present is None else present,
    }


def _expert(module, batch, name):
    mean, logvar = module.experts[name](batch[f"X_{name}"]).chunk(2, dim=-1)
    return mean, logvar


def test_the_posterior_is_the_product_of_the_prior_and_the_experts_the_mask_allows():
    module, batch = _module(encoder_mask=torch.ones(2, 2)), _batch()
    with torch.no_grad():
        mean, logvar = module.posterior(batch)
        (mean_a, logvar_a), (mean_b, logvar_b) = (_expert(module, batch, v) for v in "ab")
    # Precisions add: 1 (the prior N(0, 1)) + each expert's; the mean is precision-weighted.
    precision = 1 + torch.exp(-logvar_a) + torch.exp(-logvar_b)
    expected = (torch.exp(-logvar_a) * mean_a + torch.exp(-logvar_b) * mean_b) / precision
    torch.testing.assert_close(mean, expected)
    torch.testing.assert_close(logvar, -torch.log(precision))


def test_a_block_reads_only_the_views_its_encoder_mask_names():
    module, batch = _module(), _batch()
    with torch.no_grad():
        mean = module.posterior(batch)[0]
        mean_a, logvar_a = _expert(module, batch, "a")
    precision_a = 1 + torch.exp(-logvar_a[:, :1])
    torch.testing.assert_close(
        mean[:, :1], torch.exp(-logvar_a[:, :1]) * mean_a[:, :1] / precision_a
    )
    # Changing view b does not move block 0; changing view a does not move block 1.
    with torch.no_grad():
        moved_b = module.posterior({**batch, "X_b": batch["X_b"] + 5.0})[0]
        moved_a = module.posterior({**batch, "X_a": batch["X_a"] + 5.0})[0]
    torch.testing.assert_close(moved_b[:, :1], mean[:, :1])
    torch.testing.assert_close(moved_a[:, 1:], mean[:, 1:])


def test_a_missing_view_drops_out_of_the_product():
    present = torch.tensor([[1.0, 1.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
    module, batch = _module(encoder_mask=torch.ones(2, 2)), _batch(present=present)
    with torch.no_grad():
        mean, logvar = module.posterior(batch)
        alone = module.posterior({**batch, "present": torch.tensor([[1.0, 0.0]]).repeat(6, 1)})
    rows = present[:, 1] == 0
    torch.testing.assert_close(mean[rows], alone[0][rows])
    torch.testing.assert_close(logvar[rows], alone[1][rows])


def test_a_view_is_decoded_only_from_the_blocks_its_decoder_mask_names():
    module = _module()
    z = torch.randn(4, 3, requires_grad=True)
    decoded = module.decode(z)
    gradient_a = torch.autograd.grad(decoded["a"]["mean"].sum(), z)[0]
    gradient_b = torch.autograd.grad(decoded["b"]["mean"].sum(), z)[0]
    assert gradient_a[:, 1:].abs().max() == 0 and gradient_a[:, :1].abs().max() > 0
    assert gradient_b[:, :1].abs().max() == 0 and gradient_b[:, 1:].abs().max() > 0


def test_a_conditioned_decoder_reads_the_condition():
    views = [{**VIEWS[0], "conditions": ["s"]}, VIEWS[1]]
    torch.manual_seed(0)
    module = StructuredModule(
        views, [1, 2], ONE_TO_ONE, ONE_TO_ONE, hidden_layer_sizes=(8,), condition_widths={"s": 2}
    ).eval()
    z = torch.randn(4, 3)
    one_hot = torch.nn.functional.one_hot(torch.tensor([0, 1, 0, 1]), 2).float()
    first = module.decode(z, {"s": one_hot})
    swapped = module.decode(z, {"s": 1.0 - one_hot})
    assert not torch.allclose(first["a"]["mean"], swapped["a"]["mean"])
    torch.testing.assert_close(first["b"]["mean"], swapped["b"]["mean"])  # b names no condition


def test_a_view_may_set_its_own_decoder_layers_and_a_view_without_the_field_uses_the_models():
    views = [
        {**VIEWS[0], "decoder_hidden_layer_sizes": []},
        {**VIEWS[1]},  # as saved before the field existed
    ]
    module = StructuredModule(views, [1, 2], ONE_TO_ONE, ONE_TO_ONE, hidden_layer_sizes=(8,))
    linear = [m for m in module.decoders["a"].modules() if isinstance(m, torch.nn.Linear)]
    hidden = [m for m in module.decoders["b"].modules() if isinstance(m, torch.nn.Linear)]
    # One layer from the whole code (3 dimensions) to the 3 means; the model's 8 hidden units.
    assert [(m.in_features, m.out_features) for m in linear] == [(3, 3)]
    assert [m.out_features for m in hidden] == [8, 2]
