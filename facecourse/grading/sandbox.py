"""One Jupyter kernel per submission inside a bubblewrap (``bwrap``) sandbox.

What the kernel sees and may do (``Sandbox.command`` builds the ``bwrap`` line):

* **no network** (own network namespace: only a loopback that leads nowhere), its own PID, IPC
  and UTS namespaces and its own session (``--new-session``);
* **an unprivileged user**: as root, the sandbox switches to a uid of its own (100000 and up, one
  per sandbox start, no capabilities, ``no_new_privs``) with ``setpriv``; as a normal user, bubblewrap's user
  namespace runs it as ``nobody`` (65534) with every capability dropped (on the host it is still the
  caller's uid, confined by the namespaces; ``tests/grading/test_non_root_sandbox.py`` tests this path);
* **read-only**: the system (``/usr``, ``/etc``), the Python installation and the environment
  (``.venv``), the course package (``facecourse/``) and the data (``datasets/``, the data cache
  and the mirror when they live elsewhere); nothing else of the repository: no ``solutions/``,
  no ``build/`` (autograders), no ``tests/``, no submissions folder, no gradebook;
* **writable**: only a private in-memory folder (tmpfs, ``work_size`` bytes) mounted where the
  exercises live (``ROOT/exercises``, so relative paths behave as in class) that holds only the
  student's own notebook, a small private ``/tmp`` and ``/dev/shm`` (``tmp_size`` each); the
  sandbox's own root and ``/dev`` are remounted read-only (on the user-namespace path the sandbox's
  user owns them);
* **no namespaces, no mounts** inside: a seccomp filter (:func:`seccomp_filter`) refuses them on
  both paths (``--disable-userns`` alone covers only the user-namespace path);
* **bounded as a whole** where cgroups are available (:mod:`.cgroups`): memory (tmpfs included),
  processes and CPU (``Limits.memory``, ``processes``, ``cpus``) for every process of the sandbox
  together; and per process (``prlimit``): address space, processes per uid, file size, CPU
  seconds, open files (the only bounds on the fallback);
* **time**: the grader's limits count the sandbox's own time (:class:`Stopwatch`: its CPU time, or
  time it chose to wait), never time it waited for a CPU a neighbour held;
* **wall clock**: the grader (outside) kills ``bwrap`` and its cgroup; ``--die-with-parent`` then kills the
  sandbox's PID 1, and the kernel tears down every process of the PID namespace with it, whatever
  the code did with signals, sessions or double forks. The grading worker itself dies with the
  grader (``PR_SET_PDEATHSIG``), so killing the grader ends every sandbox too.

Kernel messages use ZMQ's ``ipc`` transport: the kernel makes its sockets in the sandbox's own
tmpfs (``/run/kernel``); the grader opens them once, before any student code runs, as ``O_PATH``
descriptors (walking the path from ``/proc/PID/root`` without following a link) and connects only
through ``/proc/self/fd/N``; then it remounts that folder read-only inside the sandbox
(:func:`seal_folder`). A kernel that later closes its sockets or puts links there changes nothing
the grader connects to. Kernel messages are capped (``MAX_MESSAGE`` bytes, ``QUEUED`` per channel).
Nothing on the host is writable by the kernel, so it cannot fill the disk or leave files behind.

``problem()`` says why a sandbox cannot start here (bwrap missing, namespaces refused) and what to
install; the grader refuses to grade unconfined unless the instructor passes ``--no-sandbox``.
``Kernel(sandboxed=False)`` runs the same kernel without bubblewrap (that is the flag's meaning:
students' code then runs with the grader's rights).
"""

from __future__ import annotations

import ctypes
import json
import os
import queue
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..paths import DATASETS, ROOT

INSTALL_HINT = ("install bubblewrap (Debian/Ubuntu: sudo apt-get install bubblewrap; Fedora: sudo dnf install "
                "bubblewrap), or pass --no-sandbox to accept the risk of running students' code with your rights")
SANDBOX_HOME = ROOT / "exercises"  # where the student's notebook appears inside the sandbox
RUN_DIR = "/run/kernel"
# ``python -m ipykernel_launcher`` without the debugger: ipykernel imports debugpy (pydevd) at start
# when it can, a quarter of a kernel's start-up CPU (0.12 of 0.49 s measured), for a feature grading
# never uses (and one less way into the interpreter). ``sys.path`` starts with the working folder,
# as under ``-m``.
KERNEL_LAUNCHER = ("import os, sys\nsys.path[0] = os.getcwd()\nsys.modules['debugpy'] = None\n"
                   "from ipykernel import kernelapp\nkernelapp.launch_new_instance()")


