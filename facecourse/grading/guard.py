"""Guard code that the grader runs inside each submission's kernel (see ``grading_worker``).

It is kept as source text, because it is injected as the first cell of the notebook being
graded. It installs:

* a per-cell time limit (SIGALRM): a cell that runs too long raises ``TimeoutError`` and the
  rest of the notebook still runs, so an infinite loop costs one question, not the submission;
* an audit hook (PEP 578, cannot be removed once added) that refuses, with ``PermissionError``,
  to write outside the working folder, to read the grader's private folders (hidden tests, the
  autograder, the solutions), to list them, or to start processes, until the grader's last
  cell unlocks test reading with a one-time token.

Blocked attempts are logged through a file handle opened before the hook, so the grader can
report them. This stops accidents and casual cheating; it is not a security boundary against a
determined attacker (run untrusted code in a container for that).
"""

GUARD_TEMPLATE = r'''
def __facecourse_guard():
    import hashlib, os, signal, sys
    work = os.path.realpath(os.getcwd())
    private = [os.path.realpath(p) for p in {private!r}]
    log = open({log_path!r}, "a", buffering=1)
    state = {{"unlocked": False}}
    token_hash = {token_hash!r}
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC

    def inside(path, base):
        return path == base or path.startswith(base + os.sep)

    def resolve(path):
        if isinstance(path, int):
            return None
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        return os.path.realpath(os.path.join(work, os.fspath(path)))

    def refuse(what, path):
        log.write(f"blocked {{what}}: {{path}}\n")
        raise PermissionError(f"the grader does not allow this submission to {{what}} {{path}}")

    def hook(event, args):
        if event == "open":
            path = resolve(args[0])
            if path is None:
                return
            mode, flags = args[1] or "r", args[2] or 0
            writing = any(c in str(mode) for c in "wax+") or (flags & write_flags)
            if writing and not (inside(path, work) or path == os.devnull):
                refuse("write outside its folder", path)
            if any(inside(path, p) for p in private) and not state["unlocked"]:
                refuse("read grader files", path)
        elif event in ("os.listdir", "os.scandir"):
            path = resolve(args[0] if args and args[0] is not None else ".")
            if path and any(inside(path, p) for p in private) and not state["unlocked"]:
                refuse("list grader files", path)
        elif event in ("os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.chmod", "os.symlink", "os.link",
                       "os.truncate", "shutil.rmtree", "os.replace"):
            for a in args[:2]:
                path = resolve(a) if isinstance(a, (str, bytes, os.PathLike)) else None
                if path and not inside(path, work):
                    refuse(f"change files outside its folder ({{event}})", path)
        elif event in ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
                       "os.forkpty", "pty.spawn"):
            refuse("start a process", event)

    sys.addaudithook(hook)

    def unlock(token):
        if hashlib.sha256(token.encode()).hexdigest() == token_hash:
            state["unlocked"] = True
            return True
        return False

    limit = {cell_timeout!r}

    def on_alarm(signum, frame):
        raise TimeoutError(f"this cell ran for more than {{limit}} s and was stopped by the grader")

    def start_timer(*a):
        signal.setitimer(signal.ITIMER_REAL, limit)

    def stop_timer(*a):
        signal.setitimer(signal.ITIMER_REAL, 0)

    signal.signal(signal.SIGALRM, on_alarm)
    shell = get_ipython()
    shell.events.register("pre_run_cell", start_timer)
    shell.events.register("post_run_cell", stop_timer)
    # the callbacks that exist now (IPython's own and ours) are the only ones kept at unlock
    unlock.keep = [c for cbs in shell.events.callbacks.values() for c in cbs]
    return unlock


__facecourse_unlock = __facecourse_guard()
del __facecourse_guard
'''

UNLOCK_TEMPLATE = r'''
# grader: student cells are done; clear any callbacks they registered, then allow reading the tests
for __event, __callbacks in list(get_ipython().events.callbacks.items()):
    __callbacks[:] = [c for c in __callbacks if c in __facecourse_unlock.keep]
assert __facecourse_unlock({token!r})
'''
