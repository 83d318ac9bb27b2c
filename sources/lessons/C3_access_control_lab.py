# %% [markdown]
# # C3. Security lab: the authorisation check that leaks a customer list
#
# **Why this matters.** How the intruder got in was never made public, so this lab does not
# re-enact the Clearview breach. It teaches the most common way a web service leaks other
# customers' data: the server checks *who you are* but never checks *whether this record is yours*.
# OWASP ranks it first among API security risks (API1:2023, broken object level authorisation).
#
# **Learning objectives.** After this lesson you can
# 1. start a local service from a notebook and talk to it with HTTP requests;
# 2. find a broken authorisation check by asking for records that are not yours;
# 3. fix it on the server, where the decision belongs, and prove with requests that the exploit now fails;
# 4. add an audit log and read it to spot someone enumerating records.
#
# **Prerequisites.** `lessons/C2_what_leaked.ipynb`; what an HTTP request and a JSON response are.
#
# **Estimated time.** 30 minutes.

# %% [markdown]
# ## The portal
#
# `facecourse.breach.portal.Portal` is a small client portal for a face-search vendor. It serves
# the **synthetic** client list from lesson C2, on 127.0.0.1 only (nothing outside this machine
# can reach it), and it stops when the `with` block ends. Three lab accounts exist:
#
# | user | password | who |
# |---|---|---|
# | `ana` | `lab-pass-ana` | an employee of one client organisation |
# | `ben` | `lab-pass-ben` | an employee of another client |
# | `sam` | `lab-pass-sam` | the vendor's support staff |
#
# The API: `POST /login` returns a token; `GET /api/me` says who you are; `GET /api/clients/<id>`
# returns one organisation's record; `GET /api/clients` lists every record you may see.
#
# Every decision the server makes about *which* records a user may see goes through one function,
# the **policy** `(user, org_id) -> bool`. The portal ships with this one:

# %%
import inspect

import requests
from IPython.display import Markdown

from facecourse.breach import portal
from facecourse.breach.clients import synthetic_clients

print(inspect.getsource(portal.authenticated_only))

# %% [markdown]
# Read it closely: it returns `True` for *any* logged-in user. That is authentication (you are
# somebody) standing in for authorisation (you may see this).
#
# A policy is a plain function, so you can call it directly, without a server. The server passes
# a `portal.User(username, org_id, role)` built from its own records (or `None` when nobody is
# logged in):

# %%
ana_user = portal.User("ana", "SYN-0001", "customer")
portal.authenticated_only(ana_user, "SYN-0001"), portal.authenticated_only(ana_user, "SYN-0002")

# %% [markdown]
# Both `True`: the flawed policy never looks at `org_id`.
#
# ## Attack: ask for what is not yours
#
# Start the vulnerable portal, log in as `ana`, and look at her own record first.

# %%
clients = synthetic_clients()
vulnerable = portal.Portal(policy=portal.authenticated_only, clients=clients).start()
token = portal.login(vulnerable.url, "ana", "lab-pass-ana")
me = requests.get(vulnerable.url + "/api/me", headers=portal.bearer(token), timeout=10).json()
me

# %%
own = requests.get(f"{vulnerable.url}/api/clients/{me['org_id']}", headers=portal.bearer(token), timeout=10)
own.status_code, own.json()["name"], own.json()["searches"]

# %% [markdown]
# Organisation ids are sequential (`SYN-0001`, `SYN-0002`, ...), so an attacker simply tries the
# next one. Ana's organisation is `SYN-0001`; what about `SYN-0002`?

# %%
other = requests.get(f"{vulnerable.url}/api/clients/SYN-0002", headers=portal.bearer(token), timeout=10)
other.status_code, other.json()["name"], other.json()["searches"]

# %% [markdown]
# Status 200: another customer's record. One request per id would dump the whole table, and the
# listing endpoint does it in one go:

# %%
listing = requests.get(vulnerable.url + "/api/clients", headers=portal.bearer(token), timeout=10).json()
leaked = sum(c["searches"] for c in listing["clients"])
print(f"ana can read {listing['count']:,} organisations' records with {leaked:,} searches between them")
print(listing["label"])

# %%
vulnerable.stop()

# %% [markdown]
# `start()` and `stop()` must come in pairs: a cell that fails between them leaves the server
# running. A `with` block does both for you: the portal starts when the block begins and stops when
# it ends, even if a line inside fails. The same attack, in one block:

