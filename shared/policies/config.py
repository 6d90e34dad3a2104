"""Policy configuration: YAML → validated, typed `PolicyConfig`, with every error naming its file and line.

Configuration is data (a file in the app, optionally overridden by one in the organization's `.github`
repository). A bad file must never start a scan, so validation collects *all* problems, each with the line a person
has to edit, and the HTTP trigger turns them into a 400 before any orchestration exists.
"""
from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import yaml

from shared.policies.checks import REGISTRY

SEVERITIES = ("low", "medium", "high", "critical")
ACTIONS = ("create-issue", "archive-repo", "log-only")
VISIBILITIES = ("public", "private", "internal")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_DURATION = re.compile(r"^(\d+)\s*([smhd])$")


@dataclass(frozen=True)
class ConfigIssue:
    source: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.source} line {self.line} ({self.path}): {self.message}" if self.path else \
            f"{self.source} line {self.line}: {self.message}"


class ConfigError(ValueError):
    """The configuration is invalid; `issues` lists every problem with its line."""

    def __init__(self, issues: list[ConfigIssue]) -> None:
        self.issues = issues
        super().__init__("; ".join(str(i) for i in issues))


@dataclass(frozen=True)
class Targets:
    include: tuple[str, ...] = ("*",)
    exclude: tuple[str, ...] = ()
    visibility: tuple[str, ...] = ()  # empty: any
    topics: tuple[str, ...] = ()  # the repository needs at least one of them
    properties: tuple[tuple[str, str], ...] = ()  # custom property name → value glob, all must match
    include_archived: bool = False
    include_forks: bool = False


@dataclass(frozen=True)
class Exemption:
    repository: str  # name or glob
    reason: str
    owner: str
    expires: date | None = None


@dataclass(frozen=True)
class Policy:
    id: str
    description: str
    check: str
    params: dict[str, Any]
    severity: str
    action: str
    enabled: bool = True
    dry_run: bool | None = None  # None: follow the global setting
    targets: Targets = field(default_factory=Targets)
    exemptions: tuple[Exemption, ...] = ()

    def exemption_for(self, repo_name: str, today: date) -> Exemption | None:
        for exemption in self.exemptions:
            if fnmatch.fnmatchcase(repo_name, exemption.repository) and \
                    (exemption.expires is None or exemption.expires >= today):
                return exemption
        return None


@dataclass(frozen=True)
class EnforcerSettings:
    issue_label: str = "policy-enforcer"
    max_issues_per_run: int = 50
    batch_size: int = 50
    parallel_batches: int = 4
    chunk_size: int = 10
    archive_enabled: bool = False
    archive_grace_seconds: int = 7 * 86400
    max_archives_per_run: int = 5
    org_override_enabled: bool = True
    org_override_repository: str = ".github"
    org_override_path: str = "policies.yaml"
    exemption_contact: str = "the platform team"