def verified_msg(get, timeout: float) -> dict:
    """The next message from a kernel channel's ``get`` (``get_iopub_msg``, ``get_shell_msg``) that passes
    its HMAC signature check, waiting ``timeout`` s at most; raises ``queue.Empty`` when none came.

    A message that fails the check is dropped, never read: it is forged, replayed, or garbled (processes a
    submission forks share the kernel's sockets: 80 of them, spinning, garbled D1's iopub messages and
    made jupyter_client raise ``ValueError: Invalid Signature``, which ended the grading of every
    question). Dropping it gives the kernel nothing: a reply the grader waits for must be signed.

    >>> import queue
    >>> def noisy(timeout):
    ...     raise ValueError("Invalid Signature")
    >>> try:
    ...     verified_msg(noisy, 0.0)
    ... except queue.Empty:
    ...     print("nothing verified")
    nothing verified
    """
    end = time.monotonic() + timeout
    while True:
        try:
            return get(timeout=max(0.0, end - time.monotonic()))
        except ValueError:  # jupyter_client: "Invalid Signature", "Duplicate Signature", unparsable frames
            if time.monotonic() >= end:
                raise queue.Empty from None


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot start on this machine; the message says what to install or which flag to pass."""


@dataclass
class Limits:
    """Resource limits of one sandboxed kernel (bytes, counts, seconds).

    ``memory``, ``processes`` and ``cpus`` bound the sandbox AS A WHOLE where cgroups are available
    (:mod:`.cgroups`); ``memory`` and ``processes`` are also per-process/per-uid rlimits (the only
    bound on the fallback).
    """

    memory: int = 3 * 1024 ** 3  # RAM of the whole sandbox, tmpfs included (cgroup); address space per process
    processes: int = 96  # processes and threads of the whole sandbox (cgroup pids; RLIMIT_NPROC per uid)
    cpus: float = 1.0  # cores the sandbox may use at once (cgroup CPU quota)
    file_size: int = 64 * 1024 ** 2  # RLIMIT_FSIZE: largest file the kernel may write
    open_files: int = 512
    cpu_seconds: int = 900  # RLIMIT_CPU: CPU time of each process
    work_size: int = 256 * 1024 ** 2  # the writable folder (tmpfs: memory, gone with the sandbox)
    tmp_size: int = 64 * 1024 ** 2  # /tmp; /dev/shm gets the same


def _read_only_paths() -> list[Path]:
    """Host paths the kernel needs to read: Python, the environment, the course package, the data."""
    paths = {Path(sys.prefix), Path(sys.base_prefix), Path(os.path.realpath(sys.executable)).parent.parent,
             ROOT / "facecourse", DATASETS}
    data = os.environ.get("FACECOURSE_DATA")
    mirror = os.environ.get("FACECOURSE_MIRROR")
    for extra in (data, mirror):
        if extra and Path(extra).exists():
            paths.add(Path(extra).resolve())
    out = []
    for p in sorted(paths, key=lambda p: len(p.parts)):
        p = Path(os.path.realpath(p))
        if str(p).startswith(("/usr/", "/etc/")) or p == Path("/usr"):
            continue  # already there
        if any(p == q or q in p.parents for q in out):
            continue
        out.append(p)
    return out


def _dirs_for(targets: list[str]) -> list[str]:
    """``--perms 0755 --dir`` for every ancestor of the mount points (bwrap makes them 0700 otherwise)."""
    args, seen = [], {"/", "/usr", "/etc", "/tmp", "/proc", "/dev"}
    for t in targets:
        for parent in reversed(Path(t).parents):
            if str(parent) not in seen:
                seen.add(str(parent))
                args += ["--perms", "0755", "--dir", str(parent)]
    return args


def _process_count(uid: int) -> int:
    n = 0
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                if os.stat(f"/proc/{d}").st_uid == uid:
                    n += 1
            except OSError:
                pass
    return n


def _limits_args(limits: Limits, unprivileged_uid: int | None) -> list[str]:
    nproc = limits.processes
    if unprivileged_uid is None:  # the sandbox shares the caller's uid: count what it already runs
        nproc += _process_count(os.getuid()) + 64
    return ["prlimit", f"--as={limits.memory}", f"--nproc={nproc}", f"--fsize={limits.file_size}",
            f"--nofile={limits.open_files}", f"--cpu={limits.cpu_seconds}", "--core=0", "--"]


def command(inner: list[str], limits: Limits, fds: dict[str, int], uid: int | None, info_fd: int,
            label: str = "", seccomp_fd: int | None = None, scratch: str | None = None) -> list[str]:
    """The ``bwrap`` command line running ``inner`` (see the module docstring).

    ``seccomp_fd``: a file holding :func:`seccomp_filter` (no namespaces, no mounts inside).
    ``scratch``: a path for the kernel's own files (an in-memory folder there; :mod:`.scratch`).
    """
    ro = [str(p) for p in _read_only_paths()]
    home = str(SANDBOX_HOME)
    args = ["bwrap", "--die-with-parent", "--new-session", "--info-fd", str(info_fd),
            "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
    if seccomp_fd is not None:
        args += ["--seccomp", str(seccomp_fd)]
    if uid is None:
        args += ["--unshare-user", "--uid", "65534", "--gid", "65534", "--disable-userns", "--cap-drop", "ALL"]
    args += ["--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib",
             "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/sbin", "/sbin", "--ro-bind", "/etc", "/etc",
             "--proc", "/proc", "--dev", "/dev",
             "--size", str(limits.tmp_size), "--perms", "1777", "--tmpfs", "/dev/shm",
             "--size", str(limits.tmp_size), "--perms", "1777", "--tmpfs", "/tmp"]
    args += _dirs_for(ro + [home, RUN_DIR] + ([scratch] if scratch else []))
    for p in ro:
        args += ["--ro-bind", p, p]
    args += ["--size", str(limits.work_size), "--perms", "0777", "--tmpfs", home,
             "--size", str(4 * 1024 ** 2), "--perms", "0777", "--tmpfs", RUN_DIR]
    if scratch:
        args += ["--size", str(limits.work_size), "--perms", "0777", "--tmpfs", scratch,
                 "--perms", "0777", "--dir", f"{scratch}/local", "--perms", "0777", "--dir", f"{scratch}/tmp"]
    for dest, fd in fds.items():
        args += ["--perms", "0644", "--file", str(fd), dest]
    # the sandbox's own root and /dev are in-memory folders bwrap made: read-only from here on (on the
    # user-namespace path the sandbox's user owns them)
    args += ["--remount-ro", "/dev", "--remount-ro", "/", "--chdir", home, "--clearenv"]
    for k, v in _env(label, scratch).items():
        args += ["--setenv", k, v]
    args += _limits_args(limits, uid)
    if uid is not None:
        args += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--no-new-privs",
                 "--inh-caps=-all", "--bounding-set=-all", "--"]
    return args + inner


def _env(label: str = "", scratch: str | None = None) -> dict[str, str]:
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8",
           "TMPDIR": "/tmp", "IPYTHONDIR": "/tmp/.ipython", "MPLCONFIGDIR": "/tmp/.mpl", "MPLBACKEND": "agg",
           "PYTHONDONTWRITEBYTECODE": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "PYDEVD_DISABLE_FILE_VALIDATION": "1",
           "FACECOURSE_SUBMISSION": label}  # which submission a process belongs to (ps, tests)
    for k in ("FACECOURSE_DATA", "FACECOURSE_MIRROR", "VIRTUAL_ENV"):
        if os.environ.get(k):
            env[k] = os.environ[k]
    env["FACECOURSE_LOCAL"] = f"{SANDBOX_HOME}/.facecourse-local"  # paths.local_dir(): the private folder
    if scratch:  # the same paths as the grader's copy (.scratch)
        env.update(FACECOURSE_LOCAL=f"{scratch}/local", TMPDIR=f"{scratch}/tmp")
    return env


@lru_cache(maxsize=None)
def problem() -> str | None:
    """Why the sandbox cannot start here (a sentence with what to install or which flag), or None."""
    if shutil.which("bwrap") is None:
        return "the grading sandbox needs bubblewrap (bwrap), which is not installed: " + INSTALL_HINT
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        return "the grading sandbox needs setpriv (util-linux) to drop root: install util-linux, or pass --no-sandbox"
    for tool in ("prlimit", "nsenter", "mount"):
        if shutil.which(tool) is None:
            return f"the grading sandbox needs {tool} (util-linux): install util-linux, or pass --no-sandbox"
    from . import cgroups

    cgroups.backend()  # decided here, in the grader, before any worker starts (cgroup v2 may move it to a leaf)
    uid = _uid_for(os.getpid()) if os.geteuid() == 0 else None
    try:
        seccomp = _memfd(seccomp_filter())
    except SandboxUnavailable as exc:
        return f"{exc}; pass --no-sandbox to grade without it"
    r, w = os.pipe()
    try:
        proc = subprocess.run(command(["true"], Limits(), {}, uid, w, seccomp_fd=seccomp), pass_fds=(w, seccomp),
                              capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"the grading sandbox (bwrap) could not start: {exc}; " + INSTALL_HINT
    finally:
        os.close(r)
        os.close(w)
        os.close(seccomp)
    if proc.returncode != 0:
        return (f"the grading sandbox (bwrap) could not start here: {proc.stderr.strip()[-300:]}; unprivileged "
                "user namespaces may be disabled (sysctl kernel.unprivileged_userns_clone=1), or " + INSTALL_HINT)
    return None


def _uid_for(pid: int, attempt: int = 0) -> int:
    """A uid of its own for each sandbox start (process limits count per uid: a fork bomb that is
    still being torn down must not count against the next kernel, nor against another worker's)."""
    return 100000 + (pid % 200000) * 4 + attempt % 4


def _die_with_parent() -> None:
    """Ask Linux to kill this process when its parent (the grader) dies."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class _Client:
    """jupyter_client's blocking client, connected through file descriptors, with bounded messages.

    * The kernel's sockets are opened once (``O_PATH``, no symbolic link followed, each checked to
      be a socket) and every connection, reconnections included, goes through
      ``/proc/self/fd/N``: nothing the kernel later does in its socket folder (a symbolic link to a
      host socket, a new socket under the same name) changes where the grader connects.
    * Every message the kernel sends is at most ``MAX_MESSAGE`` bytes (ZMQ drops the connection
      otherwise: the request then fails like a crash) and at most ``QUEUED`` messages wait per
      channel, so no output of the student's code can make the grader hold more than that.
    """

    @staticmethod
    def make(fds: dict[str, int], conn: dict):
        import zmq
        from jupyter_client import BlockingKernelClient

        class FdClient(BlockingKernelClient):
            def _make_url(self, channel: str) -> str:
                return f"ipc:///proc/self/fd/{fds[channel]}"

        client = FdClient()
        client.context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE)
        client.context.setsockopt(zmq.RCVHWM, QUEUED)
        client.load_connection_info(conn)
        return client


MAX_MESSAGE = 64 * 1024 ** 2  # bytes of one kernel message the grader accepts (a chart's data fits)
QUEUED = 32  # kernel messages waiting per channel, at most
CHANNELS = {"shell": 1, "iopub": 2, "stdin": 3, "control": 4, "hb": 5}


def open_sockets(folder: str, prefix: str = "k") -> dict[str, int]:
    """``O_PATH`` descriptors of the kernel's five sockets in ``folder``, walked without following a link.

    Raises OSError if a component is a symbolic link or a socket is something else.
    """
    flags = os.O_PATH | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    parts = Path(folder).parts
    fd = os.open(parts[0], flags | os.O_DIRECTORY)
    try:
        for k, part in enumerate(parts[1:], 1):
            # /proc/PID/root is the one link that must be followed: it is the sandbox's root itself
            magic = k == 3 and parts[1] == "proc" and part == "root"
            nxt = os.open(part, (flags & ~os.O_NOFOLLOW if magic else flags) | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = nxt
        out = {}
        try:
            for channel, port in CHANNELS.items():
                s = os.open(f"{prefix}-{port}", flags, dir_fd=fd)
                out[channel] = s
                if not stat.S_ISSOCK(os.fstat(s).st_mode):
                    raise OSError(f"{prefix}-{port} in the kernel's folder is not a socket")
        except OSError:
            for s in out.values():
                os.close(s)
            raise
        return out
    finally:
        os.close(fd)


def _listeners(folder: str, n: int) -> list[tuple[str, socket.socket]]:
    """``n`` listening Unix sockets ``b0``, ``b1``... made by the grader in the kernel's socket folder
    (before it is sealed, before any student code runs); the kernel may connect to them (mode 0666)."""
    out = []
    for i in range(n):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.bind(f"{folder}/b{i}")
            os.chmod(f"{folder}/b{i}", 0o666)
            s.listen(16)
        except OSError:
            s.close()
            break
        out.append((f"{RUN_DIR}/b{i}", s))
    return out


def seal_folder(pid: int, folder: str) -> None:
    """Make ``folder`` read-only inside the sandbox of ``pid`` (a read-only bind remount in its mount namespace).

    Used on the kernel's socket folder once the kernel has made its sockets and before any student
    code runs: from then on the kernel can neither remove them nor put anything there (connecting to
    a socket on a read-only mount still works). The sandbox cannot undo it (no capability, and the
    system-call filter refuses mounts). Run with ``nsenter`` in the namespace's owning user namespace
    (bubblewrap's on the user-namespace path, the host's as root). Raises SandboxUnavailable if it fails.
    """
    import fcntl

    ns_get_userns = 0xB701  # ioctl: the user namespace that owns a namespace
    mnt = os.open(f"/proc/{pid}/ns/mnt", os.O_RDONLY | os.O_CLOEXEC)
    owner = -1
    try:
        owner = fcntl.ioctl(mnt, ns_get_userns)
        mine = os.stat("/proc/self/ns/user").st_ino
        cmd = ["nsenter", f"--mount=/proc/self/fd/{mnt}"]
        if os.fstat(owner).st_ino != mine:
            cmd += [f"--user=/proc/self/fd/{owner}", "--preserve-credentials"]
        proc = subprocess.run(cmd + ["--", "mount", "-o", "remount,bind,ro", folder], pass_fds=(mnt, owner),
                              capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SandboxUnavailable(f"the kernel's socket folder could not be made read-only: {exc}") from None
    finally:
        os.close(mnt)
        if owner >= 0:
            os.close(owner)
    if proc.returncode != 0:
        raise SandboxUnavailable("the kernel's socket folder could not be made read-only: " + proc.stderr.strip()[-200:])


class Clock:
    """What a sandbox has used, for time limits that count the student's own time (see :class:`Stopwatch`).

    ``cpu()``: CPU seconds used by everything in the sandbox (its cgroup, or on the fallback its
    live processes plus the children they reaped, read from ``/proc``); ``waited()``: seconds the
    sandbox's busiest task spent ready to run but waiting for a CPU (``/proc/PID/task/TID/schedstat``):
    time a neighbour's load took, not the student.
    """

    def __init__(self, root_pid: int, group=None, cpus: float | None = None):
        self.root_pid, self.group = root_pid, group
        self.cpus = cpus or float(os.cpu_count() or 1)  # the most CPU the sandbox may use at once

    def _pids(self) -> list[int]:
        """Processes of the sandbox: ``root_pid`` and its descendants."""
        children: dict[int, list[int]] = {}
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    with open(f"/proc/{d}/stat", "rb") as fh:
                        ppid = int(fh.read().rsplit(b")", 1)[1].split()[1])
                except (OSError, ValueError, IndexError):
                    continue
                children.setdefault(ppid, []).append(int(d))
        out, todo = [], [self.root_pid]
        while todo:
            pid = todo.pop()
            out.append(pid)
            todo += children.get(pid, [])
        return out

    def cpu(self) -> float:
        if self.group is not None:
            return self.group.cpu_seconds()
        total, tick = 0, os.sysconf("SC_CLK_TCK")
        for pid in self._pids():
            try:
                with open(f"/proc/{pid}/stat", "rb") as fh:
                    f = fh.read().rsplit(b")", 1)[1].split()
                total += sum(int(x) for x in f[11:15])  # utime stime cutime cstime
            except (OSError, ValueError, IndexError):
                pass
        return total / tick

    def tasks(self) -> list[str]:
        """``PID/task/TID`` of every live task of the sandbox."""
        if self.group is not None:
            return [f"{t}/task/{t}" for t in self.group.tasks()]
        out = []
        for pid in self._pids():
            try:
                out += [f"{pid}/task/{t}" for t in os.listdir(f"/proc/{pid}/task")]
            except OSError:
                pass
        return out

    def delays(self) -> dict[str, float]:
        """Seconds each live task has waited for a CPU so far."""
        out = {}
        for t in self.tasks():
            try:
                with open(f"/proc/{t}/schedstat", "rb") as fh:
                    out[t] = int(fh.read().split()[1]) / 1e9
            except (OSError, ValueError, IndexError):
                pass
        return out


class Stopwatch:
    """A time limit that counts the sandbox's own time, so a busy machine costs no honest point.

    ``over()`` says why the limit is reached, or None: ``"cpu"`` once the sandbox has used ``cpu_limit``
    seconds of CPU since the start (its own work, whatever the load; ``limit`` unless a smaller
    ``cpu_limit`` is given, as for a notebook's cells), ``"wall"`` once ``limit`` seconds
    of wall clock have passed that were not spent waiting for a CPU (sleeping, waiting for input or a
    lock: time the student's code chose to wait). Time the sandbox was ready to run but got no CPU
    while using less than its share of the cores (another sandbox, another program on the machine)
    counts for neither. ``starved()``: that time. A sandbox whose own processes keep its share busy
    is never starved: its limit is then its CPU time.
    """

    POLL = 0.25  # seconds between readings of the sandbox's counters

    def __init__(self, clock: Clock | None, limit: float, cpu_limit: float | None = None):
        self.clock, self.limit = clock, limit
        self.cpu_limit = limit if cpu_limit is None else min(cpu_limit, limit)
        self.t0 = self._t = time.monotonic()
        self.cpu0 = clock.cpu() if clock else 0.0
        self.delay0 = clock.delays() if clock else {}
        self._starved = 0.0
        self._cpu = 0.0

    def _read(self) -> None:
        now = time.monotonic()
        if self.clock is None or now - self._t < self.POLL:
            return
        self._t = now
        self._cpu = self.clock.cpu() - self.cpu0
        waited = [d - self.delay0.get(t, 0.0) for t, d in self.clock.delays().items()]
        # waiting only counts as a neighbour's doing while the sandbox got less than its share of CPU:
        # a sandbox that keeps its cores busy (its own processes queueing) is not starved
        short = max(0.0, now - self.t0 - self._cpu / self.clock.cpus)
        self._starved = max(self._starved, min(max(waited, default=0.0), short))

    def over(self) -> str | None:
        self._read()
        if self._cpu > self.cpu_limit:
            return "cpu"
        own = time.monotonic() - self.t0 - self._starved
        if own > self.limit:
            self._t = 0.0  # read the counters now, to say which it was
            self._read()
            own = time.monotonic() - self.t0 - self._starved
            if own <= self.limit:
                return None
            return "cpu" if self._cpu >= own / 2 else "wall"  # mostly computing, or mostly waiting
        return None

    def starved(self) -> float:
        return self._starved

    def cpu_used(self) -> float:
        return self._cpu


class Kernel:
    """A started IPython kernel (sandboxed unless ``sandboxed=False``) and a blocking client to it.

    ``Kernel(notebook_name, notebook_bytes, limits)`` starts it and waits until it answers;
    ``alive()``, ``interrupt()`` and ``kill()`` act on it; ``client`` is a jupyter_client
    ``BlockingKernelClient``; ``clock`` measures what the sandbox used (for :class:`Stopwatch`).
    Where cgroups are available (:mod:`.cgroups`) the whole sandbox, ``bwrap`` included, runs in a
    group of its own (``group``), also with ``sandboxed=False``. Raises ``SandboxUnavailable`` if
    bwrap or the group fails and ``TimeoutError`` if the kernel does not answer within
    ``start_timeout`` seconds.
    """

    def __init__(self, notebook_name: str, notebook_bytes: bytes, limits: Limits, sandboxed: bool = True,
                 start_timeout: float = 120.0, label: str = "", attempt: int = 0, bridges: int = 0,
                 scratch: str | None = None):
        from . import cgroups

        self.sandboxed = sandboxed
        self._tmp = None
        self._socket_fds: dict[str, int] = {}
        self.bridges = bridges
        self.scratch = scratch
        #: (path inside the sandbox, listening Unix socket) the grader made in the socket folder before it
        #: was sealed: the grader's loopback servers are relayed into the sandbox through them (.trusted)
        self.bridge_listeners: list[tuple[str, socket.socket]] = []
        key = secrets.token_hex(16)
        conn = dict(shell_port=1, iopub_port=2, stdin_port=3, control_port=4, hb_port=5, transport="ipc",
                    signature_scheme="hmac-sha256", key=key, kernel_name="python3")
        inner = [sys.executable, "-c", KERNEL_LAUNCHER, "-f", f"{RUN_DIR}/kernel.json",
                 "--HistoryManager.enabled=False", "--IPKernelApp.quiet=True"]
        err = tempfile.TemporaryFile()
        self._err = err
        try:
            self.group = cgroups.backend().group(label or "kernel", limits.memory, limits.processes, limits.cpus)
        except OSError as exc:
            raise SandboxUnavailable(f"the sandbox's cgroup could not be created: {exc}") from None
        try:
            self._start(inner, conn, notebook_name, notebook_bytes, limits, sandboxed, label, attempt, start_timeout)
        except BaseException:
            self.kill()
            raise

    def _start(self, inner, conn, notebook_name, notebook_bytes, limits, sandboxed, label, attempt, start_timeout):
        err = self._err
        if sandboxed:
            conn_in = dict(conn, ip=f"{RUN_DIR}/k")
            fds = {f"{RUN_DIR}/kernel.json": _memfd(json.dumps(conn_in).encode()),
                   str(SANDBOX_HOME / notebook_name): _memfd(notebook_bytes)}
            seccomp = _memfd(seccomp_filter())
            info_r, info_w = os.pipe()
            uid = _uid_for(os.getpid(), attempt) if os.geteuid() == 0 else None
            argv = command(inner, limits, fds, uid, info_w, label, seccomp_fd=seccomp, scratch=self.scratch)
            if self.group is not None:
                argv = self.group.enter(argv)
            try:
                self.proc = subprocess.Popen(argv, pass_fds=(info_w, seccomp, *fds.values()),
                                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                                             start_new_session=True)
            finally:
                os.close(info_w)
                os.close(seccomp)
                for fd in fds.values():
                    os.close(fd)
            with os.fdopen(info_r) as fh:
                info = fh.read()
            if not info.strip():
                self.proc.wait(timeout=30)
                raise SandboxUnavailable("the grading sandbox (bwrap) did not start: " + self.stderr_tail()[-300:])
            self.child_pid = json.loads(info)["child-pid"]
            folder = f"/proc/{self.child_pid}/root{RUN_DIR}"
        else:
            self._tmp = tempfile.mkdtemp(prefix="facecourse-kernel-")
            home = Path(self._tmp) / "home"
            home.mkdir()
            (home / notebook_name).write_bytes(notebook_bytes)
            conn_in = dict(conn, ip=f"{self._tmp}/k")
            Path(self._tmp, "kernel.json").write_text(json.dumps(conn_in))
            inner[4] = f"{self._tmp}/kernel.json"
            env = {k: v for k, v in os.environ.items() if k != "JPY_PARENT_PID"}
            env.update({k: v for k, v in _env(label).items() if k not in ("HOME", "TMPDIR", "IPYTHONDIR", "MPLCONFIGDIR")})
            env["FACECOURSE_LOCAL"] = str(home / ".facecourse-local")  # the temporary folder, not the course's
            if self.scratch:  # unsandboxed, the grader's folder is the kernel's
                env.update(FACECOURSE_LOCAL=f"{self.scratch}/local", TMPDIR=f"{self.scratch}/tmp")
            argv = self.group.enter(inner) if self.group is not None else inner
            self.proc = subprocess.Popen(argv, cwd=home, env=env, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
            self.child_pid = self.proc.pid
            folder = self._tmp
        self.clock = Clock(self.proc.pid, self.group, limits.cpus if self.group is not None else None)
        deadline = time.monotonic() + start_timeout
        while not all(os.path.exists(f"{folder}/k-{port}") for port in CHANNELS.values()):
            if not self.alive():
                raise SandboxUnavailable("the grading kernel stopped while starting: " + self.stderr_tail())
            if time.monotonic() > deadline:
                raise TimeoutError(f"the grading kernel did not start within {start_timeout:.0f} s")
            time.sleep(0.05)
        # the kernel's own process (bwrap's init starts it; unsandboxed it is ours): kept by stop_strays
        self.kernel_pid = next((p for p in self.clock._pids()[1:] if p != self.child_pid and
                                _parent(p) == self.child_pid), self.child_pid) if sandboxed else self.proc.pid
        # no student code has run yet: these are the kernel's own sockets; from now on the grader
        # reaches them only through these descriptors
        try:
            self._socket_fds = open_sockets(folder)
        except OSError as exc:
            raise SandboxUnavailable(f"the grading kernel's sockets could not be opened: {exc}") from None
        if sandboxed:
            self.bridge_listeners = _listeners(folder, self.bridges)
            seal_folder(self.child_pid, RUN_DIR)
        self.client = _Client.make(self._socket_fds, dict(conn, ip="unused"))
        self.client.start_channels(hb=False)  # liveness is the process's (alive()), not a heartbeat thread
        try:
            self._wait_ready(max(time.monotonic() + 1.0, deadline))
        except RuntimeError as exc:
            raise TimeoutError(f"the grading kernel did not answer: {exc}; {self.stderr_tail()}") from None

    def _wait_ready(self, deadline: float) -> None:
        """Return once the kernel answers a ``kernel_info`` request on shell AND its iopub messages arrive.

        What jupyter_client's ``wait_for_ready`` checks, without its fixed idle waits (0.2 s polls and
        a final 0.2 s of iopub silence: about 0.3 s per kernel start). Nothing else has been sent yet,
        so the other messages read meanwhile (start-up status) are dropped. RuntimeError if the kernel
        dies or the deadline passes.
        """
        kc = self.client
        while True:
            msg_id = kc.kernel_info()
            replied = published = False
            retry = min(deadline, time.monotonic() + 1.0)  # ask again if iopub was not subscribed yet
            while time.monotonic() < retry and not (replied and published):
                if not replied:
                    try:
                        msg = verified_msg(kc.get_shell_msg, 0.01)
                        replied = (msg.get("parent_header", {}).get("msg_id") == msg_id
                                   and msg["msg_type"] == "kernel_info_reply")
                    except queue.Empty:
                        pass
                try:
                    msg = verified_msg(kc.get_iopub_msg, 0.01)
                    published = published or msg.get("parent_header", {}).get("msg_id") == msg_id
                except queue.Empty:
                    pass
            if replied and published:
                return
            if not self.alive():
                raise RuntimeError("the kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError("the kernel did not reply to kernel_info in time")

    def stderr_tail(self) -> str:
        """The last 2,000 bytes the sandbox wrote to its stderr (never more is read)."""
        try:
            size = self._err.seek(0, os.SEEK_END)
            self._err.seek(max(0, size - 2000))
            return self._err.read(2000).decode(errors="replace").strip()
        except (OSError, ValueError):
            return ""

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop_strays(self) -> int:
        """SIGKILL every process of the sandbox except the kernel itself (and bwrap's); how many.

        Called before the tests: processes a notebook left running (a server, a pool, 80 spinning
        processes) would otherwise spend the sandbox's CPU, which the tests' time limits count.
        """
        keep = {self.proc.pid, self.child_pid, self.kernel_pid}
        stopped = 0
        for _ in range(20):  # until none is left (a process may fork while we look)
            strays = [p for p in self.clock._pids() if p not in keep]
            if not strays:
                break
            for pid in strays:
                try:
                    os.kill(pid, signal.SIGKILL)
                    stopped += 1
                except OSError:
                    pass
            time.sleep(0.02)
        return stopped

    def interrupt(self) -> None:
        """SIGINT through the control channel (the kernel sends it to itself); harmless if it is gone."""
        try:
            msg = self.client.session.msg("interrupt_request", {})
            self.client.control_channel.send(msg)
        except Exception:  # noqa: BLE001 - a dead kernel is handled by the caller
            pass

    def kill(self) -> None:
        """Kill the whole sandbox (every process in it) or, unsandboxed, the kernel's process group."""
        try:
            self.client.stop_channels()
        except Exception:  # noqa: BLE001
            pass
        for _, listener in self.bridge_listeners:
            listener.close()
        self.bridge_listeners = []
        for fd in self._socket_fds.values():
            try:
                os.close(fd)
            except OSError:
                pass
        self._socket_fds = {}
        if getattr(self, "proc", None) is None:
            self._remove_group()
            return
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                pass
            try:
                self.proc.kill()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
        self._remove_group()
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None
        try:
            self._err.close()
        except OSError:
            pass

    def _remove_group(self) -> None:
        if getattr(self, "group", None) is not None:
            self.group.remove()  # kills what is left in it (a process that escaped the process group)
            self.group = None


def seccomp_filter() -> bytes:
    """A seccomp program (classic BPF, for ``bwrap --seccomp``): no namespaces and no mounts inside.

    Refused with EPERM: ``unshare``/``clone`` asking for any new namespace (so no user namespace, in
    which a student could mount a tmpfs), ``setns``, ``mount``, ``umount2``, ``pivot_root`` and the
    new mount API, and every system call of another ABI (i386, x32); ``clone3`` gets ENOSYS (its flags
    cannot be inspected; the C library then uses ``clone``). Everything else is allowed.
    """
    import errno
    import platform
    import struct

    ld, jeq, jset, jge, ret = 0x20, 0x15, 0x45, 0x35, 0x06
    allow, fail = 0x7FFF0000, 0x00050000
    arches = {"x86_64": (0xC000003E, dict(clone=56, unshare=272, setns=308, mount=165, umount2=166, pivot_root=155)),
              "aarch64": (0xC00000B7, dict(clone=220, unshare=97, setns=268, mount=40, umount2=39, pivot_root=41))}
    machine = platform.machine()
    if machine not in arches:
        raise SandboxUnavailable(f"the grading sandbox's system-call filter knows x86_64 and aarch64, not {machine}")
    arch, nr = arches[machine]
    new_mount_api = (428, 429, 430, 431, 432, 433, 442)  # open_tree move_mount fsopen fsconfig fsmount fspick mount_setattr
    namespaces = 0x7E020080  # CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET|NEWTIME
    prog = [(ld, 0, 0, 4), (jeq, 0, "deny", arch), (ld, 0, 0, 0)]
    if machine == "x86_64":
        prog.append((jge, "deny", 0, 0x40000000))  # x32 system calls
    for n in (nr["setns"], nr["mount"], nr["umount2"], nr["pivot_root"], *new_mount_api):
        prog.append((jeq, "deny", 0, n))
    prog += [(jeq, "enosys", 0, 435), (jeq, "flags", 0, nr["clone"]), (jeq, "flags", 0, nr["unshare"]),
             (ret, 0, 0, allow),
             "flags", (ld, 0, 0, 16), (jset, "deny", 0, namespaces), (ret, 0, 0, allow),
             "deny", (ret, 0, 0, fail | errno.EPERM),
             "enosys", (ret, 0, 0, fail | errno.ENOSYS)]
    labels, code = {}, []
    for ins in prog:
        if isinstance(ins, str):
            labels[ins] = len(code)
        else:
            code.append(ins)
    out = b""
    for i, (op, jt, jf, k) in enumerate(code):
        jt = labels[jt] - i - 1 if isinstance(jt, str) else jt
        jf = labels[jf] - i - 1 if isinstance(jf, str) else jf
        out += struct.pack("=HBBI", op, jt, jf, k)
    return out


def _parent(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return int(fh.read().rsplit(b")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def _memfd(data: bytes) -> int:
    fd = os.memfd_create("facecourse", 0)  # not close-on-exec: bwrap reads it
    _write_all(fd, data)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]
