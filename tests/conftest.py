"""Test session settings."""

import matplotlib
import torch

# pytest runs two worker processes on two cores (``-n 2``): one torch thread each avoids the
# oversubscription that makes tiny matrix products spin-wait on each other.
torch.set_num_threads(1)
matplotlib.use("agg")
