"""The kernel's scratch folder, the same path on both sides: how checks read and write the student's files.

Some checks read what the student's code wrote (the capstone's ledger, photos, indexes, erasure record)
or give the student's functions files to work on (a reference collection to index, a copy of the
student's folder). The sandboxed kernel keeps its files in memory, in a folder of its own; the grader
cannot share a folder with it (the kernel could put symbolic links there that the grader would follow).

So each submission gets a **scratch path** ``P``, the same string on both sides: inside the sandbox a
private in-memory folder (the kernel's ``FACECOURSE_LOCAL`` is ``P/local`` and its ``TMPDIR`` ``P/tmp``),
in the grading process a private folder of the grader (where ``tempfile`` makes the checks' temporary
folders). :class:`Mirror` makes the two alike **by value**: ``pull`` copies the kernel's regular files
and folders into the grader's (read through ``/proc/PID/root`` one name at a time, never following a
link: a symbolic link the kernel made is not copied), ``push`` copies the grader's changes into the
kernel (written the same way). The grader pulls before the checks and after every call of a student
function, and pushes before every call. A path in the student's values (``folder``, a ledger's
``file`` column) then names the same file on both sides.

Not protected: the kernel chooses what its files contain (they are its answers); a kernel thread that
changes files while a check reads the grader's copy changes nothing until the next pull.
"""

from __future__ import annotations

import os
import stat

#: bytes and entries one pull or push may copy (the kernel's folder is smaller: its tmpfs is bounded)
MAX_BYTES = 1024 ** 3
MAX_ENTRIES = 50_000
_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class MirrorError(Exception):
    pass


def _walk(fd: int, prefix: str, out: dict, budget: list) -> None:
    """``out[relpath] = ("d", None) | ("f", (size, mtime_ns))`` for the tree below the open folder ``fd``;
    symbolic links, sockets and devices are left out."""
    with os.scandir(fd) as it:
        entries = list(it)
    for e in entries:
        budget[0] -= 1
        if budget[0] < 0:
            raise MirrorError(f"more than {MAX_ENTRIES} files")
        rel = prefix + e.name
        st = e.stat(follow_symlinks=False)
        if stat.S_ISDIR(st.st_mode):
            out[rel] = ("d", None)
            try:
                sub = os.open(e.name, _DIR, dir_fd=fd)
            except OSError:
                continue
            try:
                _walk(sub, rel + "/", out, budget)
            finally:
                os.close(sub)
        elif stat.S_ISREG(st.st_mode):
            out[rel] = ("f", _sig(st))


def _sig(st: os.stat_result) -> tuple:
    return st.st_size, st.st_mtime_ns, stat.S_IMODE(st.st_mode)


def _open_parent(root: int, rel: str, create: bool) -> tuple[int, str]:
    """An open descriptor of ``rel``'s folder below ``root`` (each step without following links) and its
    last name."""
    parts = rel.split("/")
    fd = os.dup(root)
    try:
        for part in parts[:-1]:
            if create:
                _mkdir_at(fd, part)
            nxt = os.open(part, _DIR, dir_fd=fd)
            os.close(fd)
            fd = nxt
    except BaseException:
        os.close(fd)
        raise
    return fd, parts[-1]


def _read(root: int, rel: str, limit: int) -> bytes:
    parent, name = _open_parent(root, rel, False)
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK, dir_fd=parent)
    finally:
        os.close(parent)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise MirrorError(f"{rel} is not a regular file")
        chunks, got = [], 0
        while chunk := os.read(fd, 1 << 20):
            got += len(chunk)
            if got > limit:
                raise MirrorError("the files are too large to copy")
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _write(root: int, rel: str, data: bytes, mode: int = 0o666) -> None:
    parent, name = _open_parent(root, rel, True)
    try:
        try:
            os.unlink(name, dir_fd=parent)  # never write through whatever stands there
        except OSError:
            pass
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666,
                     dir_fd=parent)
    finally:
        os.close(parent)
    try:
        os.fchmod(fd, mode)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def _mkdir_at(parent: int, name: str) -> None:
    """Make the folder ``name`` in ``parent``, writable by the sandbox's user (umask aside)."""
    try:
        os.mkdir(name, 0o777, dir_fd=parent)
    except FileExistsError:
        return
    fd = os.open(name, _DIR, dir_fd=parent)
    try:
        os.fchmod(fd, 0o777)
    finally:
        os.close(fd)


