"""Each sandbox as one resource group: CPU, memory (tmpfs included) and processes bounded as a whole.

Linux control groups ("cgroups") limit a group of processes together, whatever they do: forks,
sessions, threads, files in an in-memory folder (tmpfs pages are charged to the group whose
process wrote them). The grader puts each sandbox (``bwrap`` and everything under it) into a group
of its own, created as a child of the grader's own cgroup, with:

* ``memory``: ``Limits.memory`` bytes of RAM for everything the sandbox holds: every process, its
  tmpfs files (``/tmp``, the notebook folder, ``/dev/shm``) and kernel memory; no swap. Beyond it the
  kernel's OOM killer ends the largest process of the group (the grader then restarts the kernel
  without the cell that did it);
* ``pids``: ``Limits.processes`` processes and threads in all;
* ``cpu``: at most ``Limits.cpus`` cores (a CFS quota), so one sandbox cannot take more than its
  share of the machine, and the group's CPU time (``cpu_seconds``) is what the time limits count
  (:class:`Clock`): the student's own CPU time, not the wall clock a busy neighbour stretches.

What there is, detected once per process (:func:`backend`):

* **cgroup v2** (``cgroup2`` with the ``cpu``, ``memory`` and ``pids`` controllers): groups are
  created under the grader's own cgroup if it may write there (root, or a delegated cgroup, e.g.
  ``systemd-run --user --scope -p Delegate=yes python3 course.py grade ...``). v2 forbids processes
  in a cgroup whose children have controllers: if the grader's cgroup holds only the grader, the
  grader moves itself into a leaf child ``facecourse-grader`` first (when it checks the sandbox,
  before any worker starts; workers are then born in that leaf and make their groups beside it);
  if other processes share it (a shell), the grader falls back and says so.
* **cgroup v1** (one hierarchy per controller, e.g. Debian's "hybrid" layout): a group in each of
  the ``memory``, ``pids``, ``cpu`` and ``cpuacct`` hierarchies, under the grader's own cgroups,
  if it may write there (root, or cgroups delegated to the grader's user by ``chown``).
* **no cgroup access** (an ordinary user without delegation, a container without cgroupfs): the
  **fallback**, stated by :func:`backend`'s ``note``: per-process limits only (``prlimit``: address
  space per process, processes per uid, file size, CPU seconds per process), tmpfs folders of fixed
  sizes, CPU time read from ``/proc`` (the sandbox's live processes and the children they reaped),
  and no CPU cap: a sandbox may then use every core and hold several times ``Limits.memory`` in all.

``FACECOURSE_CGROUPS=none`` forces the fallback, ``v1`` or ``v2`` one kind (tests use it).

Example::

    b = backend()               # b.kind in ("v2", "v1", "none"); b.note says what holds
    g = b.group("sub-1", limits)  # or None on the fallback
    argv = g.enter(["bwrap", ...])  # starts in the group; its children stay in it
    g.cpu_seconds(); g.memory_peak(); g.kill(); g.remove()
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

PREFIX = "facecourse-"
CPU_PERIOD_US = 100_000
NEEDED_V1 = ("memory", "pids", "cpu", "cpuacct")
NEEDED_V2 = ("cpu", "memory", "pids")


def _read(path: Path) -> str:
    with open(path, encoding="ascii") as fh:
        return fh.read()


def _write(path: Path, value) -> None:
    with open(path, "w", encoding="ascii") as fh:
        fh.write(str(value))


def _own_cgroups() -> dict[str, str]:
    """{controller or '' for v2: path of this process's cgroup} from /proc/self/cgroup."""
    out = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        hid, controllers, path = line.split(":", 2)
        if hid == "0" and controllers == "":
            out[""] = path
        for c in controllers.split(","):
            if c:
                out[c] = path
    return out


def _mounts() -> list[tuple[str, str, str, set[str]]]:
    """(fstype, mount point, root inside the hierarchy, super options) of every cgroup mount."""
    out = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        left, _, right = line.partition(" - ")
        fields, rfields = left.split(), right.split()
        if rfields and rfields[0] in ("cgroup", "cgroup2"):
            opts = set(rfields[2].split(",")) if len(rfields) > 2 else set()
            out.append((rfields[0], fields[4].replace("\\040", " "), fields[3], opts))
    return out


def _inside(mount: str, root: str, path: str) -> Path:
    """The folder of cgroup ``path`` (as /proc/self/cgroup names it) under a mount of ``root``."""
    rel = path[len(root):] if root != "/" and (path == root or path.startswith(root + "/")) else path
    return Path(mount + rel.rstrip("/")) if rel not in ("", "/") else Path(mount)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale(parent: Path) -> None:
    """Remove the groups that earlier graders (killed with SIGKILL) left under ``parent``, with whatever
    their sandboxes left running in them (measured: a sandbox's PID-namespace init, orphaned when a
    cluster worker was killed mid-submission, slept on for an hour in its group)."""
    try:
        entries = list(parent.iterdir())
    except OSError:
        return
    for d in entries:
        if d.is_dir() and d.name.startswith(PREFIX) and d.name != PREFIX + "grader":
            try:
                pid = int(d.name[len(PREFIX):].split("-")[0])
            except ValueError:
                continue
            if pid != os.getpid() and not _alive(pid):
                _kill_all(d)
                _rmdir(d, tries=50)


def _kill_all(group: Path, seconds: float = 2.0) -> None:
    """SIGKILL every process of one group folder: ``cgroup.kill`` where the kernel has it, else the pids
    in ``cgroup.procs``, again until none is left (``seconds`` at most)."""
    if (group / "cgroup.kill").exists():
        try:
            _write(group / "cgroup.kill", 1)
            return
        except OSError:
            pass
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            pids = [int(x) for x in _read(group / "cgroup.procs").split()]
        except (OSError, ValueError):
            return
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.02)


