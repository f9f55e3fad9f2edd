"""Fashion-MNIST from local idx files (the Debian package ``dataset-fashion-mnist``, no network)."""

import gzip
import os
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

__all__ = ["load_fashion_mnist"]

DEFAULT_PATH = Path("/usr/share/datasets/fashion-mnist")
_DEBIAN_PACKAGE = "dataset-fashion-mnist"
_PREFIXES = {"train": "train", "test": "t10k"}
_IMAGES_MAGIC = 0x00000803  # unsigned bytes, 3 dimensions
_LABELS_MAGIC = 0x00000801  # unsigned bytes, 1 dimension
_SIDE = 28

TARGET_NAMES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

_DESCR = """\
Fashion-MNIST
=============

Zalando's article images: 70,000 grayscale 28x28 images (60,000 train, 10,000 test) of 10
clothing classes, 7,000 per class, a drop-in replacement for MNIST.

:Number of instances: 60,000 (kind="train") or 10,000 (kind="test")
:Number of attributes: 784 pixels, integers 0 (background) to 255
:Classes: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt,
    7 Sneaker, 8 Bag, 9 Ankle boot
:Creator: Zalando Research (Han Xiao, Kashif Rasul, Roland Vollgraf)
:License: MIT (Copyright 2017 Zalando SE)
:Source: https://github.com/zalandoresearch/fashion-mnist, read from local idx files
    (Debian: ``apt-get install dataset-fashion-mnist`` puts them in
    /usr/share/datasets/fashion-mnist)

Reference: H. Xiao, K. Rasul and R. Vollgraf, "Fashion-MNIST: a Novel Image Dataset for
Benchmarking Machine Learning Algorithms", arXiv:1708.07747, 2017.
"""


def _find_file(directory, name):
    """``directory/name`` or ``directory/name.gz``, whichever exists (plain first)."""
    for candidate in (directory / name, directory / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"Fashion-MNIST file {name!r} (or {name + '.gz'!r}) not found in {str(directory)!r}. "
        f"Install the Debian package ({'apt-get install ' + _DEBIAN_PACKAGE}), which puts the "
        f"idx files in {str(DEFAULT_PATH)!r}, or pass the folder holding them as the `path` "
        "argument of load_fashion_mnist."
    )


def _read_idx(file, magic, name):
    """Parse an idx file of unsigned bytes: big-endian magic and sizes, then the values."""
    raw = file.read_bytes()
    if file.name.endswith(".gz"):
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise ValueError(f"{str(file)!r} is not a valid gzip file: {exc}") from exc
    ndim = magic & 0xFF
    header = 4 * (1 + ndim)
    if len(raw) < 4 or int.from_bytes(raw[:4], "big") != magic:
        found = int.from_bytes(raw[:4], "big") if len(raw) >= 4 else None
        raise ValueError(
            f"{str(file)!r} is not an idx {name} file: expected the magic number "
            f"{magic:#010x}, got {found if found is None else f'{found:#010x}'}."
        )
    if len(raw) < header:
        raise ValueError(f"{str(file)!r} is truncated: its idx header is incomplete.")
    shape = tuple(int.from_bytes(raw[4 * i : 4 * i + 4], "big") for i in range(1, ndim + 1))
    if len(raw) - header != int(np.prod(shape)):
        raise ValueError(
            f"{str(file)!r} holds {len(raw) - header} values after its header, but the header "
            f"announces the shape {shape} ({int(np.prod(shape))} values)."
        )
    # a copy: np.frombuffer over bytes would be read-only
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape).copy()