@dataclass(frozen=True)
class PolicyConfig:
    settings: EnforcerSettings
    policies: tuple[Policy, ...]
    sources: tuple[str, ...] = ()

    def policy(self, policy_id: str) -> Policy | None:
        return next((p for p in self.policies if p.id == policy_id), None)

    def to_json(self) -> dict[str, Any]:
        """The effective configuration as the API shows it (and as a scan stores it for its act step)."""
        s = self.settings
        return {
            "sources": list(self.sources),
            "settings": {"issueLabel": s.issue_label, "maxIssuesPerRun": s.max_issues_per_run,
                         "batchSize": s.batch_size, "parallelBatches": s.parallel_batches, "chunkSize": s.chunk_size,
                         "archive": {"enabled": s.archive_enabled, "gracePeriodSeconds": s.archive_grace_seconds,
                                     "maxPerRun": s.max_archives_per_run},
                         "orgOverride": {"enabled": s.org_override_enabled, "repository": s.org_override_repository,
                                         "path": s.org_override_path},
                         "exemptionContact": s.exemption_contact},
            "policies": [_policy_json(p) for p in self.policies],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "PolicyConfig":
        """Rebuild a stored effective configuration (already validated when it was stored)."""
        s, archive, override = data["settings"], data["settings"]["archive"], data["settings"]["orgOverride"]
        settings = EnforcerSettings(
            issue_label=s["issueLabel"], max_issues_per_run=s["maxIssuesPerRun"], batch_size=s["batchSize"],
            parallel_batches=s["parallelBatches"], chunk_size=s["chunkSize"], archive_enabled=archive["enabled"],
            archive_grace_seconds=archive["gracePeriodSeconds"], max_archives_per_run=archive["maxPerRun"],
            org_override_enabled=override["enabled"], org_override_repository=override["repository"],
            org_override_path=override["path"], exemption_contact=s["exemptionContact"])
        policies = tuple(Policy(
            id=p["id"], description=p["description"], check=p["check"], params=dict(p["params"]),
            severity=p["severity"], action=p["action"], enabled=p["enabled"], dry_run=p["dryRun"],
            targets=Targets(include=tuple(p["targets"]["include"]), exclude=tuple(p["targets"]["exclude"]),
                            visibility=tuple(p["targets"]["visibility"]), topics=tuple(p["targets"]["topics"]),
                            properties=tuple(sorted(p["targets"]["properties"].items())),
                            include_archived=p["targets"]["includeArchived"],
                            include_forks=p["targets"]["includeForks"]),
            exemptions=tuple(Exemption(e["repository"], e["reason"], e["owner"],
                                       date.fromisoformat(e["expires"]) if e["expires"] else None)
                             for e in p["exemptions"]),
        ) for p in data["policies"])
        return cls(settings, policies, tuple(data.get("sources") or ()))


def _policy_json(p: Policy) -> dict[str, Any]:
    t = p.targets
    return {"id": p.id, "description": p.description, "check": p.check, "params": p.params,
            "severity": p.severity, "action": p.action, "enabled": p.enabled, "dryRun": p.dry_run,
            "targets": {"include": list(t.include), "exclude": list(t.exclude), "visibility": list(t.visibility),
                        "topics": list(t.topics), "properties": dict(t.properties),
                        "includeArchived": t.include_archived, "includeForks": t.include_forks},
            "exemptions": [{"repository": e.repository, "reason": e.reason, "owner": e.owner,
                            "expires": e.expires.isoformat() if e.expires else None} for e in p.exemptions]}


# -- YAML with line numbers ------------------------------------------------------------------------------------
class _Doc:
    """Plain data plus the line of every node, keyed by its dotted path."""

    def __init__(self, text: str, source: str) -> None:
        self.source = source
        self.lines: dict[str, int] = {}
        self.issues: list[ConfigIssue] = []
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            self.data = self._plain(loader, node, "") if node is not None else None
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else 1
            raise ConfigError([ConfigIssue(source, line, "", f"YAML syntax error: {exc.problem}")]) from None
        finally:
            loader.dispose()

    def _plain(self, loader: yaml.SafeLoader, node: yaml.Node, path: str) -> Any:
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = str(loader.construct_object(key_node))
                child = f"{path}.{key}" if path else key
                if key in out:
                    self.issues.append(ConfigIssue(self.source, key_node.start_mark.line + 1, child, "duplicate key"))
                out[key] = self._plain(loader, value_node, child)
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self._plain(loader, item, f"{path}[{i}]") for i, item in enumerate(node.value)]
        return loader.construct_object(node)

    def line(self, path: str) -> int:
        while path and path not in self.lines:
            path = path.rsplit(".", 1)[0] if "." in path else ""
        return self.lines.get(path, 1)

    def error(self, path: str, message: str) -> None:
        self.issues.append(ConfigIssue(self.source, self.line(path), path, message))


# -- validation -------------------------------------------------------------------------------------------------
_TOP_KEYS = {"version", "settings", "defaults", "policies"}
_SETTINGS_KEYS = {"issueLabel", "maxIssuesPerRun", "batchSize", "parallelBatches", "chunkSize", "archive",
                  "orgOverride", "exemptionContact"}