def _mkdir(root: int, rel: str) -> None:
    parent, name = _open_parent(root, rel, True)
    try:
        _mkdir_at(parent, name)
    finally:
        os.close(parent)


def _remove(root: int, rel: str, kind: str) -> None:
    try:
        parent, name = _open_parent(root, rel, False)
    except OSError:
        return
    try:
        if kind == "d":
            os.rmdir(name, dir_fd=parent)
        else:
            os.unlink(name, dir_fd=parent)
    except OSError:
        pass
    finally:
        os.close(parent)


class Mirror:
    """Keep the grader's folder ``path`` and the kernel's folder of the same path (seen from here as
    ``kernel_root``, e.g. ``/proc/PID/root`` + ``path``) alike; see the module docstring."""

    def __init__(self, path: str, kernel_root: str):
        self.path, self.kernel_root = path, kernel_root
        #: relpath -> (kind, signature on the grader's side, signature on the kernel's side) at the last sync
        self.state: dict[str, tuple] = {}

    def _roots(self) -> tuple[int, int]:
        mine = os.open(self.path, _DIR)
        try:
            theirs = os.open(self.kernel_root, _DIR)
        except BaseException:
            os.close(mine)
            raise
        return mine, theirs

    @staticmethod
    def _tree(fd: int) -> dict:
        out: dict = {}
        _walk(fd, "", out, [MAX_ENTRIES])
        return out

    def pull(self) -> None:
        """Make the grader's folder what the kernel's is."""
        self._sync(pull=True)

    def push(self) -> None:
        """Make the kernel's folder what the grader's is."""
        self._sync(pull=False)

    def _sync(self, pull: bool) -> None:
        mine, theirs = self._roots()
        try:
            src, dst = (theirs, mine) if pull else (mine, theirs)
            s_tree, d_tree = self._tree(src), self._tree(dst)
            s_i, d_i = (2, 1) if pull else (1, 2)  # which signature in state belongs to which side
            budget = MAX_BYTES
            for rel in sorted(s_tree):  # parents before their files
                kind, sig = s_tree[rel]
                known = self.state.get(rel)
                if kind == "d":
                    if d_tree.get(rel, (None,))[0] != "d":
                        if rel in d_tree:
                            _remove(dst, rel, "f")
                        _mkdir(dst, rel)
                    self.state[rel] = ("d", None, None)
                    continue
                if known and known[0] == "f" and known[s_i] == sig and d_tree.get(rel) == ("f", known[d_i]):
                    continue  # unchanged on both sides since the last sync
                data = _read(src, rel, budget)
                budget -= len(data)
                if d_tree.get(rel, (None,))[0] == "d":
                    continue  # a folder where the other side has a file: left as it is
                # a pulled file keeps the kernel's permissions (a key file stays 0600); a pushed one is the
                # sandbox user's to change
                _write(dst, rel, data, sig[2] & 0o777 if pull else 0o666)
                d_sig = _sig(os.stat(rel, dir_fd=dst, follow_symlinks=False))
                self.state[rel] = ("f", d_sig, sig) if pull else ("f", sig, d_sig)  # (kind, grader's, kernel's)
            for rel in sorted(set(d_tree) - set(s_tree), reverse=True):  # files before their folders
                if rel in self.state:  # it was there at the last sync: the source side removed it
                    _remove(dst, rel, d_tree[rel][0])
                    self.state.pop(rel, None)
                elif not pull:
                    pass  # the kernel made it since: the next pull brings it
        finally:
            os.close(mine)
            os.close(theirs)
