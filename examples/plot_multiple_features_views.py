"""
===================================================================
Six views of the same digits: a shared code and a learned structure
===================================================================

The UCI Multiple Features data describe 2,000 handwritten digits six times over, by six feature
sets ("views") computed from the same images: Fourier coefficients (``fou``), profile
correlations (``fac``), Karhunen-Loève coefficients (``kar``), pixel averages (``pix``),
Zernike moments (``zer``) and morphological features (``mor``).
:func:`~sklatent.datasets.load_multiple_features` returns them side by side, with the columns of
each view in ``views``, the format of the ``views=`` parameter of the multi-view estimators.

This example does two things with them:

1. :class:`~sklatent.MultiViewEncoder` learns a 10-dimensional code shared by all views. A
   logistic regression reads the digit from it, first with every view observed, then as views go
   missing at transform time (their columns set to NaN), without refitting anything. The
   reference is PCA of one view at a time.
2. :class:`~sklatent.StructuredVAE` with ``decoder_mask="learn"`` learns which of a few latent
   blocks generate which view; ``structure_`` is shown as a heatmap.

Rows and epochs are cut down so that the example runs in well under a minute; the full protocol
(5-fold cross-validation, 5 seeds) is ``benchmarks/structure.py`` in the repository.
"""

# %%
# Load, split and standardize
# ---------------------------
# The views differ in scale by orders of magnitude, so every column is standardized (on the
# training rows). Half of the digits train the models, the other half test them.
import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklatent import MultiViewEncoder, StructuredVAE
from sklatent.datasets import load_multiple_features

torch.set_num_threads(1)  # small networks: one thread is fastest
mfeat = load_multiple_features()
views = mfeat.views  # view name -> its columns
X_train, X_test, y_train, y_test = train_test_split(
    mfeat.data, mfeat.target, train_size=1000, stratify=mfeat.target, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
{name: len(columns) for name, columns in views.items()}

# %%
# A shared code against PCA of single views
# -----------------------------------------
# :class:`~sklatent.MultiViewEncoder` decodes every view from ``[shared, private_<view>]``; the
# shared block is the product of the six views' experts, so it can be inferred from any subset of
# them, and ``transform`` returns it. During training each view is hidden from the posterior with
# probability ``view_dropout=0.5`` (still reconstructed), so codes inferred from a few views stay
# close to codes inferred from all six.
encoder = MultiViewEncoder(
    n_shared=10, n_private=2, views=views, max_epochs=25, lr=3e-3, random_state=0
).fit(X_train)
classifier = LogisticRegression(max_iter=2000).fit(encoder.transform(X_train), y_train)

pca_accuracy = {}
for name, columns in views.items():
    pca = make_pipeline(PCA(min(10, len(columns))), LogisticRegression(max_iter=2000))
    pca_accuracy[name] = pca.fit(X_train[:, columns], y_train).score(X_test[:, columns], y_test)
shared_accuracy = classifier.score(encoder.transform(X_test), y_test)
print(f"shared code, all views: {shared_accuracy:.3f}")
print({name: round(accuracy, 3) for name, accuracy in pca_accuracy.items()})

# %%
# Views go missing at transform time
# ----------------------------------
# The views are removed from the test rows one at a time, most informative first (by their PCA
# accuracy), by setting their columns to NaN. A missing view drops out of the product of
# experts; the encoder and the classifier are not refitted. The reference at each step is the
# best PCA accuracy among the views still observed.
order = sorted(views, key=pca_accuracy.get, reverse=True)[:-1]  # the weakest view stays
missing_accuracy, reference = [shared_accuracy], [max(pca_accuracy.values())]
X_missing = X_test.copy()
for k, name in enumerate(order, start=1):
    X_missing[:, views[name]] = np.nan
    missing_accuracy.append(classifier.score(encoder.transform(X_missing), y_test))
    reference.append(max(pca_accuracy[v] for v in views if v not in order[:k]))

fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8), width_ratios=[1, 1.4])
names = list(pca_accuracy)
left.bar(names, [pca_accuracy[n] for n in names], color="tab:gray", label="PCA of the view")
left.axhline(shared_accuracy, color="tab:blue", label="shared code, all views")
left.set_ylim(0.5, 1.0)
left.set_ylabel("test accuracy")
left.set_title("one view at a time")
left.legend(loc="lower right", fontsize="small")
steps = range(len(missing_accuracy))
right.plot(steps, missing_accuracy, marker="o", label="shared code (not refitted)")
right.plot(steps, reference, marker="s", color="tab:gray", label="best remaining view, PCA")
right.set_xticks(steps, ["none"] + [f"-{name}" for name in order])
right.set_xlabel("views missing at transform time (cumulative)")
right.set_title("views go missing")
right.legend(fontsize="small")
fig.tight_layout()
plt.show()