# %%
with portal.Portal(policy=portal.authenticated_only, clients=clients) as lab:
    token_in_block = portal.login(lab.url, "ana", "lab-pass-ana")
    everyone = requests.get(lab.url + "/api/clients", headers=portal.bearer(token_in_block), timeout=10).json()
everyone["count"]  # read after the block: the portal has already stopped

# %% [markdown]
# That is the shape of the February 2020 loss: every customer, their account counts and their
# search counts, to someone who should have seen one row.
#
# ## Fix it on the server
#
# Hiding a button in the app, or trusting a `role` the client sends, fixes nothing: an attacker
# writes their own requests, as we just did. The check belongs on the server, on every request,
# before any record is returned. The fixed policy:

# %%
print(inspect.getsource(portal.same_organisation))

# %% [markdown]
# The same calls as before now give different answers; vendor staff (`role="staff"`) still pass:

# %%
(portal.same_organisation(ana_user, "SYN-0001"), portal.same_organisation(ana_user, "SYN-0002"),
 portal.same_organisation(portal.User("sam", "SYN-0001", "staff"), "SYN-0002"))

# %% [markdown]
# We restart the portal with the fixed policy, and this time with an **audit log**: a record of
# every decision, which the vulnerable portal did not keep (after a breach, the first question is
# "who read what?").

# %%
audit = portal.AuditLog()
fixed = portal.Portal(policy=portal.same_organisation, clients=clients, audit=audit).start()
token = portal.login(fixed.url, "ana", "lab-pass-ana")


def get(path, token=token):
    return requests.get(fixed.url + path, headers=portal.bearer(token), timeout=10)


print("own record:", get("/api/clients/SYN-0001").status_code)
print("someone else's:", get("/api/clients/SYN-0002").status_code)
print("listing shows:", get("/api/clients").json()["count"], "organisation(s)")

# %% [markdown]
# 403 for someone else's record, and the listing shows one organisation. The server decides before
# it looks the id up, so a made-up id gets the same 403 as a real one: the attacker cannot even
# learn which ids exist. Support staff still see everything, as their job requires:

# %%
staff = portal.login(fixed.url, "sam", "lab-pass-sam")
get("/api/clients", token=staff).json()["count"]

# %% [markdown]
# ## Prove it, then watch for it
#
# A fix is only as good as the test that would fail without it. Let Ana try to enumerate the ids
# `SYN-0001` to `SYN-0050` and count what gets through:

# %%
statuses = [get(f"/api/clients/SYN-{i:04d}").status_code for i in range(1, 51)]
outcome = {code: statuses.count(code) for code in sorted(set(statuses))}
outcome

# %%
Markdown(f"Of {len(statuses)} requests, {outcome.get(200, 0)} succeeded (her own record) and {outcome.get(403, 0)} "
         "were refused. The same check runs on every commit in `tests/breach/test_breach.py`, against both versions "
         "of the portal: the exploit must work on the vulnerable one and fail on the fixed one.")

# %% [markdown]

# The audit log shows the attempt plainly:

# %%
log = audit.table()
log.drop(columns="time").tail(5)

# %% [markdown]
# Each row is one decision: `user` (None for a request without a valid login), `action`,
# `org_id`, `allowed` and the HTTP `status`. Grouping by user and decision counts who was refused
# how often (`dropna=False` keeps the rows without a user):

# %%
decisions = log.groupby(["user", "allowed"], dropna=False).size().rename("decisions").reset_index()
decisions

# %%
fixed.stop()
ana_log = log[log["user"] == "ana"]
refused = ana_log["allowed"].eq(False)
longest_run = int(refused.groupby((~refused).cumsum()).sum().max())  # the longest stretch of refusals in a row
Markdown(f"The log counts {int(refused.sum())} refusals for Ana: the {outcome.get(403, 0)} of the enumeration and "
         f"{int(refused.sum()) - outcome.get(403, 0)} from her earlier request for `SYN-0002`; the longest run of "
         f"refusals in a row is {longest_run}. That many refusals from one user is not an accident. An audit log turns "
         "a silent breach into an alert; in the exercise you write the function that raises it.")

# %% [markdown]
#
# ## Summary
#
# * Authentication says who you are; authorisation says what you may see. Check both, on the server, for every object.
# * Sequential ids make enumeration trivial, but random ids are no fix by themselves: the check is the fix.
# * Test the exploit: it must succeed against the vulnerable version and fail against the fixed one.
# * Keep an audit log of access decisions, and read it.
# * Exercise: `exercises/C3_access_control_lab.ipynb`. Next lesson: `lessons/C4_harms_policy.ipynb`.
