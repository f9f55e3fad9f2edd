"""Test session settings, for the tests and the doctests of the package alike."""

import matplotlib
import torch
from threadpoolctl import threadpool_limits

# pytest runs two worker processes on two cores (``-n 2``): one torch thread each avoids the
# oversubscription that makes tiny matrix products spin-wait on each other.
torch.set_num_threads(1)
# The same for OpenMP (HistGradientBoosting probes): with two workers busy, its threads
# spin-wait, and a probe measured 8 s alone took minutes.
threadpool_limits(1)
matplotlib.use("agg")
