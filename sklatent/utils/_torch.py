"""Small torch helpers shared by the estimators: devices, seeds, threads and array conversion."""

import collections
import contextlib
import contextvars
import threading

import numpy as np
import torch
from threadpoolctl import ThreadpoolController


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
        If ``device`` is not a device name, names a CUDA or MPS device that this machine lacks,
        or is the ``meta`` device (which holds no data).
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
    if resolved.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(
            f"device={device!r} asks for Apple's MPS, which this torch build or machine lacks; "
            "use device='auto' to fall back to the CPU."
        )
    if resolved.type == "meta":
        raise ValueError(f"device={device!r} holds no data: a model cannot train or encode there.")
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


# Module construction draws its initial weights from torch's global generator, which every
# thread shares: fits initialise one at a time, each from its own seed, and the caller's
# generator state is put back afterwards.
_INITIALISATION_LOCK = threading.Lock()


@contextlib.contextmanager
def seeded(seed, device):
    """Run a block with torch's global generators seeded, restoring the caller's state after.

    Module initialisation draws from torch's global generator; forking it keeps a fit
    reproducible without changing the random stream the user sees. Blocks run one at a time
    across threads, so that a fit in one thread cannot draw from another's seeded state.
    """
    devices = [device] if device.type == "cuda" else []
    with _INITIALISATION_LOCK, torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


class RandomStream:
    """The random numbers of one fit: one :class:`torch.Generator` per device, from one seed.

    Parameters
    ----------
    seed : int
        Seed of every generator of the stream.
    """

    def __init__(self, seed):
        self.seed = seed
        self._generators = {}

    def generator(self, device):
        """The stream's generator on ``device``, created on first use."""
        device = torch.device(device)
        key = (device.type, device.index)
        if key not in self._generators:
            self._generators[key] = torch.Generator(device=device).manual_seed(self.seed)
        return self._generators[key]


# The stream of the fit running in this thread (a context variable: each thread has its own).
_CURRENT_STREAM = contextvars.ContextVar("sklatent_random_stream", default=None)


@contextlib.contextmanager
def random_stream(seed):
    """Draw the random numbers of a block (sampling, dropout, permutations) from ``seed``.

    Inside the block, :func:`fit_generator` returns the stream's generators, so that the same
    seed gives the same fit in any thread and torch's global generator is neither read nor
    advanced.

    Examples
    --------
    >>> import torch
    >>> from sklatent.utils._torch import normal_like, random_stream
    >>> with random_stream(0):
    ...     first = normal_like(torch.zeros(3))
    >>> with random_stream(0):
    ...     bool(torch.equal(first, normal_like(torch.zeros(3))))
    True
    """
    token = _CURRENT_STREAM.set(RandomStream(seed))
    try:
        yield
    finally:
        _CURRENT_STREAM.reset(token)


def fit_generator(device):
    """The current fit's generator on ``device``, or None (torch's global one) outside a fit."""
    stream = _CURRENT_STREAM.get()
    return None if stream is None else stream.generator(device)


def _noise_like(draw, tensor):
    """``draw`` (``torch.randn`` or ``torch.rand``) shaped like ``tensor``, from the current
    fit's stream."""
    return draw(
        tensor.shape,
        dtype=tensor.dtype,
        device=tensor.device,
        generator=fit_generator(tensor.device),
    )


def normal_like(tensor):
    """Standard normal noise shaped like ``tensor``, from the current fit's stream."""
    return _noise_like(torch.randn, tensor)


def uniform_like(tensor):
    """Uniform noise on [0, 1) shaped like ``tensor``, from the current fit's stream."""
    return _noise_like(torch.rand, tensor)


# The torch limit's blocks held now, in any thread: the count the first of them found and how
# many blocks set each count; and how deep the current thread is in such blocks.
_THREAD_LIMIT_LOCK = threading.Lock()
_threads_found = None
_counts_set = collections.Counter()
_depth = threading.local()


@contextlib.contextmanager
def limited_threads(n_threads):
    """Run a block with at most ``n_threads`` torch threads, restoring the caller's after.

    Parameters
    ----------
    n_threads : int or None
        The limit; None leaves torch's setting alone.

    Notes
    -----
    On torch's OpenMP builds (the CPU and CUDA wheels) the intra-op thread count belongs to the
    thread that sets it, and a thread takes the count last set in any thread at its first torch
    call. So each thread restores its own count, except a thread that enters while another
    thread's block holds the limit and whose count is one such a block set: that count is taken
    to be inherited, not a setting of its own, and the thread restores the count the first
    block found instead (else threads started after the last block ends would inherit the
    limit). The block never raises the thread's current count.

    Examples
    --------
    >>> import torch
    >>> from sklatent.utils._torch import limited_threads
    >>> before = torch.get_num_threads()
    >>> with limited_threads(1):
    ...     torch.get_num_threads()
    1
    >>> torch.get_num_threads() == before
    True
    """
    global _threads_found
    if n_threads is None:
        yield
        return
    depth = getattr(_depth, "value", 0)
    with _THREAD_LIMIT_LOCK:
        current = torch.get_num_threads()
        limit = min(n_threads, current)
        torch.set_num_threads(limit)  # first: a failed call leaves no block counted
        restore = current
        if not _counts_set:
            _threads_found = current
        elif depth == 0 and current in _counts_set:  # inherited from another thread's block
            restore = _threads_found
        _counts_set[limit] += 1
    _depth.value = depth + 1
    try:
        yield
    finally:
        _depth.value = depth
        with _THREAD_LIMIT_LOCK:
            _counts_set[limit] -= 1
            if not _counts_set[limit]:
                del _counts_set[limit]
            torch.set_num_threads(restore)