_POLICY_KEYS = {"id", "description", "check", "params", "severity", "action", "enabled", "dryRun", "targets",
                "exemptions"}
_TARGET_KEYS = {"include", "exclude", "visibility", "topics", "properties", "includeArchived", "includeForks"}
_EXEMPTION_KEYS = {"repository", "reason", "owner", "expires"}


def parse_config(text: str, source: str = "policies.yaml", base: PolicyConfig | None = None) -> PolicyConfig:
    """Validate one YAML document; with `base`, it overrides: settings merge, policies replace by id."""
    doc = _Doc(text, source)
    data = doc.data
    if data is None and base is not None:
        return base
    if not isinstance(data, dict):
        raise ConfigError([ConfigIssue(source, 1, "", "the file must be a mapping with a 'policies' list")])
    _unknown(doc, data, "", _TOP_KEYS)
    if data.get("version", 1) != 1:
        doc.error("version", "only version 1 is supported")
    settings = _settings(doc, data.get("settings") or {}, base.settings if base else EnforcerSettings(),
                         allow_override_settings=base is None)
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        doc.error("defaults", "must be a mapping")
        defaults = {}
    _unknown(doc, defaults, "defaults", {"severity", "action", "dryRun"})
    raw_policies = data.get("policies")
    if raw_policies is None and base is None:
        doc.error("", "'policies' is required (a list of policies)")
        raw_policies = []
    if raw_policies is not None and not isinstance(raw_policies, list):
        doc.error("policies", "must be a list")
        raw_policies = []
    policies: list[Policy] = list(base.policies) if base else []
    seen: set[str] = set()
    for i, raw in enumerate(raw_policies or []):
        policy = _policy(doc, raw, f"policies[{i}]", defaults)
        if policy is None:
            continue
        if policy.id in seen:
            doc.error(f"policies[{i}].id", f"duplicate policy id '{policy.id}'")
            continue
        seen.add(policy.id)
        policies = [p for p in policies if p.id != policy.id] + [policy]
    if doc.issues:
        raise ConfigError(sorted(doc.issues, key=lambda i: i.line))
    sources = (*(base.sources if base else ()), source)
    return PolicyConfig(settings, tuple(policies), sources)


def _unknown(doc: _Doc, data: dict[str, Any], path: str, allowed: set[str]) -> None:
    for key in data:
        if key not in allowed:
            doc.error(f"{path}.{key}" if path else key,
                      f"unknown key '{key}' (allowed: {', '.join(sorted(allowed))})")


def _int(doc: _Doc, value: Any, path: str, minimum: int = 0, maximum: int = 1_000_000) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        doc.error(path, f"must be an integer between {minimum} and {maximum}")
        return None
    return value


def _bool(doc: _Doc, value: Any, path: str) -> bool | None:
    if not isinstance(value, bool):
        doc.error(path, "must be true or false")
        return None
    return value


def _str_list(doc: _Doc, value: Any, path: str, choices: tuple[str, ...] | None = None) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        doc.error(path, "must be a list of non-empty strings")
        return ()
    if choices:
        for j, v in enumerate(value):
            if v not in choices:
                doc.error(f"{path}[{j}]", f"'{v}' is not one of: {', '.join(choices)}")
    return tuple(value)


def _duration_seconds(doc: _Doc, value: Any, path: str) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    match = _DURATION.match(str(value).strip()) if isinstance(value, str) else None
    if not match:
        doc.error(path, "must be seconds or a duration like '30s', '12h', '7d'")
        return None
    return int(match[1]) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[match[2]]


