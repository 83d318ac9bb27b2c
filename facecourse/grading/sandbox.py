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
  student's own notebook, and a small private ``/tmp``;
* **limits** (``prlimit``): address space (memory), processes, file size, CPU seconds, open files;
* **wall clock**: the grader (outside) kills ``bwrap``; ``--die-with-parent`` then kills the
  sandbox's PID 1, and the kernel tears down every process of the PID namespace with it, whatever
  the code did with signals, sessions or double forks. The grading worker itself dies with the
  grader (``PR_SET_PDEATHSIG``), so killing the grader ends every sandbox too.

Kernel messages use ZMQ's ``ipc`` transport: the sockets live in the sandbox's own tmpfs
(``/run/kernel``) and the grader reaches them from outside through ``/proc/PID/root`` (TCP cannot
cross the network namespace). Nothing on the host is writable by the kernel, so it cannot fill the
disk or leave files behind.

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


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot start on this machine; the message says what to install or which flag to pass."""


@dataclass
class Limits:
    """Resource limits of one sandboxed kernel (bytes, counts, seconds)."""

    memory: int = 3 * 1024 ** 3  # address space (RLIMIT_AS): dlib + numpy + pandas fit in 3 GiB of mappings
    processes: int = 96  # RLIMIT_NPROC: threads count too (ZMQ, BLAS, the kernel's own)
    file_size: int = 64 * 1024 ** 2  # RLIMIT_FSIZE: largest file the kernel may write
    open_files: int = 512
    cpu_seconds: int = 900  # RLIMIT_CPU: CPU time of each process
    work_size: int = 256 * 1024 ** 2  # the writable folder (tmpfs: memory, gone with the sandbox)
    tmp_size: int = 64 * 1024 ** 2


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
            label: str = "") -> list[str]:
    """The ``bwrap`` command line running ``inner`` (see the module docstring)."""
    ro = [str(p) for p in _read_only_paths()]
    home = str(SANDBOX_HOME)
    args = ["bwrap", "--die-with-parent", "--new-session", "--info-fd", str(info_fd),
            "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
    if uid is None:
        args += ["--unshare-user", "--uid", "65534", "--gid", "65534", "--disable-userns", "--cap-drop", "ALL"]
    args += ["--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib",
             "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/sbin", "/sbin", "--ro-bind", "/etc", "/etc",
             "--proc", "/proc", "--dev", "/dev",
             "--size", str(limits.tmp_size), "--perms", "1777", "--tmpfs", "/tmp"]
    args += _dirs_for(ro + [home, RUN_DIR])
    for p in ro:
        args += ["--ro-bind", p, p]
    args += ["--size", str(limits.work_size), "--perms", "0777", "--tmpfs", home,
             "--size", str(4 * 1024 ** 2), "--perms", "0777", "--tmpfs", RUN_DIR]
    for dest, fd in fds.items():
        args += ["--perms", "0644", "--file", str(fd), dest]
    args += ["--chdir", home, "--clearenv"]
    for k, v in _env(label).items():
        args += ["--setenv", k, v]
    args += _limits_args(limits, uid)
    if uid is not None:
        args += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--no-new-privs",
                 "--inh-caps=-all", "--bounding-set=-all", "--"]
    return args + inner


def _env(label: str = "") -> dict[str, str]:
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8",
           "TMPDIR": "/tmp", "IPYTHONDIR": "/tmp/.ipython", "MPLCONFIGDIR": "/tmp/.mpl", "MPLBACKEND": "agg",
           "PYTHONDONTWRITEBYTECODE": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "PYDEVD_DISABLE_FILE_VALIDATION": "1",
           "FACECOURSE_SUBMISSION": label}  # which submission a process belongs to (ps, tests)
    for k in ("FACECOURSE_DATA", "FACECOURSE_MIRROR", "VIRTUAL_ENV"):
        if os.environ.get(k):
            env[k] = os.environ[k]
    env["FACECOURSE_LOCAL"] = f"{SANDBOX_HOME}/.facecourse-local"  # paths.local_dir(): the private folder
    return env


@lru_cache(maxsize=None)
def problem() -> str | None:
    """Why the sandbox cannot start here (a sentence with what to install or which flag), or None."""
    if shutil.which("bwrap") is None:
        return "the grading sandbox needs bubblewrap (bwrap), which is not installed: " + INSTALL_HINT
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        return "the grading sandbox needs setpriv (util-linux) to drop root: install util-linux, or pass --no-sandbox"
    if shutil.which("prlimit") is None:
        return "the grading sandbox needs prlimit (util-linux): install util-linux, or pass --no-sandbox"
    uid = _uid_for(os.getpid()) if os.geteuid() == 0 else None
    r, w = os.pipe()
    try:
        proc = subprocess.run(command(["true"], Limits(), {}, uid, w), pass_fds=(w,), capture_output=True,
                              text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"the grading sandbox (bwrap) could not start: {exc}; " + INSTALL_HINT
    finally:
        os.close(r)
        os.close(w)
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


class Kernel:
    """A started IPython kernel (sandboxed unless ``sandboxed=False``) and a blocking client to it.

    ``Kernel(notebook_name, notebook_bytes, limits)`` starts it and waits until it answers;
    ``alive()``, ``interrupt()`` and ``kill()`` act on it; ``client`` is a jupyter_client
    ``BlockingKernelClient``. Raises ``SandboxUnavailable`` if bwrap fails and ``TimeoutError``
    if the kernel does not answer within ``start_timeout`` seconds.
    """

    def __init__(self, notebook_name: str, notebook_bytes: bytes, limits: Limits, sandboxed: bool = True,
                 start_timeout: float = 120.0, label: str = "", attempt: int = 0):
        from jupyter_client import BlockingKernelClient

        self.sandboxed = sandboxed
        self._tmp = None
        key = secrets.token_hex(16)
        ports = dict(shell_port=1, iopub_port=2, stdin_port=3, control_port=4, hb_port=5)
        conn = dict(ports, transport="ipc", signature_scheme="hmac-sha256", key=key, kernel_name="python3")
        inner = [sys.executable, "-c", KERNEL_LAUNCHER, "-f", f"{RUN_DIR}/kernel.json",
                 "--HistoryManager.enabled=False", "--IPKernelApp.quiet=True"]
        err = tempfile.TemporaryFile()
        if sandboxed:
            conn_in = dict(conn, ip=f"{RUN_DIR}/k")
            fds = {f"{RUN_DIR}/kernel.json": _memfd(json.dumps(conn_in).encode()),
                   str(SANDBOX_HOME / notebook_name): _memfd(notebook_bytes)}
            info_r, info_w = os.pipe()
            uid = _uid_for(os.getpid(), attempt) if os.geteuid() == 0 else None
            argv = command(inner, limits, fds, uid, info_w, label)
            try:
                self.proc = subprocess.Popen(argv, pass_fds=(info_w, *fds.values()), stdin=subprocess.DEVNULL,
                                             stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
            finally:
                os.close(info_w)
                for fd in fds.values():
                    os.close(fd)
            with os.fdopen(info_r) as fh:
                info = fh.read()
            if not info.strip():
                self.proc.wait(timeout=30)
                err.seek(0)
                raise SandboxUnavailable("the grading sandbox (bwrap) did not start: "
                                         + err.read().decode(errors="replace").strip()[-300:])
            self.child_pid = json.loads(info)["child-pid"]
            ip = f"/proc/{self.child_pid}/root{RUN_DIR}/k"
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
            self.proc = subprocess.Popen(inner, cwd=home, env=env, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
            self.child_pid = self.proc.pid
            ip = conn_in["ip"]
        self._err = err
        self.client = BlockingKernelClient()
        self.client.load_connection_info(dict(conn, ip=ip))
        deadline = time.monotonic() + start_timeout
        while not os.path.exists(f"{ip}-1") or not os.path.exists(f"{ip}-5"):
            if not self.alive():
                raise SandboxUnavailable("the grading kernel stopped while starting: " + self.stderr_tail())
            if time.monotonic() > deadline:
                self.kill()
                raise TimeoutError(f"the grading kernel did not start within {start_timeout:.0f} s")
            time.sleep(0.05)
        self.client.start_channels(hb=False)  # liveness is the process's (alive()), not a heartbeat thread
        try:
            self._wait_ready(max(time.monotonic() + 1.0, deadline))
        except RuntimeError as exc:
            self.kill()
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
                        msg = kc.get_shell_msg(timeout=0.01)
                        replied = (msg.get("parent_header", {}).get("msg_id") == msg_id
                                   and msg["msg_type"] == "kernel_info_reply")
                    except queue.Empty:
                        pass
                try:
                    msg = kc.get_iopub_msg(timeout=0.01)
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
        try:
            self._err.seek(0)
            return self._err.read()[-2000:].decode(errors="replace").strip()
        except (OSError, ValueError):
            return ""

    def alive(self) -> bool:
        return self.proc.poll() is None

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
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None
        try:
            self._err.close()
        except OSError:
            pass


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