def _rmdir(d: Path, tries: int = 100) -> None:
    """Remove an emptied group folder, retrying while the kernel reaps its last processes."""
    for _ in range(tries):
        try:
            d.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.02)


@dataclass
class Group:
    """One sandbox's cgroup (v2: one folder; v1: one folder per controller hierarchy)."""

    kind: str
    dirs: dict[str, Path]  # v2: {"": dir}; v1: {controller: dir}
    name: str = ""
    _procs_files: list[Path] = field(default_factory=list)

    def enter(self, argv: list[str]) -> list[str]:
        """``argv`` preceded by a tiny shell that moves itself into the group, then runs ``argv``.

        Everything ``argv`` starts is born in the group (a process's children inherit its cgroup),
        so nothing escapes it between the start and the move. Exit code 97 if the move failed.
        """
        script = 'for f do [ "$f" = -- ] && break; echo $$ > "$f" || exit 97; shift; done; shift; exec "$@"'
        return ["/bin/sh", "-c", script, "sh", *map(str, self._procs_files), "--", *argv]

    def _file(self, controller: str, name: str) -> Path:
        return (self.dirs[""] if self.kind == "v2" else self.dirs[controller]) / name

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by every process that was ever in the group."""
        try:
            if self.kind == "v2":
                for line in _read(self._file("cpu", "cpu.stat")).splitlines():
                    if line.startswith("usage_usec "):
                        return int(line.split()[1]) / 1e6
                return 0.0
            return int(_read(self._file("cpuacct", "cpuacct.usage"))) / 1e9
        except (OSError, ValueError):
            return 0.0

    def memory_peak(self) -> int | None:
        """The most memory the group held at once (bytes), or None where the kernel does not say."""
        try:
            name = "memory.peak" if self.kind == "v2" else "memory.max_usage_in_bytes"
            return int(_read(self._file("memory", name)).split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def tasks(self) -> list[int]:
        """Thread ids of the group's live tasks."""
        f = self._file("cpu", "cgroup.threads") if self.kind == "v2" else self._file("pids", "tasks")
        try:
            return [int(x) for x in _read(f).split()]
        except (OSError, ValueError):
            return []

    def kill(self) -> None:
        """SIGKILL every process of the group (v2: ``cgroup.kill``; v1: until none is left, 2 s at most)."""
        _kill_all(self.dirs[""] if self.kind == "v2" else self.dirs["pids"])

    def remove(self) -> None:
        """Kill what is left and remove the group's folders (retrying while the kernel reaps them)."""
        self.kill()
        for d in self.dirs.values():
            _rmdir(d)


