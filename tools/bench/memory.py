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


def _command(pid: int) -> str:
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "?"
    return " ".join(a.decode(errors="replace") for a in args if a)[:80]


def tree_rss_by_process(root: int) -> dict[int, float]:
    """Resident memory (MB) of ``root`` and of each of its descendants."""
    out = {}
    for pid in tree_pids(root, _parents()):
        try:
            out[pid] = int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_KB / 1024
        except (OSError, IndexError, ValueError):
            continue
    return out


def tree_rss_mb(root: int) -> float:
    """Current resident memory of ``root`` and its descendants, in MB."""
    return sum(tree_rss_by_process(root).values())


class PeakTreeMemory:
    """Context manager: samples the tree of ``pid`` on entry, every ``interval`` s while the block
    runs, and once more on exit, so even a block shorter than one interval is measured at both
    ends whatever the scheduler does. At the end ``peak_mb`` is the largest total seen,
    ``peak_pids`` the processes counted in it and ``peak_processes`` the biggest of them."""

    def __init__(self, pid: int, interval: float = 0.25):
        self.pid, self.interval, self.peak_mb = pid, interval, 0.0
        self.peak_pids: frozenset[int] = frozenset()
        self.peak_processes: dict[str, float] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def sample(self) -> None:
        """Take one sample now (also called by the background thread)."""
        by_pid = tree_rss_by_process(self.pid)
        total = sum(by_pid.values())
        with self._lock:
            if total > self.peak_mb:
                self.peak_mb, self.peak_pids = total, frozenset(by_pid)
                top = sorted(by_pid.items(), key=lambda kv: -kv[1])[:3]
                self.peak_processes = {f"{pid} {_command(pid)}": round(mb) for pid, mb in top}

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def __enter__(self) -> PeakTreeMemory:
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()
