"""The alternating adversary/encoder net on a problem where the adversary must lose."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import cross_val_score

from sklatent.modules import make_mlp
from sklatent.objectives import Objective
from sklatent.training import AdversarialNet, TensorData

rng = np.random.RandomState(0)
N = 600
S = rng.randint(0, 2, N).astype(np.float32)
U = rng.normal(size=N).astype(np.float32)
# Column 0 is a strong proxy of s; columns 1-2 carry u. A 2-D code reconstructing all three
# columns keeps both s and u, unless the adversary removes s.
X = np.column_stack([2 * S + 0.3 * rng.normal(size=N), U, U + 0.1 * rng.normal(size=N)])
X = X.astype(np.float32)


class _AutoEncoder(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = make_mlp(3, (16,), 2)
        self.decoder = make_mlp(2, (16,), 3)

    def forward(self, batch):
        z = self.encoder(batch["X"])
        return {"z": z, "x_hat": self.decoder(z)}


class _HideS(Objective):
    """Reconstruct x while a critic fails to read s from the code."""

    term_names = ("reconstruction", "adversary")
    critic_term_names = ("bce",)
    weight_names = ("weight",)

    def __init__(self, weight):
        super().__init__()
        self.weight = weight

    def forward(self, outputs, batch, critic):
        reconstruction = (outputs["x_hat"] - batch["X"]).pow(2).sum(-1).mean()
        # Non-saturating confusion loss: push the critic's belief towards 1/2 for every row.
        logits = critic(outputs["z"]).squeeze(-1)
        adversary = F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, 0.5))
        return {
            "reconstruction": reconstruction,
            "adversary": adversary,
            "loss": reconstruction + self.weight * adversary,
        }

    def critic_terms(self, outputs, batch, critic):
        bce = F.binary_cross_entropy_with_logits(critic(outputs["z"]).squeeze(-1), batch["s"])
        return {"bce": bce, "loss": bce}


class _Critic(torch.nn.Module):
    def __init__(self, hidden=16):
        super().__init__()
        self.net = make_mlp(2, (hidden,), 1)

    def forward(self, z):
        return self.net(z)


def _fit(weight, **kwargs):
    torch.manual_seed(0)
    net = AdversarialNet(
        _AutoEncoder,
        _HideS(weight),
        critic=_Critic,
        critic_steps=2,
        max_epochs=30,
        batch_size=100,
        lr=5e-3,
        train_split=None,
        verbose=0,
        optimizer=torch.optim.Adam,
        **kwargs,
    )
    data = {"X": torch.from_numpy(X), "s": torch.from_numpy(S)}
    net.fit(TensorData(data))
    codes = net.apply(data, lambda module, batch: module(batch)["z"]).numpy()
    return net, codes


def _probe_accuracy(codes):
    # A non-linear-enough probe for 2-D codes: logistic regression on polynomial features.
    features = np.column_stack([codes, codes**2, codes[:, :1] * codes[:, 1:]])
    return cross_val_score(LogisticRegression(max_iter=1000), features, S, cv=3).mean()


def _u_r2(codes):
    return cross_val_score(LinearRegression(), np.column_stack([codes, codes**2]), U, cv=3).mean()


@pytest.mark.slow
def test_adversary_removes_the_sensitive_bit_while_the_code_keeps_u():
    _, plain = _fit(weight=0.0)
    # The critic learns faster than the encoder (4x its learning rate), as adversaries should.
    net, hidden = _fit(weight=10.0, critic_optimizer__lr=2e-2)
    assert _probe_accuracy(plain) > 0.95
    assert _probe_accuracy(hidden) < 0.7
    assert _u_r2(hidden) > 0.9
    assert {"train_adversary", "train_critic_bce"} <= set(net.history[-1])


def test_critic_modules_and_optimizer_are_tunable_by_name():
    net = AdversarialNet(
        _AutoEncoder,
        _HideS(1.0),
        critic=_Critic,
        max_epochs=1,
        lr=1e-3,
        train_split=None,
        verbose=0,
        optimizer=torch.optim.Adam,
        critic_optimizer__lr=0.05,
        critic__hidden=7,
    )
    net.initialize()
    assert net.critic_optimizer_.param_groups[0]["lr"] == 0.05
    assert net.optimizer_.param_groups[0]["lr"] == 1e-3
    # Both optimisers take the multi-tensor step (LatentNet's default).
    assert net.critic_optimizer_.defaults["foreach"] is net.optimizer_.defaults["foreach"] is True
    assert net.critic_.net[0].out_features == 7
    net.set_params(critic_optimizer__lr=0.2)
    assert net.critic_optimizer_.param_groups[0]["lr"] == 0.2
    encoder_params = {id(p) for group in net.optimizer_.param_groups for p in group["params"]}
    assert encoder_params.isdisjoint({id(p) for p in net.critic_.parameters()})


def test_an_objective_without_critic_terms_is_named():
    class NoCritic(Objective):
        term_names = ("loss",)

    net = AdversarialNet(_AutoEncoder, NoCritic(), critic=_Critic, train_split=None)
    with pytest.raises(TypeError, match=r"objective NoCritic\(\) has no critic_term_names"):
        net.initialize()


def test_early_stopping_restores_the_critic_of_the_kept_epoch_too():
    # skorch's EarlyStopping restores module_ alone: the kept encoder was paired with the last
    # epoch's critic, which a later partial_fit or a saved model continues from.
    import copy

    from skorch.callbacks import Callback

    from sklatent import FairEncoder

    rng = np.random.RandomState(0)
    X = rng.normal(size=(150, 6)).astype(np.float32)
    s = (X[:, 0] > 0).astype(int)
    y = (X[:, 1] + 0.3 * rng.normal(size=150) > 0).astype(int)

    class Snapshots(Callback):
        def on_train_begin(self, net, **kwargs):
            self.critic = {}

        def on_epoch_end(self, net, **kwargs):
            self.critic[len(net.history)] = copy.deepcopy(net.critic_.state_dict())

    model = FairEncoder(
        2,
        dependence_measure="adversarial",
        independence_weight=5.0,
        max_epochs=80,
        early_stopping=True,
        validation_fraction=0.3,
        n_iter_no_change=3,
        tol=0.0,
        batch_size=64,
        lr=0.01,
        random_state=0,
        callbacks=[("snapshots", Snapshots())],
    ).fit(X, y, sensitive_features=s)
    callbacks = dict(model.net_.callbacks_)
    kept, snapshots = callbacks["early_stopping"].best_epoch_, callbacks["snapshots"].critic
    assert kept < len(model.history_)  # stopped after its best epoch
    critic = model.net_.critic_.state_dict()
    assert all(torch.equal(critic[k], snapshots[kept][k]) for k in critic)
