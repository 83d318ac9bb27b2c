# %% [raw]
# # ASSIGNMENT CONFIG
# name: C3_access_control_lab
# init_cell: true
# check_all_cell: true
# export_cell: false
# tests:
#   files: false
#   ok_format: false

# %% [markdown]
# # Exercise C3: break it, fix it, watch it
#
# **Why this matters.** You only trust a fix you have seen fail the attack. Here you run the
# exploit yourself, write the server-side check, and write the alert that would have caught the
# attacker.
#
# **Learning objectives.** Exploit a broken object-level authorisation check with HTTP requests;
# write an authorisation policy; detect enumeration in an audit log.
#
# **Prerequisites.** `lessons/C3_access_control_lab.ipynb`.
#
# **Estimated time.** 30 minutes (from a trial run: see `INSTRUCTORS.md`).
#
# The portal serves **SYNTHETIC** data on 127.0.0.1 only.

# %%
import pandas as pd
import requests

from facecourse.breach import portal
from facecourse.breach.clients import synthetic_clients

clients = synthetic_clients()

# %% [markdown]
# ## Question 1: run the exploit
#
# Write `run_exploit(url, username, password)`: log in to the portal at `url` with
# `portal.login`, call the listing endpoint `GET /api/clients` with `requests` (send the token
# with `headers=portal.bearer(token)`), and return a pair `(count, searches)`: the number of
# organisations the response contains and the total of their `searches`. Use only HTTP: the checks
# run your function against another portal whose client list you do not have.
#
# Then start the vulnerable portal (`policy=portal.authenticated_only`) and store
# `leaked_count, leaked_searches = run_exploit(<its url>, "ben", "lab-pass-ben")`. Stop the portal
# when you are done (a `with` block does it for you).

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
def run_exploit(url, username, password):
    # BEGIN SOLUTION
    token = portal.login(url, username, password)
    listing = requests.get(url + "/api/clients", headers=portal.bearer(token), timeout=10).json()
    return len(listing["clients"]), sum(c["searches"] for c in listing["clients"])
    # END SOLUTION


leaked_count = leaked_searches = None  # your answers replace these
# BEGIN SOLUTION
with portal.Portal(policy=portal.authenticated_only, clients=clients) as vulnerable:
    leaked_count, leaked_searches = run_exploit(vulnerable.url, "ben", "lab-pass-ben")
# END SOLUTION
leaked_count, leaked_searches

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q1_1(run_exploit, leaked_count, leaked_searches):
    from facecourse.breach import portal
    from facecourse.breach.clients import synthetic_clients
    from facecourse.checks import answered
    answered("q1", run_exploit=run_exploit, leaked_count=leaked_count, leaked_searches=leaked_searches)
    _other_list = synthetic_clients(seed=7).sample(n=40, random_state=3)
    _exploit_log = portal.AuditLog()
    with portal.Portal(policy=portal.authenticated_only, clients=_other_list, audit=_exploit_log) as _lab:
        _found = run_exploit(_lab.url, "ben", "lab-pass-ben")
    assert tuple(int(x) for x in _found) == (40, int(_other_list["searches"].sum())), \
        f"on a portal serving 40 organisations run_exploit must return (40, their searches), it returned {_found}"

# %%
def test_q1_2(run_exploit):
    from facecourse.breach import portal
    from facecourse.breach.clients import synthetic_clients
    _other_list = synthetic_clients(seed=7).sample(n=40, random_state=3)
    _exploit_log = portal.AuditLog()
    with portal.Portal(policy=portal.authenticated_only, clients=_other_list, audit=_exploit_log) as _lab:
        _found = run_exploit(_lab.url, "ben", "lab-pass-ben")
    _seen = _exploit_log.table()
    assert ((_seen["user"] == "ben") & (_seen["action"] == "list")).any(), \
        "run_exploit must log in as the user it is given and call GET /api/clients (the portal's audit log shows no such request)"

# %%
def test_q1_3(leaked_count, leaked_searches, clients):
    assert (leaked_count, leaked_searches) == (len(clients), clients["searches"].sum()), \
        "leaked_count and leaked_searches must come from running the exploit as ben on the vulnerable portal"

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q1_hidden_1(leaked_count, clients, leaked_searches):
    assert leaked_count == len(clients)
    assert leaked_searches == 500_000

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 2: the server-side check
#
# The vendor now has three roles: `"customer"` (sees only their own organisation), `"staff"`
# (sees every organisation) and `"suspended"` (a customer whose contract ended: sees nothing, not
# even their own organisation). A user is a `portal.User(username, org_id, role)`. Write
# `my_policy(user, org_id)` returning `True` or `False` (Python bools: the portal refuses anything
# else). Refuse anything you do not recognise, including `user=None` and unknown roles: a policy
# must fail closed.

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 3

