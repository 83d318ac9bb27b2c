"""Wrong answers a weak student would give in exercise C3; each must fail its public check."""

WRONG = {
    "q1": {
        "no HTTP at all: len(clients) and the local searches": '''
def run_exploit(url, username, password):
    return len(clients), int(clients["searches"].sum())
leaked_count, leaked_searches = len(clients), int(clients["searches"].sum())
''',
        "reads only the user's own record": '''
def run_exploit(url, username, password):
    token = portal.login(url, username, password)
    me = requests.get(url + "/api/me", headers=portal.bearer(token), timeout=10).json()
    own = requests.get(url + "/api/clients/" + me["org_id"], headers=portal.bearer(token), timeout=10).json()
    return 1, own["searches"]
with portal.Portal(policy=portal.authenticated_only, clients=clients) as _v:
    leaked_count, leaked_searches = run_exploit(_v.url, "ben", "lab-pass-ben")
''',
        "sums accounts instead of searches": '''
def run_exploit(url, username, password):
    token = portal.login(url, username, password)
    listing = requests.get(url + "/api/clients", headers=portal.bearer(token), timeout=10).json()
    return listing["count"], sum(c["accounts"] for c in listing["clients"])
with portal.Portal(policy=portal.authenticated_only, clients=clients) as _v:
    leaked_count, leaked_searches = run_exploit(_v.url, "ben", "lab-pass-ben")
''',
        "enumerates the first 50 ids instead of using the listing": '''
def run_exploit(url, username, password):
    token = portal.login(url, username, password)
    found = []
    for i in range(1, 51):
        r = requests.get(f"{url}/api/clients/SYN-{i:04d}", headers=portal.bearer(token), timeout=10)
        if r.status_code == 200:
            found.append(r.json())
    return len(found), sum(c["searches"] for c in found)
with portal.Portal(policy=portal.authenticated_only, clients=clients) as _v:
    leaked_count, leaked_searches = run_exploit(_v.url, "ben", "lab-pass-ben")
''',
        "always logs in as ana, whatever user it is given": '''
def run_exploit(url, username, password):
    token = portal.login(url, "ana", "lab-pass-ana")
    listing = requests.get(url + "/api/clients", headers=portal.bearer(token), timeout=10).json()
    return listing["count"], sum(c["searches"] for c in listing["clients"])
with portal.Portal(policy=portal.authenticated_only, clients=clients) as _v:
    leaked_count, leaked_searches = run_exploit(_v.url, "ben", "lab-pass-ben")
''',
    },
    "q2": {
        "None, not False, for a suspended account": '''
def my_policy(user, org_id):
    if user is None:
        return False
    if user.role == "suspended":
        return None
    if user.role == "staff":
        return True
    if user.role == "customer":
        return user.org_id == org_id
    return False
''',
        "refuses everything (return False)": '''
def my_policy(user, org_id):
    return False
''',
        "fail-open: anything but a customer may read everything": '''
def my_policy(user, org_id):
    if user is None:
        return False
    if user.role == "customer":
        return user.org_id == org_id
    return True
''',
        "a suspended account still reads its own organisation": '''
def my_policy(user, org_id):
    if user is None:
        return False
    if user.role == "staff":
        return True
    return user.org_id == org_id
''',
        "the original flaw: any logged-in user": '''
def my_policy(user, org_id):
    return user is not None
''',
        "crashes on user=None": '''
def my_policy(user, org_id):
    if user.role == "staff":
        return True
    if user.role == "customer":
        return user.org_id == org_id
    return False
''',
        "forgets staff": '''
def my_policy(user, org_id):
    return user is not None and user.role == "customer" and user.org_id == org_id
''',
    },
    "q3": {
        ">= instead of >": '''
def enumeration_suspects(log, max_denied=5):
    denied = log[(log["allowed"] == False) & log["user"].notna()]
    counts = denied.groupby("user").size()
    return sorted(counts[counts >= max_denied].index)
''',
        "counts every decision, allowed or not": '''
def enumeration_suspects(log, max_denied=5):
    counts = log[log["user"].notna()].groupby("user").size()
    return sorted(counts[counts > max_denied].index)
''',
        "ignores max_denied (always 5)": '''
def enumeration_suspects(log, max_denied=5):
    denied = log[(log["allowed"] == False) & log["user"].notna()]
    counts = denied.groupby("user").size()
    return sorted(counts[counts > 5].index)
''',
        "not sorted (order of appearance)": '''
def enumeration_suspects(log, max_denied=5):
    denied = log[(log["allowed"] == False) & log["user"].notna()]
    counts = denied["user"].value_counts(sort=False)
    return [u for u in dict.fromkeys(denied["user"]) if counts[u] > max_denied]
''',
        "counts failed logins (no user) as a suspect": '''
def enumeration_suspects(log, max_denied=5):
    denied = log[log["allowed"] == False]
    counts = denied["user"].fillna("(unknown)").value_counts()
    return sorted(counts[counts > max_denied].index)
''',
        "returns a set": '''
def enumeration_suspects(log, max_denied=5):
    denied = log[(log["allowed"] == False) & log["user"].notna()]
    counts = denied.groupby("user").size()
    return set(counts[counts > max_denied].index)
''',
    },
}

# Right answers in another form that must PASS.
RIGHT = {
    "q1": {"counts with the 'count' field and NumPy sum": '''
def run_exploit(url, username, password):
    token = portal.login(url, username, password)
    listing = requests.get(url + "/api/clients", headers=portal.bearer(token), timeout=10).json()
    return listing["count"], pd.DataFrame(listing["clients"])["searches"].sum()
with portal.Portal(policy=portal.authenticated_only, clients=clients) as _v:
    leaked_count, leaked_searches = run_exploit(_v.url, "ben", "lab-pass-ben")
'''},
    "q2": {"role table, fail closed": '''
def my_policy(user, org_id):
    if not isinstance(user, portal.User):
        return False
    rules = {"staff": lambda: True, "customer": lambda: user.org_id == org_id}
    return bool(rules.get(user.role, lambda: False)())
'''},
    "q3": {"value_counts": '''
def enumeration_suspects(log, max_denied=5):
    counts = log.loc[~log["allowed"].astype(bool), "user"].dropna().value_counts()
    return sorted(counts[counts > max_denied].index.tolist())
'''},
}
