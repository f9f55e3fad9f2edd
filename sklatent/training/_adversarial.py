"""Alternating adversary/encoder training: one encoder step, then ``critic_steps`` critic steps."""

import torch
from skorch.utils import TeeGenerator

from ._net import LatentNet, _term_scorings


def detach_outputs(outputs):
    """A copy of a (nested) outputs dict with every tensor detached from the graph.

    Examples
    --------
    >>> import torch
    >>> from sklatent.training import detach_outputs
    >>> z = torch.ones(2, 3, requires_grad=True) * 2
    >>> detached = detach_outputs({"z": z, "views": {"x": {"mean": z + 1}}, "n": 2})
    >>> detached["z"].requires_grad, detached["views"]["x"]["mean"].requires_grad, detached["n"]
    (False, False, 2)
    """
    if isinstance(outputs, dict):
        return {name: detach_outputs(value) for name, value in outputs.items()}
    return outputs.detach() if isinstance(outputs, torch.Tensor) else outputs


class AdversarialNet(LatentNet):
    """A :class:`LatentNet` with a second module, the critic, trained against the encoder.

    Each batch: the module's outputs feed the objective, which may use the critic (say, to reward
    codes the critic cannot tell apart); the encoder takes one optimizer step; then the critic takes
    ``critic_steps`` steps on the detached outputs. This is the order of Funke et al. (2022):
    encoder, then discriminator on detached codes.

    The critic is registered with skorch by name, so its architecture and optimizer are set as
    ``critic__<param>`` and ``critic_optimizer__<param>`` (``critic_optimizer__lr``) and can be
    tuned by ``set_params`` or a grid search.

    The objective implements ``forward(outputs, batch, critic)`` for the encoder's terms and
    ``critic_terms(outputs, batch, critic)`` returning the critic's terms (with ``"loss"``), and
    lists their names in ``term_names`` and ``critic_term_names``.

    Parameters
    ----------
    module, criterion
        As for :class:`LatentNet`.
    critic : torch.nn.Module class or instance
        The adversary.
    critic_optimizer : torch optimizer class, default=torch.optim.Adam
        Its optimizer; ``critic_optimizer__lr`` defaults to the net's ``lr``.
    critic_steps : int, default=1
        Critic updates per encoder update.
    **kwargs
        As for :class:`LatentNet`, plus ``critic__*`` and ``critic_optimizer__*``.

    Examples
    --------
    A fair code: a linear critic guesses the group from the code, which is penalised for what it
    reads (:class:`~sklatent.objectives.FairObjective` with the adversarial estimator).

    >>> import torch
    >>> from sklatent.modules import StructuredModule
    >>> from sklatent.objectives import FairObjective
    >>> from sklatent.training import AdversarialNet, TensorData
    >>> _ = torch.manual_seed(0)
    >>> module = StructuredModule([{"name": "x", "n_features": 3, "likelihood": "gaussian"}],
    ...                           [2], torch.ones(1, 1), torch.ones(1, 1), hidden_layer_sizes=(8,))
    >>> objective = FairObjective(["x"], n_groups=2, dependence_measure="adversarial",
    ...                           group_log_prior=torch.log(torch.tensor([[0.5, 0.5]])))
    >>> net = AdversarialNet(module, objective, critic=torch.nn.Linear, critic__in_features=2,
    ...                      critic__out_features=2, max_epochs=2, train_split=None, verbose=0)
    >>> X = torch.randn(64, 3)
    >>> data = {"X_x": X, "present": torch.ones(64, 1), "groups": (X[:, 0] > 0).long()}
    >>> net = net.fit(TensorData(data))
    >>> "train_independence" in net.history[-1], "train_critic_cross_entropy" in net.history[-1]
    (True, True)
    """

    def __init__(
        self,
        module,
        criterion,
        *,
        critic,
        critic_optimizer=torch.optim.Adam,
        critic_steps=1,
        **kwargs,
    ):
        self.critic = critic
        self.critic_optimizer = critic_optimizer
        self.critic_steps = critic_steps
        super().__init__(module, criterion, **kwargs)

    def critic_term_names(self):
        """Names of the critic's terms, recorded as ``train_critic_<term>``."""
        objective = self.criterion
        names = getattr(objective, "critic_term_names", None)
        if names is None:  # else an AttributeError from skorch's initialisation
            raise TypeError(
                f"AdversarialNet's objective {getattr(objective, '__name__', objective)!r} "
                "has no critic_term_names: it needs critic_terms(outputs, batch, critic) and "
                "the names of the terms it returns (an objective without a critic trains with "
                "LatentNet)."
            )
        return tuple(names)

    def get_default_callbacks(self):
        critic = [f"critic_{name}" for name in self.critic_term_names()]
        return [*super().get_default_callbacks(), *_term_scorings("train", critic, on_train=True)]

    def initialize_module(self):
        super().initialize_module()
        self.critic_ = self.initialized_instance(self.critic, self.get_params_for("critic"))
        return self

    def initialize_optimizer(self, triggered_directly=None):
        # The encoder's optimizer must not move the critic, and the critic's not the encoder.
        args, kwargs = self.get_params_for_optimizer("optimizer", self.module_.named_parameters())
        self.optimizer_ = self.optimizer(*args, **kwargs)
        args, kwargs = self.get_params_for_optimizer(
            "critic_optimizer", self.critic_.named_parameters()
        )
        self.critic_optimizer_ = self.critic_optimizer(*args, **kwargs)
        return self

    def get_loss(self, y_pred, y_true=None, X=None, training=False):
        terms = self.criterion_(y_pred, X, critic=self.critic_)
        self.record_terms(terms, self.term_names(), "train" if training else "valid")
        return terms["loss"]

    def train_step(self, batch, **fit_params):
        self.optimizer_.zero_grad()
        with self.forward_context():
            outputs = self.module_(batch)
            loss = self.get_loss(outputs, X=batch, training=True)
        self.backward(loss)
        self.notify(
            "on_grad_computed",
            named_parameters=TeeGenerator(self.module_.named_parameters()),
            batch=batch,
            training=True,
        )
        self.optimizer_.step()

        detached = detach_outputs(outputs)
        names = [f"critic_{name}" for name in self.critic_term_names()]
        for _ in range(self.critic_steps):
            self.critic_optimizer_.zero_grad()
            with self.forward_context():
                terms = self.criterion_.critic_terms(detached, batch, self.critic_)
            terms = {"loss": terms["loss"], **{f"critic_{k}": v for k, v in terms.items()}}
            self.record_terms(terms, names, "train", objective=False)
            self.backward(terms["loss"])
            self.critic_optimizer_.step()
        return {"loss": loss, "y_pred": outputs}
