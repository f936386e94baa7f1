"""A minimal columnar container: a dict of equal-length numpy arrays.

The simulator moves millions of rows between behaviour modules and the export buffer; plain
numpy dicts concatenate, take and sort without pandas' per-column overhead and keep ids,
timestamps and amounts as int64 until the writer renders them.
"""

from __future__ import annotations

import numpy as np

Frame = dict[str, np.ndarray]


def nrows(f: Frame) -> int:
    return len(next(iter(f.values()))) if f else 0


def take(f: Frame, idx: np.ndarray) -> Frame:
    return {k: v[idx] for k, v in f.items()}


def concat(frames: list[Frame]) -> Frame:
    frames = [f for f in frames if f and nrows(f) > 0]
    if not frames:
        return {}
    keys = list(frames[0])
    return {k: np.concatenate([f[k] for f in frames]) for k in keys}


def segment_ids(lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For rows expanded by ``np.repeat(range(n), lengths)``: (owner index, 0-based position)."""
    lengths = np.asarray(lengths, dtype=np.int64)
    owner = np.repeat(np.arange(len(lengths)), lengths)
    starts = np.cumsum(lengths) - lengths
    pos = np.arange(len(owner)) - np.repeat(starts, lengths)
    return owner, pos