@dataclass
class Backend:
    """What this host offers: ``kind`` "v2", "v1" or "none", and ``note``, one sentence saying what holds."""

    kind: str
    note: str
    parents: dict[str, Path] = field(default_factory=dict)
    _count: list[int] = field(default_factory=lambda: [0])

    def group(self, name: str, memory: int, processes: int, cpus: float) -> Group | None:
        """A new group with these limits, or None on the fallback. Raises OSError if the host refuses."""
        if self.kind == "none":
            return None
        self._count[0] += 1
        leaf = f"{PREFIX}{os.getpid()}-{self._count[0]}-{name}"[:120]
        dirs = {c: p / leaf for c, p in self.parents.items()}
        made = []
        try:
            for d in dict.fromkeys(dirs.values()):
                d.mkdir()
                made.append(d)
            quota = max(1000, int(CPU_PERIOD_US * cpus))
            if self.kind == "v2":
                d = dirs[""]
                _write(d / "memory.max", memory)
                try:
                    _write(d / "memory.swap.max", 0)
                except OSError:
                    pass  # no swap accounting on this host: there is no swap to use either
                _write(d / "pids.max", processes)
                _write(d / "cpu.max", f"{quota} {CPU_PERIOD_US}")
                procs = [d / "cgroup.procs"]
            else:
                _write(dirs["memory"] / "memory.limit_in_bytes", memory)
                if (dirs["memory"] / "memory.memsw.limit_in_bytes").exists():
                    _write(dirs["memory"] / "memory.memsw.limit_in_bytes", memory)
                _write(dirs["pids"] / "pids.max", processes)
                _write(dirs["cpu"] / "cpu.cfs_period_us", CPU_PERIOD_US)
                _write(dirs["cpu"] / "cpu.cfs_quota_us", quota)
                procs = [d / "cgroup.procs" for d in dict.fromkeys(dirs.values())]
        except OSError:
            for d in reversed(made):
                try:
                    d.rmdir()
                except OSError:
                    pass
            raise
        return Group(self.kind, dirs, leaf, procs)


    def delegate(self, uid: int, memory: int, processes: int, cpus: float) -> Group | None:
        """A group owned by ``uid``, in which a grader running as that user can make its sandboxes'
        groups (what systemd's ``Delegate=yes`` gives a user); None on the fallback.

        v1: the group's folders and files belong to ``uid`` (v1 has no delegation rules: the user could
        also change this group's own limits); v2: its folder, ``cgroup.procs``, ``cgroup.subtree_control``
        and ``cgroup.threads`` (the kernel's delegation rules: the user cannot raise the group's own
        limits). Start the grader with ``group.enter(argv)``.
        """
        g = self.group("delegated", memory, processes, cpus)
        if g is None:
            return None
        for d in g.dirs.values():
            os.chown(d, uid, uid)
            names = os.listdir(d) if self.kind == "v1" else ["cgroup.procs", "cgroup.subtree_control",
                                                             "cgroup.threads"]
            for f in names:
                os.chown(d / f, uid, uid)
        return g


FALLBACK = ("no cgroup the grader may use here ({why}): each sandbox is bounded per process only (address "
            "space per process, processes per uid, file size, CPU seconds per process, fixed tmpfs sizes) and "
            "its CPU is not capped; grade as root, or in a delegated cgroup (systemd-run --user --scope -p "
            "Delegate=yes python3 course.py grade ...), to bound each sandbox as a whole")


