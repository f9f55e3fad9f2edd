"""Device resolution and zero-copy array conversion."""

import numpy as np
import pytest
import torch

from sklatent.utils._torch import as_float_tensor, resolve_device


def test_auto_device_follows_cuda_availability():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == expected
    assert resolve_device("cpu") == torch.device("cpu")


def test_unknown_or_missing_devices_are_refused():
    with pytest.raises(ValueError, match="not a device"):
        resolve_device("gpu-please")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no GPU"):
            resolve_device("cuda")
    if not torch.backends.mps.is_available():
        with pytest.raises(ValueError, match="lacks; use device='auto'"):
            resolve_device("mps")
    with pytest.raises(ValueError, match="holds no data"):
        resolve_device("meta")


def test_float32_arrays_are_shared_and_read_only_ones_copied():
    X = np.ones((3, 2), dtype=np.float32)
    assert as_float_tensor(X, "cpu").data_ptr() == X.ctypes.data
    X.setflags(write=False)
    assert as_float_tensor(X, "cpu").data_ptr() != X.ctypes.data
    assert as_float_tensor(np.ones((3, 2)), "cpu").dtype == torch.float32
