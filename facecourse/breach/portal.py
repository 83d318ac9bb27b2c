"""The access-control lab: a small client portal with a broken authorisation check.

A face-search vendor's customers log in to a portal that shows their own organisation's record:
how many accounts it has and how many searches they ran. The portal serves the SYNTHETIC client
list on 127.0.0.1 only, started and stopped by the notebook:

    >>> with Portal(policy=authenticated_only) as portal:        # the vulnerable version  # doctest: +SKIP
    ...     token = login(portal.url, "ana", "lab-pass-ana")
    ...     requests.get(portal.url + "/api/clients", headers=bearer(token)).json()   # everybody's data

HTTP API (JSON):
    POST /login             {"username", "password"} -> {"token", "org_id"}
    GET  /api/me            who the token belongs to
    GET  /api/clients       every client record the policy lets this user see
    GET  /api/clients/<id>  one record: 401 without a valid token, 403 if the policy says no, 404 if unknown

The whole lesson is the ``policy``: a function ``(user, org_id) -> bool`` that the server calls
before it returns any record. ``authenticated_only`` is the flaw (it checks *who you are*, never
*what you may see*: OWASP API1:2023, broken object level authorisation); ``same_organisation``
is the fix. An ``AuditLog`` records every decision so that abuse can be seen afterwards.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Callable

import pandas as pd

from ..webserver import LoopbackServer, Request, Response, ServedApp
from .clients import LABEL, synthetic_clients

RECORD_FIELDS = ["org_id", "name", "sector", "country", "state", "accounts", "searches", "plan", "first_search",
                 "last_search", "synthetic"]
_CLIENT_PATH = re.compile(r"^/api/clients/([A-Za-z0-9_-]{1,40})$")


@dataclass(frozen=True)
class User:
    """A portal user as the server knows them (from its own records, never from the request).

    ``username``; ``org_id``, the organisation they belong to (``"SYN-0001"``...); ``role``: the lab
    accounts are ``"customer"`` (a client's employee) or ``"staff"`` (the vendor's support team);
    exercise C3 adds ``"suspended"`` (a customer whose contract ended). A policy receives a User
    (or None when nobody is logged in).

    >>> same_organisation(User("ana", "SYN-0001", "customer"), "SYN-0002")
    False
    """
    username: str
    org_id: str
    role: str = "customer"


Policy = Callable[[User, str], bool]


def authenticated_only(user: User, org_id: str) -> bool:
    """THE FLAW: any logged-in user may read any organisation's record.

    A policy is a function ``(user, org_id) -> bool`` that the server calls before it returns a record.

    >>> authenticated_only(User("ana", "SYN-0001"), "SYN-0002")     # another customer's record
    True
    """
    return user is not None


def same_organisation(user: User, org_id: str) -> bool:
    """The fix: customers see only their own organisation; vendor staff see all.

    >>> same_organisation(User("ana", "SYN-0001"), "SYN-0001"), same_organisation(User("sam", "SYN-0001", "staff"), "SYN-0042")
    (True, True)
    """
    return user is not None and (user.role == "staff" or user.org_id == org_id)


class AuditLog:
    """Who asked for what, when, and what the policy decided. Thread-safe; read it with ``table()``.

    Pass one to ``Portal(..., audit=log)``; every login, listing and read is recorded. ``table()``
    returns a DataFrame with columns ``seq, time, user, action, org_id, allowed, status``
    (``user`` is None for failed logins and requests without a valid token).

    >>> log = AuditLog(); log.record(user="ana", action="read", org_id="SYN-0002", allowed=False, status=403)
    >>> log.table()[["user", "allowed", "status"]].values.tolist()
    [['ana', False, 403]]
    """

    def __init__(self):
        self._rows: list[dict] = []
        self._lock = threading.Lock()

    def record(self, **event) -> None:
        with self._lock:
            self._rows.append({"seq": len(self._rows) + 1, "time": time.time(), **event})

    def table(self) -> pd.DataFrame:
        with self._lock:
            rows = list(self._rows)
        cols = ["seq", "time", "user", "action", "org_id", "allowed", "status"]
        return pd.DataFrame(rows, columns=cols)

    def __len__(self) -> int:
        return len(self._rows)


def _hash(password: str, salt: bytes) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, 20_000)


# Lab accounts: two customers at two (synthetic) organisations and one of the vendor's support staff.
LAB_ACCOUNTS = [("ana", "lab-pass-ana", 0, "customer"), ("ben", "lab-pass-ben", 1, "customer"),
                ("sam", "lab-pass-sam", 0, "staff")]


class Portal(ServedApp):
    """The client portal, served on 127.0.0.1 while used as a context manager (or between start/stop).

    Parameters: ``policy`` ``(user, org_id) -> bool`` (default: the flawed ``authenticated_only``);
    ``clients``, the table to serve (default ``synthetic_clients()``; the lab accounts belong to its
    first two organisations); ``audit``, an ``AuditLog`` or None. ``url`` is the base address once
    started. Raises TypeError for a policy that is not callable; a policy that returns anything but a
    bool makes the server answer 500.

    >>> with Portal(policy=same_organisation) as p:                # doctest: +SKIP
    ...     token = login(p.url, "ana", "lab-pass-ana")
    ...     requests.get(p.url + "/api/clients/SYN-0002", headers=bearer(token)).status_code
    403
    """

    def __init__(self, policy: Policy = authenticated_only, clients: pd.DataFrame | None = None,
                 audit: AuditLog | None = None):
        if not callable(policy):
            raise TypeError(f"policy must be a function (user, org_id) -> bool, not {type(policy).__name__}")
        if audit is not None and not isinstance(audit, AuditLog):
            raise TypeError(f"audit must be an AuditLog or None, not {type(audit).__name__}")
        self.policy = policy
        self.audit = audit
        clients = synthetic_clients() if clients is None else clients
        missing = set(RECORD_FIELDS) - set(clients.columns)
        if missing:
            raise ValueError(f"clients lacks column(s) {sorted(missing)}; pass synthetic_clients() or leave it out")
        self._records = {r["org_id"]: r for r in clients[RECORD_FIELDS].astype(
            {"accounts": int, "searches": int}).to_dict("records")}
        orgs = list(self._records)
        self._users: dict[str, tuple[bytes, bytes, User]] = {}
        for name, password, org_index, role in LAB_ACCOUNTS:
            salt = hashlib.sha256(name.encode()).digest()[:16]
            self._users[name] = (salt, _hash(password, salt), User(name, orgs[org_index], role))
        self._tokens: dict[str, User] = {}
        self._server = LoopbackServer(self._app)

    # --- the lab's public surface
    def user(self, username: str) -> User:
        return self._users[username][2]

    # --- the server
    def _log(self, user: User | None, action: str, org_id: str | None, allowed: bool | None, status: int) -> None:
        if self.audit is not None:
            self.audit.record(user=user.username if user else None, action=action, org_id=org_id, allowed=allowed,
                              status=status)

    def _allowed(self, user: User, org_id: str) -> bool:
        decision = self.policy(user, org_id)
        if not isinstance(decision, bool):
            raise TypeError(f"the policy must return True or False, it returned {decision!r}")
        return decision

    def _app(self, req: Request) -> Response:
        if req.path == "/login" and req.method == "POST":
            return self._login(req)
        if not req.path.startswith("/api/"):
            return Response.json({"error": "not found"}, 404)
        if req.method != "GET":
            return Response.json({"error": "method not allowed"}, 405, Allow="GET")
        auth = req.headers.get("authorization", "")
        user = self._tokens.get(auth[7:]) if auth.startswith("Bearer ") else None
        if user is None:
            self._log(None, req.path, None, None, 401)
            return Response.json({"error": "log in first: POST /login, then send 'Authorization: Bearer <token>'"},
                                 401, **{"WWW-Authenticate": "Bearer"})
        if req.path == "/api/me":
            return Response.json({"username": user.username, "org_id": user.org_id, "role": user.role})
        if req.path == "/api/clients":
            visible = [r for oid, r in self._records.items() if self._allowed(user, oid)]
            self._log(user, "list", None, True, 200)
            return Response.json({"label": LABEL, "count": len(visible), "clients": visible})
        m = _CLIENT_PATH.match(req.path)
        if not m:
            return Response.json({"error": "not found"}, 404)
        org_id = m.group(1)
        if not self._allowed(user, org_id):  # decide before looking up: no hint whether the id exists
            self._log(user, "read", org_id, False, 403)
            return Response.json({"error": "you may not see this organisation"}, 403)
        record = self._records.get(org_id)
        status = 200 if record else 404
        self._log(user, "read", org_id, True, status)
        return Response.json({"label": LABEL, **record} if record else {"error": "no such organisation"}, status)

    def _login(self, req: Request) -> Response:
        body = req.json()
        if not isinstance(body, dict) or not isinstance(body.get("username"), str) \
                or not isinstance(body.get("password"), str):
            return Response.json({"error": 'send JSON: {"username": "...", "password": "..."}'}, 400)
        entry = self._users.get(body["username"])
        salt = entry[0] if entry else b"\0" * 16
        ok = hmac.compare_digest(_hash(body["password"], salt), entry[1] if entry else b"")
        if not (entry and ok):
            self._log(None, "login failed", None, False, 401)
            return Response.json({"error": "wrong username or password"}, 401)
        token = secrets.token_urlsafe(24)
        self._tokens[token] = entry[2]
        self._log(entry[2], "login", entry[2].org_id, True, 200)
        return Response.json({"token": token, "org_id": entry[2].org_id})


def bearer(token: str) -> dict:
    """The header that carries a login token: ``bearer("abc")`` -> ``{"Authorization": "Bearer abc"}``.

    >>> bearer("abc")
    {'Authorization': 'Bearer abc'}
    """
    return {"Authorization": f"Bearer {token}"}


def login(url: str, username: str, password: str) -> str:
    """Log in to a running portal (``POST /login``) and return the token.

    Raises PermissionError with the server's message when the name or password is wrong.

    >>> token = login(portal.url, "ana", "lab-pass-ana")          # doctest: +SKIP
    """
    import requests

    r = requests.post(url + "/login", json={"username": username, "password": password}, timeout=10)
    if r.status_code != 200:
        raise PermissionError(f"login as {username!r} failed ({r.status_code}): {r.json().get('error')}")
    return r.json()["token"]