def load_fashion_mnist(path=None, *, kind="train", return_X_y=False):
    """Load the Fashion-MNIST images and labels from local idx files.

    =================   ===============================
    Classes             10
    Samples total       70,000 (60,000 train, 10,000 test)
    Samples per class   6,000 train, 1,000 test
    Dimensionality      784 (28 x 28)
    Features            integers 0-255 (``uint8``)
    =================   ===============================

    Nothing is downloaded: the files come from the Debian package ``dataset-fashion-mnist``
    (``apt-get install dataset-fashion-mnist``) or from any folder holding the four original
    idx files.

    Parameters
    ----------
    path : str or os.PathLike, default=None
        Folder holding ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
        ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte``, each plain or gzipped
        (``.gz``). None means ``/usr/share/datasets/fashion-mnist``, where the Debian package
        installs them.
    kind : {"train", "test"}, default="train"
        Which split to load: the 60,000 training images or the 10,000 test images.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch object.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object, with the following attributes.

        data : ndarray of shape (n_samples, 784), dtype uint8
            The images as flat rows of pixel intensities 0-255 (0 is the background), in
            row-major order. Kept as ``uint8``: divide by 255 for values in [0, 1].
        images : ndarray of shape (n_samples, 28, 28), dtype uint8
            The same pixels as images; ``data`` is a reshaped view of ``images``.
        target : ndarray of shape (n_samples,), dtype int64
            The class of each image, 0 to 9.
        target_names : ndarray of shape (10,)
            The class names, ``target_names[target]`` names each image.
        DESCR : str
            The description of the data set.

    (data, target) : tuple if ``return_X_y`` is True
        The ``data`` and ``target`` arrays above.

    Raises
    ------
    FileNotFoundError
        If a file of the split is missing from ``path`` (plain and gzipped); the message names
        the Debian package and the ``path`` argument.
    ValueError
        If ``kind`` is unknown, or if a file is not an idx file of the expected kind (wrong
        magic number or size), or if the images are not 28 x 28, the numbers of images and
        labels differ, or a label is not in 0-9.

    See Also
    --------
    sklearn.datasets.fetch_openml : Downloads Fashion-MNIST (``name="Fashion-MNIST"``) instead.

    Notes
    -----
    Fashion-MNIST is released by Zalando Research under the MIT licence (Xiao, Rasul and
    Vollgraf, 2017). Livne, Swersky & Fleet (2019) reduce it to 20 PCA
    dimensions of the pixels scaled to [0, 1]; e.g.
    ``make_pipeline(FunctionTransformer(lambda X: X / 255), PCA(20))``.

    Examples
    --------
    >>> import tempfile
    >>> from sklatent.datasets import load_fashion_mnist
    >>> fmnist = load_fashion_mnist(kind="test")  # doctest: +SKIP
    >>> fmnist.data.shape, fmnist.data.dtype, fmnist.images.shape  # doctest: +SKIP
    ((10000, 784), dtype('uint8'), (10000, 28, 28))
    >>> fmnist.target_names[fmnist.target[:3]].tolist()  # doctest: +SKIP
    ['Ankle boot', 'Pullover', 'Trouser']
    >>> with tempfile.TemporaryDirectory() as folder:  # doctest: +ELLIPSIS
    ...     load_fashion_mnist(folder)
    Traceback (most recent call last):
    ...
    FileNotFoundError: Fashion-MNIST file 'train-images-idx3-ubyte' ... not found in ...
    """
    if kind not in _PREFIXES:
        raise ValueError(f"kind must be one of {list(_PREFIXES)}, got {kind!r}.")
    directory = DEFAULT_PATH if path is None else Path(os.fspath(path)).expanduser()
    prefix = _PREFIXES[kind]
    image_file = _find_file(directory, f"{prefix}-images-idx3-ubyte")
    label_file = _find_file(directory, f"{prefix}-labels-idx1-ubyte")
    images = _read_idx(image_file, _IMAGES_MAGIC, "images")
    target = _read_idx(label_file, _LABELS_MAGIC, "labels").astype(np.int64)
    if images.shape[1:] != (_SIDE, _SIDE):
        raise ValueError(
            f"{str(image_file)!r} holds images of shape {images.shape[1:]}, expected (28, 28)."
        )
    if images.shape[0] != target.shape[0]:
        raise ValueError(
            f"{str(image_file)!r} holds {images.shape[0]} images but {str(label_file)!r} holds "
            f"{target.shape[0]} labels."
        )
    if target.size and target.max() >= len(TARGET_NAMES):
        raise ValueError(
            f"{str(label_file)!r} holds the label {int(target.max())}; Fashion-MNIST has "
            f"labels 0 to {len(TARGET_NAMES) - 1}."
        )
    data = images.reshape(images.shape[0], _SIDE * _SIDE)
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        images=images,
        target=target,
        target_names=np.array(TARGET_NAMES),
        DESCR=_DESCR,
    )
