"""The fair and invariant objectives against hand computations: each term, and how the loss
combines them with their weights."""

import math

import numpy as np
import pytest
import torch

from sklatent import FairEncoder
from sklatent.information import group_mmd
from sklatent.objectives import FairObjective, InvariantObjective

# A label head that gives class 1 probability 0.75 on every row. Environment 0 holds three rows
# of class 1 in four (the head is optimal there), environment 1 two in four.
LOGITS = torch.tensor([[0.0, math.log(3.0)]]).repeat(8, 1)
LABELS = torch.tensor([1, 1, 1, 0, 1, 0, 1, 0])
ENVIRONMENTS = torch.tensor([0, 0, 0, 0, 1, 1, 1, 1])
OUTPUTS = {
    "mean": torch.zeros(8, 1),
    "logvar": torch.zeros(8, 1),
    "gate_probabilities": [],
    "views": {"y": {"class_logits": LOGITS}},
}
BATCH = {"labels_y": LABELS, "present": torch.ones(8, 1), "groups": ENVIRONMENTS}
# Cross-entropies: -log 0.75 for a row of class 1, -log 0.25 for one of class 0.
RISKS = (
    (3 * -math.log(0.75) - math.log(0.25)) / 4,
    (2 * -math.log(0.75) - 2 * math.log(0.25)) / 4,
)


def test_rex_is_the_variance_of_the_environments_risks():
    terms = InvariantObjective(["y"], n_environments=2, penalty="rex")(OUTPUTS, BATCH)
    mean_risk = sum(RISKS) / 2
    assert terms["reconstruction_y"].item() == pytest.approx(mean_risk, rel=1e-6)
    variance = sum((risk - mean_risk) ** 2 for risk in RISKS) / 2
    assert terms["penalty"].item() == pytest.approx(variance, rel=1e-5)
    # Before the annealing the penalty has weight 1 and the loss is not rescaled.
    assert terms["loss"].item() == pytest.approx(mean_risk + variance, rel=1e-6)


def test_irmv1_sums_the_squared_gradients_of_the_risks_with_respect_to_a_scale():
    terms = InvariantObjective(["y"], n_environments=2, penalty="irm")(OUTPUTS, BATCH)
    # d/dw CE(w * logits) at w = 1 is the mean of (softmax - onehot) . logits: 0 where the head
    # is optimal (environment 0), (2 * -0.25 + 2 * 0.75) / 4 * log 3 in environment 1.
    assert terms["penalty"].item() == pytest.approx((0.25 * math.log(3.0)) ** 2, rel=1e-5)


@pytest.mark.parametrize("penalty", ["irm", "rex"])
def test_once_annealed_the_loss_is_divided_by_the_penalty_weight(penalty):
    objective = InvariantObjective(["y"], n_environments=2, penalty=penalty, penalty_weight=100)
    before = objective(OUTPUTS, BATCH)
    objective.annealed = True
    after = objective(OUTPUTS, BATCH)
    expected = (before["reconstruction"] + 100 * before["penalty"]) / 100
    assert after["loss"].item() == pytest.approx(expected.item(), rel=1e-6)


def test_one_environment_has_no_penalty_and_no_rescaling():
    objective = InvariantObjective(["y"], n_environments=1, penalty="irm", penalty_weight=100)
    objective.annealed = True
    terms = objective(OUTPUTS, {**BATCH, "groups": torch.zeros(8, dtype=torch.long)})
    assert terms["penalty"].item() == 0.0
    assert terms["loss"].item() == pytest.approx(terms["reconstruction"].item(), rel=1e-6)


def _fair_inputs(seed=0, n=200):
    generator = torch.Generator().manual_seed(seed)
    groups = torch.arange(n) % 2
    codes = torch.randn(n, 2, generator=generator) + groups.unsqueeze(1)
    x = torch.randn(n, 3, generator=generator)
    outputs = {
        "mean": codes,
        "logvar": torch.full((n, 2), -1.0),
        "gate_probabilities": [],
        "views": {
            "x": {"mean": torch.zeros(n, 3), "logvar": torch.zeros(n, 3)},
            "y": {"class_logits": torch.zeros(n, 2)},
        },
    }
    batch = {
        "X_x": x,
        "labels_y": groups,
        "present": torch.ones(n, 2),
        "groups": groups,
    }
    return outputs, batch