def _settings(doc: _Doc, raw: Any, base: EnforcerSettings, allow_override_settings: bool) -> EnforcerSettings:
    if not isinstance(raw, dict):
        doc.error("settings", "must be a mapping")
        return base
    _unknown(doc, raw, "settings", _SETTINGS_KEYS)
    values: dict[str, Any] = {}
    for key, attr, low, high in (("maxIssuesPerRun", "max_issues_per_run", 0, 10_000),
                                 ("batchSize", "batch_size", 1, 500), ("parallelBatches", "parallel_batches", 1, 32),
                                 ("chunkSize", "chunk_size", 1, 100)):
        if key in raw and (v := _int(doc, raw[key], f"settings.{key}", low, high)) is not None:
            values[attr] = v
    for key, attr in (("issueLabel", "issue_label"), ("exemptionContact", "exemption_contact")):
        if key in raw:
            if isinstance(raw[key], str) and raw[key].strip():
                values[attr] = raw[key].strip()
            else:
                doc.error(f"settings.{key}", "must be a non-empty string")
    archive = raw.get("archive", {})
    if not isinstance(archive, dict):
        doc.error("settings.archive", "must be a mapping")
        archive = {}
    _unknown(doc, archive, "settings.archive", {"enabled", "gracePeriod", "maxPerRun"})
    if "enabled" in archive and (v := _bool(doc, archive["enabled"], "settings.archive.enabled")) is not None:
        values["archive_enabled"] = v
    if "gracePeriod" in archive and \
            (v := _duration_seconds(doc, archive["gracePeriod"], "settings.archive.gracePeriod")) is not None:
        values["archive_grace_seconds"] = v
    if "maxPerRun" in archive and (v := _int(doc, archive["maxPerRun"], "settings.archive.maxPerRun", 0, 1000)) \
            is not None:
        values["max_archives_per_run"] = v
    override = raw.get("orgOverride", {})
    if override and not allow_override_settings:
        doc.error("settings.orgOverride", "can only be set in the app's configuration file")
    elif isinstance(override, dict):
        _unknown(doc, override, "settings.orgOverride", {"enabled", "repository", "path"})
        if "enabled" in override and \
                (v := _bool(doc, override["enabled"], "settings.orgOverride.enabled")) is not None:
            values["org_override_enabled"] = v
        for key, attr in (("repository", "org_override_repository"), ("path", "org_override_path")):
            if key in override:
                if isinstance(override[key], str) and override[key].strip():
                    values[attr] = override[key].strip()
                else:
                    doc.error(f"settings.orgOverride.{key}", "must be a non-empty string")
    else:
        doc.error("settings.orgOverride", "must be a mapping")
    from dataclasses import replace

    return replace(base, **values)


def _policy(doc: _Doc, raw: Any, path: str, defaults: dict[str, Any]) -> Policy | None:
    if not isinstance(raw, dict):
        doc.error(path, "each policy must be a mapping with at least 'id' and 'check'")
        return None
    _unknown(doc, raw, path, _POLICY_KEYS)
    before = len(doc.issues)
    policy_id = raw.get("id")
    if not isinstance(policy_id, str) or not _ID.match(policy_id):
        doc.error(f"{path}.id", "required: lowercase letters, digits and dashes (at most 63)")
    check_id = raw.get("check")
    check = REGISTRY.get(check_id) if isinstance(check_id, str) else None
    if check is None:
        doc.error(f"{path}.check", f"unknown check {check_id!r}; known checks: {', '.join(sorted(REGISTRY))}")
    description = raw.get("description", check.title if check else "")
    if not isinstance(description, str):
        doc.error(f"{path}.description", "must be a string")
    severity = raw.get("severity", defaults.get("severity", "medium"))
    if severity not in SEVERITIES:
        doc.error(f"{path}.severity", f"must be one of: {', '.join(SEVERITIES)}")
    action = raw.get("action", defaults.get("action", "create-issue"))
    if action not in ACTIONS:
        doc.error(f"{path}.action", f"must be one of: {', '.join(ACTIONS)}")
    enabled = _bool(doc, raw.get("enabled", True), f"{path}.enabled")
    dry_run = raw.get("dryRun", defaults.get("dryRun"))
    if dry_run is not None:
        dry_run = _bool(doc, dry_run, f"{path}.dryRun")
    params = raw.get("params") or {}
    if not isinstance(params, dict):
        doc.error(f"{path}.params", "must be a mapping")
        params = {}
    if check is not None:
        params = _params(doc, check, params, f"{path}.params")
    targets = _targets(doc, raw.get("targets") or {}, f"{path}.targets")
    exemptions = _exemptions(doc, raw.get("exemptions") or [], f"{path}.exemptions")
    if len(doc.issues) > before:
        return None
    return Policy(id=str(policy_id), description=description, check=str(check_id), params=params, severity=severity,
                  action=action, enabled=bool(enabled), dry_run=dry_run, targets=targets, exemptions=exemptions)


