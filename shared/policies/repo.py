"""The repository snapshot: the fields of the organization's listing that checks and targeting read.

The org listing (`GET /orgs/{org}/repos`) already carries description, license, topics, visibility, archive and
fork flags, feature switches and `security_and_analysis`, so most checks need no further request. A snapshot is
compact JSON stored per scan, so batches can load their window without carrying it through orchestration history.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class RepoSnapshot:
    name: str
    full_name: str
    description: str = ""
    visibility: str = "public"  # public | private | internal
    archived: bool = False
    fork: bool = False
    topics: tuple[str, ...] = ()
    license_spdx: str = ""  # "" when GitHub detected no license
    default_branch: str = "main"
    has_issues: bool = True
    delete_branch_on_merge: bool | None = None  # None: the listing did not say (token without admin)
    pushed_at: str = ""
    secret_scanning: str = ""  # enabled | disabled | "" (unknown)
    dependabot_security_updates: str = ""  # enabled | disabled | ""
    custom_properties: dict[str, str] = field(default_factory=dict)
    # GitHub's numeric id (0: unknown, e.g. a snapshot stored before it was kept): an organization ruleset can
    # target repositories by id, and resolving its event to names needs it (`shared.policies.ruleset_targets`).
    repository_id: int = 0

    @property
    def owner(self) -> str:
        return self.full_name.split("/", 1)[0]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["topics"] = list(self.topics)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "RepoSnapshot":
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["topics"] = tuple(known.get("topics") or ())
        known["custom_properties"] = dict(known.get("custom_properties") or {})
        return cls(**known)

    @classmethod
    def from_github(cls, raw: dict[str, Any]) -> "RepoSnapshot":
        """Build from GitHub's repository JSON (org listing or single repository)."""
        security = raw.get("security_and_analysis") or {}
        license_info = raw.get("license") or {}
        spdx = license_info.get("spdx_id") or ""
        visibility = raw.get("visibility") or ("private" if raw.get("private") else "public")
        props = raw.get("custom_properties") or {}
        return cls(
            name=raw["name"],
            full_name=raw.get("full_name") or raw["name"],
            description=(raw.get("description") or "").strip(),
            visibility=visibility,
            archived=bool(raw.get("archived")),
            fork=bool(raw.get("fork")),
            topics=tuple(raw.get("topics") or ()),
            license_spdx="" if spdx == "NOASSERTION" and not license_info.get("key") else spdx,
            default_branch=raw.get("default_branch") or "main",
            has_issues=bool(raw.get("has_issues", True)),
            delete_branch_on_merge=raw.get("delete_branch_on_merge"),
            pushed_at=raw.get("pushed_at") or "",
            secret_scanning=((security.get("secret_scanning") or {}).get("status") or ""),
            dependabot_security_updates=((security.get("dependabot_security_updates") or {}).get("status") or ""),
            custom_properties={str(k): _prop_value(v) for k, v in props.items()},
            repository_id=int(raw.get("id") or 0),
        )


def _prop_value(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return "" if value is None else str(value)
