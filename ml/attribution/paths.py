"""Paths as the warehouse stores them: channel names joined with ' > ', repeats collapsed."""

from __future__ import annotations

from collections.abc import Iterable

from ml.attribution import PATH_SEPARATOR


def split_path(path: str) -> tuple[str, ...]:
    """Channels of a path in order, consecutive repeats collapsed (``a > a > b`` -> ``(a, b)``).

    fct_conversion_paths already collapses repeats; collapsing again keeps the chain first-order
    over *changes* of channel even for a hand-written path, and rejects an empty one loudly.
    """
    channels = [c.strip() for c in path.split(PATH_SEPARATOR)]
    if not path.strip() or any(c == "" for c in channels):
        raise ValueError(f"malformed attribution path {path!r}: empty channel name")
    collapsed = [c for i, c in enumerate(channels) if i == 0 or c != channels[i - 1]]
    return tuple(collapsed)


def channels_of(paths: Iterable[tuple[str, ...]]) -> list[str]:
    """Sorted distinct channels over all paths (the chain's transient states besides start)."""
    return sorted({c for p in paths for c in p})