def as_float_tensor(X, device):
    """View a numeric array as a float32 tensor on ``device``, copying only when needed.

    A float32, C-contiguous, writable array on the CPU is shared with torch, not copied, so a fit
    holds the data once. The caller's array is never written to. Finite values beyond float32's
    range are an error: they would become infinities, and the codes NaN.
    """
    wide = np.asarray(X)
    with np.errstate(over="ignore"):  # the overflow is reported below, by name
        X = np.ascontiguousarray(wide, dtype=np.float32)
    if X.dtype != wide.dtype and np.isinf(X).any() and not np.isinf(wide).any():
        largest = np.nanmax(np.abs(wide))
        raise ValueError(
            f"The data hold values beyond float32's range ({largest:.3g}, above "
            f"{np.finfo(np.float32).max:.3g}), in which the models compute: rescale them "
            "(standardize the columns, or divide a column by a power of ten)."
        )
    if not X.flags.writeable:
        X = X.copy()
    return torch.from_numpy(X).to(device)


# BLAS thread counts are process-wide: the blocks that hold a limit now (in any thread), and
# the limiter that puts back what the first of them found once the last one ends.
_BLAS_LOCK = threading.Lock()
_blas_holders = 0
_blas_limiter = None
_blas_controller = None


@contextlib.contextmanager
def limited_blas_threads(n_threads):
    """Run a block with at most ``n_threads`` threads in the BLAS libraries that numpy and scipy
    loaded (through threadpoolctl), restoring their setting after.

    A fit's own scikit-learn work, such as the logistic regression FairEncoder's parity budget
    refits on the codes every epoch, otherwise runs as many BLAS threads as cores: on two
    cores, one of them busy, a budget fit's process took 1.4 times as long. None leaves them
    alone; a lower setting of the caller's is kept. The setting is process-wide: while blocks
    in several threads hold it, it stays until the last one ends.
    """
    global _blas_holders, _blas_limiter, _blas_controller
    if n_threads is None:
        yield
        return
    with _BLAS_LOCK:
        if _blas_holders == 0:
            if _blas_controller is None:  # inspecting the loaded libraries takes milliseconds
                _blas_controller = ThreadpoolController()
            blas = _blas_controller.select(user_api="blas")
            current = min((lib["num_threads"] for lib in blas.info()), default=n_threads)
            _blas_limiter = blas.limit(limits=min(n_threads, current))
        _blas_holders += 1
    try:
        yield
    finally:
        with _BLAS_LOCK:
            _blas_holders -= 1
            if _blas_holders == 0:
                _blas_limiter.restore_original_limits()
                _blas_limiter = None


_DTYPE_LOCK = threading.Lock()
_dtype_holders, _dtype_found = 0, None


@contextlib.contextmanager
def float32_default():
    """Run a block with torch's default dtype float32, restoring the caller's after.

    The networks are built and run in float32 (the data are converted to it); a caller who set
    ``torch.set_default_dtype(torch.float64)`` would otherwise get float64 weights beside float32
    inputs, and every fit failed on a matrix product of the two. The default is global to the
    process: another thread's torch calls see float32 while any such block runs, and the caller's
    default comes back when the last one ends.

    Examples
    --------
    >>> import torch
    >>> from sklatent.utils._torch import float32_default
    >>> torch.set_default_dtype(torch.float64)
    >>> with float32_default():
    ...     torch.zeros(1).dtype
    torch.float32
    >>> torch.get_default_dtype()
    torch.float64
    >>> torch.set_default_dtype(torch.float32)
    """
    global _dtype_holders, _dtype_found
    # Counted across threads, as the BLAS limits are: the default is the process's, so the
    # first block to enter saves it and the last to leave restores it (a block restoring it
    # while another thread's block runs would hand that one float64 weights).
    with _DTYPE_LOCK:
        if _dtype_holders == 0:
            _dtype_found = torch.get_default_dtype()
            torch.set_default_dtype(torch.float32)
        _dtype_holders += 1
    try:
        yield
    finally:
        with _DTYPE_LOCK:
            _dtype_holders -= 1
            if _dtype_holders == 0:
                torch.set_default_dtype(_dtype_found)


@contextlib.contextmanager
def fit_runtime(n_threads):
    """:func:`limited_threads`, :func:`limited_blas_threads` and :func:`float32_default`
    together, around a fit, with gradients on: a fit called inside ``torch.no_grad()`` trains
    (skorch's optimizer step turns them on for the encoder, not for a critic's step). Inside
    ``torch.inference_mode()`` no tensor can be trained: a RuntimeError says so."""
    if torch.is_inference_mode_enabled():
        raise RuntimeError(
            "A fit trains a network, which torch.inference_mode() forbids: call fit or "
            "partial_fit outside it (transform, predict and score work inside it)."
        )
    with limited_threads(n_threads), limited_blas_threads(n_threads), float32_default():
        with torch.enable_grad():
            yield


@contextlib.contextmanager
def inference_runtime(n_threads):
    """:func:`limited_threads` and :func:`float32_default` together, around inference."""
    with limited_threads(n_threads), float32_default():
        yield