# %%
# With all views the shared code beats every single view. As the strong views go, its accuracy
# falls, most steeply once only the weak ones (Zernike moments, morphology, Fourier) are left,
# and its margin over the best remaining view shrinks: the code inferred from a few weak experts
# shifts away from the codes the classifier was trained on. The benchmark in the repository
# (``benchmarks/RESULTS.md``) measures the same over five folds and five seeds; there, with the
# morphological features alone, the shared code falls below PCA of that view.

# %%
# Learning which blocks generate which views
# ------------------------------------------
# :class:`~sklatent.StructuredVAE` with ``decoder_mask="learn"`` puts a relaxed Bernoulli gate on
# every (block, view) link of the decoder and pays ``sparsity`` for the expected number of open
# gates, so a block keeps only the views it helps to reconstruct. Here there are four blocks of
# three dimensions, every view informs every block, and the model is fitted with three seeds.
# At ``temperature=0.5`` the gates' relaxed samples in training are nearly 0 or 1. ``n_init=1``
# shows what one fit per seed learns (by default, ``n_init="auto"`` races ten restarts and
# keeps the finished one with the lowest held-out loss).
blocks = {f"z{k}": 3 for k in range(4)}
fig, axes = plt.subplots(1, 3, figsize=(12, 2.9), sharey=True, layout="constrained")
for seed, ax in enumerate(axes):
    structured = StructuredVAE(
        views,
        blocks,
        decoder_mask="learn",
        sparsity=3.0,
        temperature=0.5,
        n_init=1,
        max_epochs=40,
        lr=3e-3,
        random_state=seed,
    ).fit(X_train)
    gates = structured.structure_
    image = ax.imshow(gates.to_numpy(), vmin=0, vmax=1, cmap="viridis")
    for (row, column), value in np.ndenumerate(gates.to_numpy()):
        color = "black" if value > 0.5 else "white"
        ax.text(column, row, f"{value:.2f}", ha="center", va="center", fontsize=7, color=color)
    ax.set_xticks(range(len(views)), gates.columns)
    ax.set_yticks(range(len(blocks)), gates.index)
    ax.set_title(f"structure_, random_state={seed}")
    ax.set_xlabel("view")
axes[0].set_ylabel("latent block")
fig.colorbar(image, ax=axes, shrink=0.8, label="P(block generates view)")
plt.show()

# %%
# How to read it: each cell is the probability that a block's gate to a view is open, that is,
# that the block takes part in generating the view; ``decoder_mask_`` is the same table
# thresholded at 0.5. A row bright across many views is a factor the views share (on these
# digits, presumably the digit's identity and shape); a row bright on one or two views is a
# factor of those views only; a dark row is a block the sparsity penalty switched off.
#
# Three things to keep in mind when reading such a map:
#
# - **Blocks have no order.** Two fits may learn the same graph with the rows permuted: compare
#   graphs up to a permutation of the blocks.
# - **The penalty is per gate, the benefit per column.** Opening a gate costs ``sparsity``
#   whatever the view; what it buys is reconstruction of the view's columns. Wide views (``pix``
#   240 columns, ``fac`` 216) keep many links and the 6 morphological features (``mor``) lose
#   theirs: the decoder of a view without a parent predicts the same values for every row.
#   Standardizing the columns does not change this.
# - **The learned graph depends on the seed.** The three fits agree on the broad picture (a block
#   shared by most views, ``mor`` generated by none) and differ in the rest: how many blocks stay
#   on, and which views the other blocks cover. On a planted structure
#   (:func:`~sklatent.datasets.make_structured`) the learned graph recovers most but not all of
#   the true links, see :ref:`structured_vae`; on these data there is no true graph to compare
#   with. A fit with restarts makes this comparison itself: ``structure_scores_`` holds, for
#   each edge, the share of the ``n_init`` restarts that learned it (blocks matched up to their
#   order), so an edge below 1 is one the starts disagree on.