def _try_v2(own: dict[str, str], mounts) -> Backend | str:
    v2 = [(m, r) for fs, m, r, _ in mounts if fs == "cgroup2"]
    if not v2 or "" not in own:
        return "no cgroup v2 hierarchy"
    mount, root = v2[0]
    base = _inside(mount, root, own[""])
    if base.name == PREFIX + "grader":  # the grader moved itself here (below): groups go beside it
        base = base.parent
    try:
        available = set(_read(Path(mount) / "cgroup.controllers").split())
        available &= set(_read(base / "cgroup.controllers").split()) if base != Path(mount) else available
    except OSError:
        return "cgroup v2 is not readable"
    missing = [c for c in NEEDED_V2 if c not in available]
    if missing:
        return f"cgroup v2 lacks the {', '.join(missing)} controller(s) (they may be bound to cgroup v1)"
    if not os.access(base, os.W_OK):
        return f"the grader may not create cgroups in {base}"
    try:
        enabled = set(_read(base / "cgroup.subtree_control").split())
        wanted = [c for c in NEEDED_V2 if c not in enabled]
        if wanted:
            try:
                _write(base / "cgroup.subtree_control", " ".join("+" + c for c in wanted))
            except OSError:
                # processes in this cgroup: move the grader into a leaf, if it is alone here
                procs = [int(x) for x in _read(base / "cgroup.procs").split()]
                mine = {os.getpid(), *_threads_of(os.getpid())}
                if not set(procs) <= mine:
                    return (f"the grader's cgroup {base} also holds other processes, so cgroup v2 forbids "
                            "giving it child groups with limits")
                leaf = base / (PREFIX + "grader")  # its workers, started later, are born there too
                leaf.mkdir(exist_ok=True)
                for pid in procs:
                    _write(leaf / "cgroup.procs", pid)
                _write(base / "cgroup.subtree_control", " ".join("+" + c for c in wanted))
    except OSError as exc:
        return f"cgroup v2 refused the controllers ({exc.strerror})"
    _remove_stale(base)
    return Backend("v2", "", {"": base})


def _threads_of(pid: int) -> list[int]:
    try:
        return [int(t) for t in os.listdir(f"/proc/{pid}/task")]
    except OSError:
        return []


def _try_v1(own: dict[str, str], mounts) -> Backend | str:
    parents = {}
    for c in NEEDED_V1:
        found = [(m, r) for fs, m, r, opts in mounts if fs == "cgroup" and c in opts]
        if not found or c not in own:
            return f"no cgroup v1 hierarchy for {c}"
        mount, root = found[0]
        parents[c] = _inside(mount, root, own[c])
        if not os.access(parents[c], os.W_OK):
            return f"the grader may not create cgroups in {parents[c]}"
    for p in dict.fromkeys(parents.values()):
        _remove_stale(p)
    return Backend("v1", "", parents)


@lru_cache(maxsize=None)
def backend() -> Backend:
    """The cgroups this process may use for its sandboxes (detected once), with a note saying what holds."""
    forced = os.environ.get("FACECOURSE_CGROUPS", "").strip().lower()
    if forced == "none":
        return Backend("none", FALLBACK.format(why="FACECOURSE_CGROUPS=none"))
    try:
        own, mounts = _own_cgroups(), _mounts()
    except (OSError, ValueError, IndexError) as exc:
        return Backend("none", FALLBACK.format(why=f"/proc/self/cgroup or mountinfo unreadable: {exc}"))
    reasons = []
    for kind, attempt in (("v2", _try_v2), ("v1", _try_v1)):
        if forced and forced != kind:
            continue
        got = attempt(own, mounts)
        if isinstance(got, Backend):
            got.note = (f"each sandbox is its own cgroup {kind} group: memory (tmpfs included), processes and "
                        "CPU are bounded for the sandbox as a whole, and time limits count its own CPU time")
            if _usable(got):
                return got
            reasons.append(f"{kind}: creating a test group failed")
        else:
            reasons.append(got)
    return Backend("none", FALLBACK.format(why="; ".join(reasons)))


def _usable(b: Backend) -> bool:
    """Create and remove one group, to know the host really lets us (a read-only cgroupfs says W_OK too)."""
    try:
        g = b.group("probe", 64 * 2 ** 20, 8, 1.0)
    except OSError:
        return False
    g.remove()
    return True


__all__ = ["Backend", "Group", "backend", "FALLBACK"]