def test_fair_loss_is_the_weighted_sum_of_its_terms():
    outputs, batch = _fair_inputs()
    weights = {"beta": 0.5, "target_weight": 3.0, "independence_weight": 7.0}
    # The label is a target view, as FairEncoder makes it: the features' terms are per column of
    # the features (3 here), the label's and the penalty's per row.
    objective = FairObjective(["x", "y"], n_groups=2, target_views=["y"], **weights)
    terms = objective(outputs, batch)
    # Each term by hand: a unit Gaussian's NLL of x, the KL of N(mu, e^-1) to N(0, 1) per row,
    # log 2 for uniform logits, and the groups' MMD of the posterior means.
    x, mu = batch["X_x"], outputs["mean"]
    nll_x = (0.5 * (x**2 + math.log(2 * math.pi))).sum(dim=1).mean()
    kl = (0.5 * (mu**2 + math.exp(-1.0) + 1.0 - 1.0)).sum(dim=1).mean()
    assert terms["reconstruction_x"].item() == pytest.approx(nll_x.item(), rel=1e-5)
    assert terms["kl"].item() == pytest.approx(kl.item(), rel=1e-5)
    assert terms["reconstruction_y"].item() == pytest.approx(math.log(2.0), rel=1e-5)
    mmd = group_mmd(mu, batch["groups"], 2)
    assert terms["independence"].item() == pytest.approx(mmd.item(), rel=1e-5)
    expected = (nll_x + 0.5 * kl) / 3 + 3.0 * math.log(2.0) + 7.0 * mmd
    assert terms["loss"].item() == pytest.approx(expected.item(), rel=1e-5)
    # Without a target, the same: the penalty keeps its weight.
    features_only = {**outputs, "views": {"x": outputs["views"]["x"]}}
    objective = FairObjective(["x"], n_groups=2, beta=0.5, independence_weight=7.0)
    terms = objective(features_only, {**batch, "present": torch.ones(200, 1)})
    expected = (nll_x + 0.5 * kl) / 3 + 7.0 * mmd
    assert terms["loss"].item() == pytest.approx(expected.item(), rel=1e-5)


def test_the_fair_penalty_reads_the_posterior_mean_only():
    outputs, batch = _fair_inputs()
    objective = FairObjective(["x", "y"], n_groups=2)
    shuffled = {**outputs, "logvar": torch.zeros_like(outputs["logvar"])}
    assert objective(outputs, batch)["independence"].item() == pytest.approx(
        objective(shuffled, batch)["independence"].item()
    )
    # Codes drawn independently of the groups: the penalty is near 0 (an unbiased estimate).
    independent = {
        **outputs,
        "mean": torch.randn(200, 2, generator=torch.Generator().manual_seed(1)),
    }
    assert abs(objective(independent, batch)["independence"].item()) < 0.02
    assert objective(outputs, batch)["independence"].item() > 0.1


def test_a_stopping_term_the_objective_does_not_record_is_refused_before_training(monkeypatch):
    objective = FairObjective(["x", "y"], n_groups=2)
    assert objective.stopping_monitor() == "valid_unpenalised_loss"
    monkeypatch.setattr(FairObjective, "stopping_term", "unpenalized_loss")
    with pytest.raises(ValueError, match=r"stopping_term is 'unpenalized_loss'.*'independence'"):
        objective.stopping_monitor()
    rng = np.random.RandomState(0)
    X, s = rng.normal(size=(300, 3)), rng.randint(0, 2, 300)
    encoder = FairEncoder(2, max_epochs=1, random_state=0)
    with pytest.raises(ValueError, match="unpenalized_loss"):
        encoder.fit(X, (X[:, 0] > 0).astype(int), sensitive_features=s)
    assert not hasattr(encoder, "net_")


def test_a_batch_without_a_views_tensor_names_both_keys():
    # A preset that misnamed its label tensor met KeyError 'X_y', a key it never wrote.
    import torch

    from sklatent.objectives import StructuredObjective

    objective = StructuredObjective(["y"], present_columns=[0])
    outputs = {"views": {"y": {"class_logits": torch.zeros(4, 2)}}, "mean": torch.zeros(4, 1)}
    outputs["logvar"] = torch.zeros(4, 1)
    batch = {"label_y": torch.zeros(4, dtype=torch.long), "present": torch.ones(4, 1)}
    with pytest.raises(KeyError, match=r"neither 'labels_y' .* nor 'X_y' .* \['label_y', 'pre"):
        objective.per_sample(outputs, batch)
