"""The multivariate information bottleneck over views and latent blocks (Zhang et al. 2020)."""

from .._batch import PRESENT, view_labels, view_values
from ..information import gaussian_kl_standard, reconstruction_nll
from ._base import Objective


class StructuredObjective(Objective):
    r"""Our formulation of the structured bottleneck of Zhang, Koyama & Ishiguro (2020).

    .. math::

        \mathcal L = \sum_v w_v \mathbb E_q\big[-m_v \log p(x_v \mid z \odot A_v)\big]
                     + \beta \sum_k \mathrm{KL}\big(q(z_k \mid x) \,\|\, N(0, I)\big)
                     + \lambda \sum_{\text{learned gates}} \sigma(\ell)

    where :math:`m_v` is 1 for rows where view :math:`v` is observed and :math:`w_v` the view's
    weight (1 unless ``view_weights`` says otherwise).

    **Weights and the width of the table.** The data's terms are taken per data column: the
    loss is

    .. math::

        \frac{1}{d}\Big(\sum_{v \in \text{data}} w_v \mathbb E_q\big[-m_v \log p(x_v \mid z
        \odot A_v)\big] + \beta\,\mathrm{KL} + \lambda \sum \sigma(\ell)\Big)
        + \sum_{t \in \text{targets}} w_t\, \mathbb E_q\big[-m_t \log p(t \mid z \odot A_t)\big]

    with :math:`d` the number of data columns (the features the encoder reads, one-hot
    columns counted one by one), and the terms of the targets (views the encoder does not
    read: a label, an attribute) and the penalties the presets add in nats per row. So the
    reconstruction weighs the same on a table with every column duplicated (and every term on
    a table with ten times as many rows), and a weight means the same trade-off on a table of
    5 or 500 columns: a target's weight of 1 makes it count as much as all the data columns
    together (each of which counts :math:`1/d`), and a penalty's weight is in the same unit.
    :math:`\beta` keeps the scale of the papers (1 is the evidence lower bound, divided by
    :math:`d`). A weight of the earlier per-row formulation (every term in nats per row) is
    this one's weight times :math:`d`.
    The recorded ``reconstruction_<view>``, ``kl`` and ``gates`` terms are in nats per row.

    Parameters
    ----------
    view_names : list of str
        Names of the views, for the per-view reconstruction terms.
    beta : float
        Weight of the KL terms.
    sparsity : float
        Weight of the gate penalty.
    view_weights : dict, default=None
        Weight of a view's reconstruction term in the loss (1 for views not named): how much
        the code must explain that view, such as a label the code should predict.
    present_columns : list of int, default=None
        Column of ``batch["present"]`` that flags each view of ``view_names`` as observed: the
        batch has one column per view of the model, decoded or not, while ``view_names`` lists
        the decoded views only. None: the views are the batch's columns, in order.
    target_views : list of str, default=None
        Decoded views that the encoder does not read (labels, attributes): their terms are in
        nats per row, outside the per-column terms of the data. None: every view is data.

    Examples
    --------
    Features and a label decoded from two blocks; rows whose label is missing (``present`` 0)
    drop out of the label's term.

    >>> import torch
    >>> from sklatent.modules import StructuredModule
    >>> from sklatent.objectives import StructuredObjective
    >>> _ = torch.manual_seed(0)
    >>> views = [{"name": "x", "n_features": 3, "likelihood": "gaussian"},
    ...          {"name": "y", "likelihood": "categorical", "n_categories": 2}]
    >>> module = StructuredModule(views, [2, 1], torch.ones(2, 2), torch.ones(2, 2))
    >>> batch = {"X_x": torch.randn(8, 3), "labels_y": torch.zeros(8, dtype=torch.long),
    ...          "present": torch.tensor([[1.0, 0.0]]).repeat(8, 1)}
    >>> terms = StructuredObjective(["x", "y"], beta=1.0)(module(batch), batch)
    >>> sorted(terms), terms["reconstruction_y"].item()
    (['gates', 'kl', 'loss', 'reconstruction', 'reconstruction_x', 'reconstruction_y'], 0.0)
    """

    weight_names = ("beta", "sparsity")

    def __init__(
        self,
        view_names,
        beta=1.0,
        sparsity=0.0,
        view_weights=None,
        present_columns=None,
        target_views=None,
    ):
        super().__init__()
        self.view_names = list(view_names)
        self.target_views = set(target_views or ())
        self.present_columns = (
            list(range(len(self.view_names))) if present_columns is None else list(present_columns)
        )
        self.beta = beta
        self.sparsity = sparsity
        self.view_weights = {name: 1.0 for name in self.view_names} | dict(view_weights or {})
        self.term_names = (
            "reconstruction",
            "kl",
            "gates",
            *(f"reconstruction_{name}" for name in self.view_names),
        )

    def per_sample(self, outputs, batch):
        """Per-row reconstruction NLL of each observed view and the KL of all blocks."""
        terms = {}
        for index, name in enumerate(self.view_names):
            target = batch.get(view_labels(name), batch.get(view_values(name)))
            if target is None:
                raise KeyError(
                    f"The batch holds no tensor of view {name!r}: neither "
                    f"{view_labels(name)!r} (a categorical view's labels) nor "
                    f"{view_values(name)!r} (its values). Its keys: {sorted(batch)}."
                )
            observed = batch[PRESENT][:, self.present_columns[index]]
            terms[f"reconstruction_{name}"] = observed * reconstruction_nll(
                target, outputs["views"][name]
            )
        terms["kl"] = gaussian_kl_standard(outputs["mean"], outputs["logvar"])
        return terms

    def n_data_columns(self, batch):
        """Columns of the data views in ``batch``: the :math:`d` the bound is divided by."""
        widths = [
            1 if view_labels(name) in batch else batch[view_values(name)].shape[1]
            for name in self.view_names
            if name not in self.target_views
        ]
        return max(1, sum(widths))

    def forward(self, outputs, batch):
        terms = {name: value.mean() for name, value in self.per_sample(outputs, batch).items()}
        weighted = {
            name: self.view_weights[name] * terms[f"reconstruction_{name}"]
            for name in self.view_names
        }
        terms["reconstruction"] = sum(weighted.values())
        gates = outputs["gate_probabilities"]
        terms["gates"] = sum(p.sum() for p in gates) if gates else terms["kl"].new_zeros(())
        data = sum(value for name, value in weighted.items() if name not in self.target_views)
        targets = [value for name, value in weighted.items() if name in self.target_views]
        compression = self.beta * terms["kl"] + self.sparsity * terms["gates"]
        # Per data column: see "Weights and the width of the table" above.
        terms["loss"] = (data + compression) / self.n_data_columns(batch) + sum(targets)
        return terms