# %% [raw]
# # BEGIN SOLUTION

# %%
def my_policy(user, org_id):
    # BEGIN SOLUTION
    if user is None:
        return False
    if user.role == "staff":
        return True
    if user.role == "customer":
        return user.org_id == org_id
    return False
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q2_1(my_policy):
    from facecourse.breach import portal
    from facecourse.checks import answered
    answered("q2", my_policy=my_policy)
    _U = portal.User
    assert my_policy(_U("ann", "SYN-0005", "customer"), "SYN-0005") is True, \
        "a customer must be allowed to read their own organisation"
    _got = my_policy(_U("ann", "SYN-0005", "customer"), "SYN-0006")
    assert _got is False, \
        f"a customer must NOT read another organisation: my_policy should give False (a Python bool), got {_got!r}"

# %%
def test_q2_2(my_policy):
    from facecourse.breach import portal
    _U = portal.User
    assert my_policy(_U("sue", "SYN-0001", "staff"), "SYN-0042") is True, "vendor staff must be allowed to read every organisation"

# %%
def test_q2_3(my_policy):
    from facecourse.breach import portal
    _U = portal.User
    for _org in ("SYN-0005", "SYN-0006"):
        _got = my_policy(_U("sid", "SYN-0005", "suspended"), _org)
        assert _got is False, \
            f"a suspended account must not read anything, not even its own organisation: my_policy should give False (a Python bool) for {_org}, got {_got!r}"

# %%
def test_q2_4(my_policy):
    from facecourse.breach import portal
    _U = portal.User
    for _role in ("admin", "Staff", "", "customer "):
        _got = my_policy(_U("x", "SYN-0005", _role), "SYN-0005")
        assert _got is False, \
            f"an unknown role ({_role!r}) must be refused (fail closed): my_policy should give False (a Python bool), got {_got!r}"
    try:
        _none = my_policy(None, "SYN-0005")
    except Exception as _e:
        _none = _e
    assert _none is False, f"my_policy(None, ...) must give False (nobody is logged in), not {_none!r}"

# %%
def test_q2_5(my_policy, clients):
    import requests
    from facecourse.breach import portal
    with portal.Portal(policy=my_policy, clients=clients) as _fixed:
        _ben = portal.login(_fixed.url, "ben", "lab-pass-ben")
        _r = requests.get(_fixed.url + "/api/clients/SYN-0001", headers=portal.bearer(_ben), timeout=10)
        _own = requests.get(_fixed.url + "/api/clients/SYN-0002", headers=portal.bearer(_ben), timeout=10)
    assert _r.status_code == 403 and _own.status_code == 200, \
        "on the portal, ben must be refused SYN-0001 (403) and allowed his own SYN-0002 (200)"

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q2_hidden_1(my_policy, clients):
    import requests
    from facecourse.breach import portal
    with portal.Portal(policy=my_policy, clients=clients) as _fixed:
        _ben = portal.login(_fixed.url, "ben", "lab-pass-ben")
        _r = requests.get(_fixed.url + "/api/clients/SYN-0001", headers=portal.bearer(_ben), timeout=10)
        _own = requests.get(_fixed.url + "/api/clients/SYN-0002", headers=portal.bearer(_ben), timeout=10)
    _H = portal.User
    assert my_policy(_H("y", "SYN-0100", "customer"), "SYN-0100") is True
    assert my_policy(_H("y", "SYN-0100", "customer"), "SYN-0101") is False
    assert my_policy(_H("y", "SYN-0100", "staff"), "SYN-0999") is True
    assert my_policy(_H("y", "SYN-0100", "suspended"), "SYN-0101") is False
    assert my_policy(_H("y", "SYN-0100", "root"), "SYN-0100") is False
    assert my_policy(_H("y", "SYN-0100", "STAFF"), "SYN-0101") is False

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 3: the alert
#
# Write `enumeration_suspects(log, max_denied=5)`: given an audit table like
# `portal.AuditLog().table()` (columns include `user` and `allowed`), return the **sorted list** of
# users with **more than** `max_denied` refused decisions (`allowed` is `False`). Ignore rows whose
# user is missing (failed logins).

