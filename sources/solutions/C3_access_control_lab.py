# %% [raw]
# # ASSIGNMENT CONFIG
# name: C3_access_control_lab
# init_cell: true
# check_all_cell: true
# export_cell: false
# tests:
#   files: false

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
# **Estimated time.** 30 minutes.
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
# Start the vulnerable portal (`policy=portal.authenticated_only`), log in as **ben**
# (password `lab-pass-ben`), and use the listing endpoint to store in `leaked_count` the number of
# organisations ben can read and in `leaked_searches` the total of their `searches`. Stop the
# portal when you are done (a `with` block does it for you).

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
leaked_count = leaked_searches = None  # your answers replace these
# BEGIN SOLUTION
with portal.Portal(policy=portal.authenticated_only, clients=clients) as vulnerable:
    token = portal.login(vulnerable.url, "ben", "lab-pass-ben")
    listing = requests.get(vulnerable.url + "/api/clients", headers=portal.bearer(token), timeout=10).json()
leaked_count = listing["count"]
leaked_searches = sum(c["searches"] for c in listing["clients"])
# END SOLUTION
leaked_count, leaked_searches

# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
assert leaked_count > 1, "ben should be able to read more than his own organisation"

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
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
# (sees every organisation) and `"suspended"` (a customer whose contract ended: sees nothing).
# Write `my_policy(user, org_id)` returning `True` or `False`. Refuse anything you do not
# recognise, including `user=None` and unknown roles: a policy must fail closed.

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
with portal.Portal(policy=my_policy, clients=clients) as _fixed:
    _ben = portal.login(_fixed.url, "ben", "lab-pass-ben")
    _r = requests.get(_fixed.url + "/api/clients/SYN-0001", headers=portal.bearer(_ben), timeout=10)
assert _r.status_code == 403, "ben must not read organisation SYN-0001"

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
_U = portal.User
assert my_policy(_U("x", "SYN-0005", "customer"), "SYN-0005") is True
assert my_policy(_U("x", "SYN-0005", "customer"), "SYN-0006") is False
assert my_policy(_U("x", "SYN-0005", "staff"), "SYN-0006") is True
assert my_policy(_U("x", "SYN-0005", "suspended"), "SYN-0005") is False
assert my_policy(_U("x", "SYN-0005", "admin"), "SYN-0005") is False
assert my_policy(None, "SYN-0005") is False


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
_log = pd.DataFrame({"user": ["eve"] * 7 + ["ana"], "allowed": [False] * 7 + [True]})
assert enumeration_suspects(_log) == ["eve"]

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
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
# The attacker does not use the app: they send their own HTTP requests, so hiding ids in the user
# interface changes nothing, and ids that follow a pattern can be guessed anyway. A role sent by
# the client is attacker-controlled: they will send "staff". The server must take the user's
# identity and role from its own records (the session token) and check, on every request and
# before returning any record, that this user may see this record. Only a test that runs the
# exploit against the server and sees it fail shows the fix works.

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION
