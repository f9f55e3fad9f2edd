"""The beta-VAE objective is the reconstruction term plus beta times the KL term."""

import torch

from sklatent.information import gaussian_kl_standard, gaussian_nll
from sklatent.objectives import BetaVAEObjective


def _outputs_and_batch():
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(5, 3, generator=generator)
    outputs = {
        "mean": torch.randn(5, 2, generator=generator),
        "logvar": torch.randn(5, 2, generator=generator),
        "x_params": {"mean": torch.randn(5, 3, generator=generator), "logvar": torch.zeros(5, 3)},
    }
    return outputs, {"X": x}


def test_terms_and_weighted_loss():
    outputs, batch = _outputs_and_batch()
    terms = BetaVAEObjective(beta=2.5)(outputs, batch)
    reconstruction = gaussian_nll(batch["X"], **outputs["x_params"]).mean()
    kl = gaussian_kl_standard(outputs["mean"], outputs["logvar"]).mean()
    torch.testing.assert_close(terms["reconstruction"], reconstruction)
    torch.testing.assert_close(terms["kl"], kl)
    # The loss is per feature; the recorded terms per row.
    n_features = batch["X"].shape[1]
    torch.testing.assert_close(terms["loss"], (reconstruction + 2.5 * kl) / n_features)
    assert set(terms) == {"loss", *BetaVAEObjective.term_names}
    assert BetaVAEObjective(beta=2.5).weights() == {"beta": 2.5}