# %% [raw]
# # BEGIN QUESTION
# name: q3
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
def enumeration_suspects(log, max_denied=5):
    # BEGIN SOLUTION
    denied = log[(log["allowed"] == False) & log["user"].notna()]  # noqa: E712
    counts = denied.groupby("user").size()
    return sorted(counts[counts > max_denied].index)
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q3_1(enumeration_suspects):
    import pandas as pd
    from facecourse.checks import answered
    answered("q3", enumeration_suspects=enumeration_suspects)
    _log = pd.DataFrame({"user": ["eve"] * 7 + ["ana"], "allowed": [False] * 7 + [True]})
    assert list(enumeration_suspects(_log)) == ["eve"], "eve has 7 refusals (more than 5): she is the only suspect"

# %%
def test_q3_2(enumeration_suspects):
    import pandas as pd
    _log = pd.DataFrame({"user": ["eve"] * 7 + ["ana"], "allowed": [False] * 7 + [True]})
    _log = pd.DataFrame({"user": ["zoe"] * 6 + ["kim"] * 5 + ["amy"] * 9,
                         "allowed": [False] * 6 + [False] * 5 + [True] * 9})
    assert list(enumeration_suspects(_log)) == ["zoe"], \
        "exactly 5 refusals is not MORE than 5 (kim), and allowed decisions do not count (amy)"
    assert list(enumeration_suspects(_log, max_denied=4)) == ["kim", "zoe"], \
        "with max_denied=4 both kim and zoe are suspects, returned as a sorted list"

# %%
def test_q3_3(enumeration_suspects):
    import pandas as pd
    _log = pd.DataFrame({"user": ["eve"] * 7 + ["ana"], "allowed": [False] * 7 + [True]})
    _log = pd.DataFrame({"user": ["zoe"] * 6 + ["kim"] * 5 + ["amy"] * 9,
                         "allowed": [False] * 6 + [False] * 5 + [True] * 9})
    _log = pd.DataFrame({"user": [None] * 8 + ["bob"] * 2, "allowed": [False] * 10})
    assert list(enumeration_suspects(_log, max_denied=1)) == ["bob"], \
        "rows without a user (failed logins) must be ignored, not counted as a suspect"
    assert list(enumeration_suspects(_log.iloc[:0])) == [], "an empty log has no suspects: return an empty list"
    assert isinstance(enumeration_suspects(_log), list), "enumeration_suspects must return a list"

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q3_hidden_1(enumeration_suspects):
    import pandas as pd
    _log = pd.DataFrame({"user": ["eve"] * 7 + ["ana"], "allowed": [False] * 7 + [True]})
    _log = pd.DataFrame({"user": ["zoe"] * 6 + ["kim"] * 5 + ["amy"] * 9,
                         "allowed": [False] * 6 + [False] * 5 + [True] * 9})
    _log = pd.DataFrame({"user": [None] * 8 + ["bob"] * 2, "allowed": [False] * 10})
    _log = pd.DataFrame({"user": ["eve"] * 5 + ["mal"] * 6 + [None] * 9 + ["ana"] * 3,
                         "allowed": [False] * 20 + [True] * 3})
    assert enumeration_suspects(_log) == ["mal"]
    assert enumeration_suspects(_log, max_denied=4) == ["eve", "mal"]
    assert enumeration_suspects(_log.iloc[:0]) == []

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 4 (written): why on the server?
#
# A developer proposes a quicker fix: the app stops showing other organisations' ids, and the
# request carries `"role": "customer"` so the server knows what to show. In three to five
# sentences, explain why this does not fix the flaw and what does.

# %% [raw]
# # BEGIN QUESTION
# name: q4
# manual: true
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# **Model answer.** The attacker does not use the app: they send their own HTTP requests, so hiding ids in the user
# interface changes nothing, and ids that follow a pattern can be guessed anyway. A role sent by
# the client is attacker-controlled: they will send "staff". The server must take the user's
# identity and role from its own records (the session token) and check, on every request and
# before returning any record, that this user may see this record. Only a test that runs the
# exploit against the server and sees it fail shows the fix works.
#
# **Rubric (2 points).**
# * 1 point: why the proposal fails: the attacker sends their own HTTP requests, not through the app,
#   so hiding ids in the interface changes nothing (ids that follow a pattern can be guessed anyway),
#   and a role sent by the client is attacker-controlled (they will send "staff").
# * 1 point: what fixes it: the server takes the user's identity and role from its own records (the
#   session token) and checks, on every request and before returning any record, that this user may
#   see this record; a test that runs the exploit against the server and sees it refused shows the fix
#   works.
#
# **Common weak answers.**
# * "Use random ids that cannot be guessed": 1 of 2 points at most (unguessable ids help, but they are
#   not a permission check).
# * "Check the role on the server", with the role still read from the request: loses the second point.
# * "Add a log-in", with no check of each record against the user: loses the second point.

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION
