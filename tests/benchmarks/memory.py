"""Peak resident memory of a whole process tree, sampled from /proc while it runs.

``resource.getrusage(RUSAGE_CHILDREN)`` reports the largest single descendant, not what the
machine needs at once: a Dagster run is a Python process plus dbt subprocesses, so the figure a
user sizes a machine by is the sum of RSS over the tree at its worst moment.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def _parents() -> dict[int, int]:
    """pid -> parent pid of every process visible in /proc."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # the process ended while we looked
            continue
        # the command name (field 2) may contain spaces and parentheses: split after its ')'
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


def tree_pids(root: int, parents: dict[int, int]) -> set[int]:
    """``root`` and all its descendants, given a pid -> parent map."""
    children: dict[int, list[int]] = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    tree, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid not in tree:
            tree.add(pid)
            todo += children.get(pid, [])
    return tree


def tree_rss_mb(root: int) -> float:
    """Current resident memory of ``root`` and its descendants, in MB."""
    total_pages = 0
    for pid in tree_pids(root, _parents()):
        try:
            total_pages += int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return total_pages * PAGE_KB / 1024


class PeakTreeMemory:
    """Context manager: samples the tree of ``pid`` every ``interval`` s; ``.peak_mb`` at the end."""

    def __init__(self, pid: int, interval: float = 0.25):
        self.pid, self.interval, self.peak_mb = pid, interval, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, tree_rss_mb(self.pid))
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakTreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
