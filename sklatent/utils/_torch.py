"""Small torch helpers shared by the estimators: devices, seeds and array conversion."""

import contextlib

import numpy as np
import torch


def resolve_device(device):
    """Return the :class:`torch.device` that ``device`` names.

    Parameters
    ----------
    device : str or torch.device
        ``"auto"`` picks CUDA when a GPU is visible and the CPU otherwise; any other value is what
        :class:`torch.device` accepts (``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"mps"``).

    Returns
    -------
    torch.device
        The device to train and infer on.

    Raises
    ------
    ValueError
        If ``device`` is not a device name, or names a CUDA device that this machine lacks.
    """
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            f"device={device!r} is not a device torch knows; use 'auto', 'cpu', 'cuda' or 'cuda:N'."
        ) from exc
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} asks for CUDA but torch sees no GPU here; use device='auto' to "
            "fall back to the CPU."
        )
    return resolved


def torch_seed(random_state):
    """Draw the integer seed that drives every torch random number of one fit.

    Parameters
    ----------
    random_state : int, RandomState instance or None
        As in scikit-learn: an int gives the same seed every call, None a fresh one.

    Returns
    -------
    int
        A seed in ``[0, 2**31)``.
    """
    from sklearn.utils import check_random_state

    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


@contextlib.contextmanager
def seeded(seed, device):
    """Run a block with torch's global generators seeded, restoring the caller's state after.

    Module initialisation and reparameterised sampling draw from torch's global generator;
    forking it keeps a fit reproducible without changing the random stream the user sees.
    """
    devices = [device] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


def as_float_tensor(X, device):
    """View a numeric array as a float32 tensor on ``device``, copying only when needed.

    A float32, C-contiguous, writable array on the CPU is shared with torch, not copied, so a fit
    holds the data once. The caller's array is never written to.
    """
    X = np.ascontiguousarray(X, dtype=np.float32)
    if not X.flags.writeable:
        X = X.copy()
    return torch.from_numpy(X).to(device)
