"""
=========================================================
Two-dimensional codes of the Adult census with a BetaVAE
=========================================================

:class:`~sklatent.BetaVAE` is a scikit-learn transformer: it goes into a
:class:`~sklearn.pipeline.Pipeline` after the usual preprocessing, and its ``transform`` returns
the posterior mean of each row's latent code.

Here a two-dimensional code of the Adult census table is learned without looking at the income
label, and the codes are then coloured by income to see how much of it the unsupervised
representation keeps. A second plot shows the two terms of the objective, epoch by epoch, from
the estimator's ``history_``.
"""

# %%
# Load a subsample of the data
# ----------------------------
# :func:`~sklatent.datasets.load_adult` ships with the package (no download). Rows with missing
# values are dropped and 3,000 of them are kept so that the example runs in seconds.
import matplotlib.pyplot as plt
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from sklatent import BetaVAE
from sklatent.datasets import load_adult

adult = load_adult(dropna=True)
X = adult.data.sample(n=3000, random_state=0)
y = adult.target.loc[X.index].to_numpy()
X.shape

# %%
# Preprocess and encode
# ---------------------
# Categorical columns are one-hot encoded and numeric columns standardized, and a Gaussian
# likelihood models them all. ``BetaVAE`` needs a dense array, so the encoder returns one.
#
# The decoder variance is fixed at 0.1 rather than learned. Given its category, a one-hot column
# is nearly noise-free, so a learned per-feature variance keeps shrinking toward its lower bound
# for many epochs and that shrinkage dominates the reconstruction term. A fixed variance weights
# all columns alike and converges in a few epochs.
preprocess = ColumnTransformer(
    [
        (
            "categorical",
            OneHotEncoder(handle_unknown="ignore", sparse_output=False),
            make_column_selector(dtype_include="category"),
        ),
        ("numeric", StandardScaler(), make_column_selector(dtype_include="number")),
    ]
)
vae = BetaVAE(
    n_components=2,
    beta=1.0,
    decoder_variance=0.1,
    max_epochs=30,
    batch_size=128,
    lr=3e-3,
    random_state=0,
)
pipe = make_pipeline(preprocess, vae)
Z = pipe.fit_transform(X)
Z.shape

# %%
# Plot the codes coloured by income
# ---------------------------------
# The income label was never shown to the model, yet the two classes occupy different regions of
# the code space: the features that predict income (education, occupation, hours worked, marital
# status...) are among those the autoencoder must keep to reconstruct a row.
fig, ax = plt.subplots(figsize=(6, 5))
colors = ["tab:blue", "tab:orange"]
for label, name, color in zip([0, 1], adult.target_names, colors, strict=True):
    mask = y == label
    ax.scatter(Z[mask, 0], Z[mask, 1], s=6, alpha=0.5, color=color, label=f"income {name}")
ax.set_xlabel("$z_1$")
ax.set_ylabel("$z_2$")
ax.set_title("BetaVAE codes of 3,000 Adult rows")
ax.legend(markerscale=3)
fig.tight_layout()

# %%
# Training curves
# ---------------
# ``history_`` is the skorch :class:`~skorch.history.History` of the fit: one row per epoch with
# every term of the objective, averaged over the batches. ``history_[:, "train_kl"]`` selects one
# column for all epochs. The reconstruction term is a negative log-likelihood in nats per row.
# The KL term bounds the number of nats the code carries about each row. It rises while the
# encoder learns to use its two dimensions, and the reconstruction falls with it.
history = vae.history_
epochs = history[:, "epoch"]

fig, (ax_rec, ax_kl) = plt.subplots(1, 2, figsize=(9, 3.5))
ax_rec.plot(epochs, history[:, "train_reconstruction"], marker="o", markersize=3)
ax_rec.set_xlabel("epoch")
ax_rec.set_ylabel("nats per row")
ax_rec.set_title("reconstruction (negative log-likelihood)")
ax_kl.plot(epochs, history[:, "train_kl"], marker="o", markersize=3, color="tab:green")
ax_kl.set_xlabel("epoch")
ax_kl.set_title(r"KL$(q(z \mid x)\,\|\,\mathcal{N}(0, I))$")
fig.tight_layout()
plt.show()

# %%
# :class:`sklatent.plotting.TrainingCurveDisplay` draws the same curves in one call.