def _params(doc: _Doc, check: Any, raw: dict[str, Any], path: str) -> dict[str, Any]:
    known = {p.name: p for p in check.params}
    out: dict[str, Any] = {}
    for name, value in raw.items():
        spec = known.get(name)
        where = f"{path}.{name}"
        if spec is None:
            doc.error(where, f"check '{check.id}' has no parameter '{name}'"
                             + (f" (parameters: {', '.join(known)})" if known else " (it takes none)"))
            continue
        if spec.kind == "int":
            value = _int(doc, value, where, spec.minimum or 0)
        elif spec.kind == "bool":
            value = _bool(doc, value, where)
        elif spec.kind == "list":
            value = list(_str_list(doc, value, where))
        elif not isinstance(value, str):
            doc.error(where, "must be a string")
        out[name] = value
    return check.resolve_params(out)


def _targets(doc: _Doc, raw: Any, path: str) -> Targets:
    if not isinstance(raw, dict):
        doc.error(path, "must be a mapping")
        return Targets()
    _unknown(doc, raw, path, _TARGET_KEYS)
    props = raw.get("properties") or {}
    if not isinstance(props, dict):
        doc.error(f"{path}.properties", "must be a mapping of custom property name to value (glob)")
        props = {}
    return Targets(
        include=_str_list(doc, raw.get("include", ["*"]), f"{path}.include"),
        exclude=_str_list(doc, raw.get("exclude", []), f"{path}.exclude"),
        visibility=_str_list(doc, raw.get("visibility", []), f"{path}.visibility", VISIBILITIES),
        topics=_str_list(doc, raw.get("topics", []), f"{path}.topics"),
        properties=tuple(sorted((str(k), str(v)) for k, v in props.items())),
        include_archived=bool(_bool(doc, raw.get("includeArchived", False), f"{path}.includeArchived")),
        include_forks=bool(_bool(doc, raw.get("includeForks", False), f"{path}.includeForks")),
    )


def _exemptions(doc: _Doc, raw: Any, path: str) -> tuple[Exemption, ...]:
    if not isinstance(raw, list):
        doc.error(path, "must be a list")
        return ()
    out = []
    for i, item in enumerate(raw):
        where = f"{path}[{i}]"
        if not isinstance(item, dict):
            doc.error(where, "must be a mapping with repository, reason, owner and optional expires")
            continue
        _unknown(doc, item, where, _EXEMPTION_KEYS)
        values = {}
        for key in ("repository", "reason", "owner"):
            value = item.get(key)
            if not isinstance(value, str) or not value.strip():
                doc.error(f"{where}.{key}", "required (a non-empty string)")
            values[key] = str(value or "").strip()
        expires = item.get("expires")
        if expires is not None and not isinstance(expires, date):
            try:
                expires = date.fromisoformat(str(expires))
            except ValueError:
                doc.error(f"{where}.expires", "must be a date (YYYY-MM-DD)")
                expires = None
        out.append(Exemption(values["repository"], values["reason"], values["owner"], expires))
    return tuple(out)


def load_config_file(path: str) -> PolicyConfig:
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        raise ConfigError([ConfigIssue(path, 1, "", f"cannot read the file ({exc.strerror})")]) from None
    return parse_config(text, source=path.replace("\\", "/").rsplit("/", 1)[-1])
