"""The simulated organization: repositories, files, protection, issues and labels, loaded from a seed file.

The seed format is a compact, human-editable description of an organization (see `githubsim/seeds/demo.json`);
this module turns it into mutable state that the handlers read and write under one lock. Ids, node ids and blob
shas are derived deterministically from names so that bodies (and therefore ETags) are stable across restarts.
"""
from __future__ import annotations

import copy
import hashlib
import threading
from dataclasses import dataclass, field
from typing import Any

DEFAULT_TS = "2024-01-15T10:00:00Z"


def stable_id(*parts: object) -> int:
    """A positive 31-bit id derived from names, so a reseeded server answers with the same ids."""
    digest = hashlib.sha1("/".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF or 1


def blob_sha(content: str) -> str:
    data = content.encode()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class Label:
    name: str
    color: str = "ededed"
    description: str | None = None
    id: int = 0


@dataclass
class Comment:
    id: int
    body: str
    user: str
    created_at: str


@dataclass
class Issue:
    number: int
    title: str
    body: str | None
    user: str
    state: str = "open"
    state_reason: str | None = None
    labels: list[str] = field(default_factory=list)
    created_at: str = DEFAULT_TS
    updated_at: str = DEFAULT_TS
    closed_at: str | None = None
    comments: list[Comment] = field(default_factory=list)


@dataclass
class Repo:
    name: str
    id: int
    description: str | None = None
    visibility: str = "public"
    archived: bool = False
    fork: bool = False
    topics: list[str] = field(default_factory=list)
    default_branch: str = "main"
    branches: list[str] = field(default_factory=list)
    created_at: str = DEFAULT_TS
    updated_at: str = DEFAULT_TS
    pushed_at: str = DEFAULT_TS
    has_issues: bool = True
    has_wiki: bool = False
    has_projects: bool = False
    has_discussions: bool = False
    is_template: bool = False
    delete_branch_on_merge: bool = False
    allow_forking: bool = True
    web_commit_signoff_required: bool = False
    language: str | None = None
    homepage: str | None = None
    license: str | None = None  # SPDX-ish key: "mit", "apache-2.0", ...
    security_and_analysis: dict[str, Any] | None = None
    vulnerability_alerts: bool = False
    files: dict[str, str] = field(default_factory=dict)
    branch_protection: dict[str, dict[str, Any]] = field(default_factory=dict)
    rulesets: list[dict[str, Any]] = field(default_factory=list)
    collaborators: list[dict[str, Any]] = field(default_factory=list)  # {login, permission, outside}
    custom_properties: dict[str, Any] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    labels: dict[str, Label] = field(default_factory=dict)  # key: lower-case name
    size: int = 100
    stargazers_count: int = 0

    @property
    def private(self) -> bool:
        return self.visibility != "public"

    def all_branches(self) -> list[str]:
        return [self.default_branch] + [b for b in self.branches if b != self.default_branch]

    def tree_sha(self) -> str:
        listing = "\n".join(f"{p}:{blob_sha(c)}" for p, c in sorted(self.files.items()))
        return hashlib.sha1(listing.encode()).hexdigest()


@dataclass
class AppConfig:
    id: int
    slug: str = "policy-enforcer"
    name: str = "Policy Enforcer"
    public_key_pem: str | None = None
    installations: dict[int, str] = field(default_factory=dict)  # installation id -> account login
    token_ttl_seconds: int = 3600


_REPO_FIELDS = {f for f in Repo.__dataclass_fields__} - {"issues", "labels", "id", "name"}


class SimState:
    """Everything the server knows; all access goes through `lock` (handlers are called from many threads)."""

    def __init__(self, seed: dict[str, Any]) -> None:
        self.lock = threading.RLock()
        self.seed = copy.deepcopy(seed)
        self._load(self.seed)

    def _load(self, seed: dict[str, Any]) -> None:
        org = seed.get("org") or {"login": "acme"}
        self.org_login: str = org["login"]
        self.org: dict[str, Any] = {"id": stable_id("org", self.org_login), "name": None, "description": None,
                                    "created_at": DEFAULT_TS, **org}
        self.html_base: str = seed.get("html_base", "https://github.com")
        self.users: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, str] = {}  # token -> login
        for entry in seed.get("tokens") or [{"token": "ghp_simtoken", "login": "policy-bot"}]:
            self.tokens[entry["token"]] = entry["login"]
            self.user(entry["login"])
        app = seed.get("app")
        self.app: AppConfig | None = None
        if app:
            self.app = AppConfig(id=int(app["id"]), slug=app.get("slug", "policy-enforcer"),
                                 name=app.get("name", "Policy Enforcer"), public_key_pem=app.get("public_key_pem"),
                                 installations={int(i["id"]): i.get("account", self.org_login)
                                                for i in app.get("installations", [{"id": 1}])},
                                 token_ttl_seconds=int(app.get("token_ttl_seconds", 3600)))
        self.installation_tokens: dict[str, tuple[int, float]] = {}  # token -> (installation id, expires epoch)
        self.org_outside_collaborators: list[str] = list(seed.get("outside_collaborators", []))
        # Organization rulesets: {id?, name, enforcement, branches (ref_name include), repository_name
        # {include, exclude}, repository_id {repository_ids} or repository_property {include, exclude:
        # [{name, property_values}]}, rules}.
        self.org_rulesets: list[dict[str, Any]] = [
            {**rs, "id": int(rs.get("id", stable_id("org-ruleset", self.org_login, rs["name"])))}
            for rs in seed.get("org_rulesets", [])]
        self.repos: dict[str, Repo] = {}
        self.next_id = 1000
        for raw in seed.get("repos", []):
            self.add_repo(raw)

    def reset(self) -> None:
        with self.lock:
            self._load(copy.deepcopy(self.seed))

    # -- lookups -------------------------------------------------------------------------------------------------
    def user(self, login: str) -> dict[str, Any]:
        found = self.users.get(login.lower())
        if found is None:
            found = self.users[login.lower()] = {"login": login, "id": stable_id("user", login),
                                                 "type": "Bot" if login.endswith("[bot]") else "User"}
        return found

    def repo(self, owner: str, name: str) -> Repo | None:
        if owner.lower() != self.org_login.lower():
            return None
        return self.repos.get(name.lower())

    def add_repo(self, raw: dict[str, Any]) -> Repo:
        """Create or replace a repository from its seed description."""
        with self.lock:
            raw = copy.deepcopy(raw)
            name = raw.pop("name")
            unknown = set(raw) - _REPO_FIELDS - {"issues", "labels", "private", "id"}
            if unknown:
                raise ValueError(f"seed repo {name!r}: unknown fields {sorted(unknown)}")
            if "private" in raw and "visibility" not in raw:
                raw["visibility"] = "private" if raw["private"] else "public"
            raw.pop("private", None)
            issues, labels = raw.pop("issues", []), raw.pop("labels", [])
            repo = Repo(name=name, id=int(raw.pop("id", stable_id("repo", self.org_login, name))), **raw)
            for lab in labels:
                lab = {"name": lab} if isinstance(lab, str) else lab
                self._add_label(repo, lab["name"], lab.get("color", "ededed"), lab.get("description"))
            for number, iss in enumerate(issues, start=1):
                for lab in iss.get("labels", []):
                    if lab.lower() not in repo.labels:
                        self._add_label(repo, lab, "ededed", None)
                repo.issues.append(Issue(
                    number=int(iss.get("number", number)), title=iss["title"], body=iss.get("body"),
                    user=iss.get("user", "octocat"), state=iss.get("state", "open"),
                    state_reason=iss.get("state_reason"), labels=list(iss.get("labels", [])),
                    created_at=iss.get("created_at", DEFAULT_TS), updated_at=iss.get("updated_at", DEFAULT_TS),
                    closed_at=iss.get("closed_at") or (DEFAULT_TS if iss.get("state") == "closed" else None),
                    comments=[Comment(self.new_id(), c["body"], c.get("user", "octocat"), DEFAULT_TS)
                              for c in iss.get("comments", [])]))
            self.repos[name.lower()] = repo
            return repo

    def _add_label(self, repo: Repo, name: str, color: str, description: str | None) -> Label:
        label = Label(name=name, color=color, description=description, id=stable_id("label", repo.name, name))
        repo.labels[name.lower()] = label
        return label

    def add_label(self, repo: Repo, name: str, color: str, description: str | None) -> Label:
        with self.lock:
            return self._add_label(repo, name, color, description)

    def new_id(self) -> int:
        with self.lock:
            self.next_id += 1
            return self.next_id
