"""Policy configuration: YAML → validated, typed `PolicyConfig`, with every error naming its file and line.

Configuration is data (a file in the app, optionally overridden by one in the organization's `.github`
repository). A bad file must never start a scan, so validation collects *all* problems, each with the line a person
has to edit, and the HTTP trigger turns them into a 400 before any orchestration exists.
"""
from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator, ValidationError

from shared.data_files import load_yaml
from shared.policies.checks import REGISTRY

_DURATION = re.compile(r"^(\d+)\s*([smhd])$")  # the schema's gracePeriod pattern, turned into seconds


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
        try:
            return loader.construct_object(node)
        except ValueError:  # a timestamp-looking scalar that is no date (2026-13-01): the schema judges the text
            return str(node.value)

    def line(self, path: str) -> int:
        while path and path not in self.lines:
            path = path.rsplit(".", 1)[0] if "." in path else ""
        return self.lines.get(path, 1)

    def error(self, path: str, message: str) -> None:
        issue = ConfigIssue(self.source, self.line(path), path, message)
        if issue not in self.issues:
            self.issues.append(issue)


# -- validation: a schema says what is valid, errors name the line ------------------------------------------
SCHEMA_FILE = Path(__file__).with_name("config.schema.yaml")
_OPTIONAL_MAPPINGS = ("settings", "defaults", "params", "targets", "exemptions", "archive", "orgOverride")
_SETTINGS = {  # file key → EnforcerSettings attribute (nested keys dotted)
    "issueLabel": "issue_label", "exemptionContact": "exemption_contact", "maxIssuesPerRun": "max_issues_per_run",
    "batchSize": "batch_size", "parallelBatches": "parallel_batches", "chunkSize": "chunk_size",
    "archive.enabled": "archive_enabled", "archive.gracePeriod": "archive_grace_seconds",
    "archive.maxPerRun": "max_archives_per_run", "orgOverride.enabled": "org_override_enabled",
    "orgOverride.repository": "org_override_repository", "orgOverride.path": "org_override_path",
}
_PARAM_TYPES = {"int": {"type": "integer"}, "bool": {"type": "boolean", "x-message": "must be true or false"},
                "str": {"type": "string", "x-message": "must be a string"},
                "list": {"$ref": "#/$defs/strings"}}
_TYPE_WORDS = {"object": "a mapping", "array": "a list", "string": "a string", "integer": "an integer",
               "boolean": "true or false", "number": "a number", "null": "empty"}


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    """The file's schema plus what the check catalog says: the known check ids and each check's parameters."""
    schema = load_yaml(SCHEMA_FILE)
    policy = schema["$defs"]["policy"]
    known = sorted(REGISTRY)
    policy["properties"]["check"] = {"enum": known, "x-message": "unknown check {value!r}; known checks: "
                                                                 + ", ".join(known)}
    policy["allOf"] = [{
        "if": {"properties": {"check": {"const": check.id}}, "required": ["check"]},
        "then": {"properties": {"params": {
            "type": "object", "x-message": "must be a mapping",
            "x-unknown": f"check '{check.id}' has no parameter '{{key}}'" + (
                f" (parameters: {', '.join(p.name for p in check.params)})" if check.params else " (it takes none)"),
            "additionalProperties": False,
            "properties": {p.name: {**_PARAM_TYPES[p.kind], **({"minimum": p.minimum or 0, "maximum": 1_000_000}
                                                                if p.kind == "int" else {})}
                           for p in check.params}}}},
    } for check in REGISTRY.values()]
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _path(parts: Any) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


_REQUIRED = {"policies": "'policies' is required (a list of policies)",
             "id": "required: lowercase letters, digits and dashes (at most 63)",
             "check": "required: the id of a known check (see GET /api/v1/policies)"}
_JSON_TYPES = {"object": dict, "array": list, "string": str, "integer": int, "boolean": bool}


def _branch_errors(error: ValidationError) -> list[ValidationError] | None:
    """For an `anyOf` whose value has the type one branch expects (a list where a list or a string is allowed),
    that branch's own errors: they point at the item that is wrong."""
    if error.validator != "anyOf" or not isinstance(error.validator_value, list):
        return None
    for index, branch in enumerate(error.validator_value):
        kind = branch.get("type", "") if isinstance(branch, dict) else ""
        expected = _JSON_TYPES.get(kind) if kind in ("array", "object") else None
        if expected is not None and isinstance(error.instance, expected) and not isinstance(error.instance, bool):
            return [e for e in error.context or [] if e.schema_path and e.schema_path[0] == index]
    return None


def _schema_issues(doc: _Doc, data: Any) -> None:
    """Every schema violation as (line, path, message), in words a person acts on."""
    pending = list(_validator().iter_errors(data))
    while pending:
        error = pending.pop(0)
        where = _path(error.absolute_path)
        branch = _branch_errors(error)
        if branch:
            pending[:0] = branch
            continue
        schema = error.schema if isinstance(error.schema, dict) else {}
        if error.validator == "additionalProperties":
            allowed = sorted(schema.get("properties") or {})
            for key in sorted(set(error.instance) - set(allowed)):
                child = f"{where}.{key}" if where else key
                doc.error(child, schema["x-unknown"].format(key=key) if "x-unknown" in schema else
                          f"unknown key '{key}' (allowed: {', '.join(allowed)})")
        elif error.validator == "required":
            for key in schema.get("required", []):
                if isinstance(error.instance, dict) and key not in error.instance:
                    doc.error(f"{where}.{key}" if where else key, _REQUIRED.get(key, "required (a non-empty string)"))
        elif "x-message" in schema:
            doc.error(where, str(schema["x-message"]).replace("{value!r}", repr(error.instance)))
        elif error.validator == "enum":
            doc.error(where, f"must be one of: {', '.join(map(str, schema['enum']))}")
        elif error.validator in ("minimum", "maximum") or (error.validator == "type" and schema.get("type") ==
                                                            "integer"):
            doc.error(where, f"must be an integer between {schema.get('minimum', 0)} and "
                             f"{schema.get('maximum', 1_000_000)}")
        elif error.validator == "type":
            kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            doc.error(where, "must be " + " or ".join(_TYPE_WORDS.get(str(k), str(k)) for k in kinds))
        else:
            doc.error(where, error.message[:200])


def _plain_json(value: Any) -> Any:
    """YAML's dates (exemption `expires: 2026-01-31`) as ISO text, and empty optional mappings as absent."""
    if isinstance(value, dict):
        return {k: _plain_json(v) for k, v in value.items() if not (v is None and k in _OPTIONAL_MAPPINGS)}
    if isinstance(value, list):
        return [_plain_json(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()[:10]
    return value


def parse_config(text: str, source: str = "policies.yaml", base: PolicyConfig | None = None) -> PolicyConfig:
    """Validate one YAML document; with `base`, it overrides: settings merge, policies replace by id."""
    doc = _Doc(text, source)
    if doc.data is None and base is not None:
        return base
    data = _plain_json(doc.data)
    if not isinstance(data, dict):
        raise ConfigError([ConfigIssue(source, 1, "", "the file must be a mapping with a 'policies' list")])
    _schema_issues(doc, data)
    if "policies" not in data and base is None:
        doc.error("", "'policies' is required (a list of policies)")
    found_settings, found_policies = data.get("settings"), data.get("policies")
    settings: dict[str, Any] = found_settings if isinstance(found_settings, dict) else {}
    if base is not None and settings.get("orgOverride"):
        doc.error("settings.orgOverride", "can only be set in the app's configuration file")
    raw_policies: list[Any] = found_policies if isinstance(found_policies, list) else []
    ids = [p.get("id") for p in raw_policies if isinstance(p, dict)]
    for i, raw in enumerate(raw_policies):
        if isinstance(raw, dict) and raw.get("id") in ids[:i]:
            doc.error(f"policies[{i}].id", f"duplicate policy id '{raw['id']}'")
        for j, exemption in enumerate((raw.get("exemptions") or []) if isinstance(raw, dict) else []):
            expires = exemption.get("expires") if isinstance(exemption, dict) else None
            if isinstance(expires, str) and _DATE.match(expires) and not _is_date(expires):
                doc.error(f"policies[{i}].exemptions[{j}].expires", "must be a date (YYYY-MM-DD)")
    if doc.issues:
        raise ConfigError(sorted(doc.issues, key=lambda i: i.line))
    policies = {p.id: p for p in (base.policies if base else ())}
    defaults = data.get("defaults") or {}
    for raw in raw_policies:
        policy = _build_policy(raw, defaults)
        policies.pop(policy.id, None)
        policies[policy.id] = policy
    return PolicyConfig(_build_settings(settings, base.settings if base else EnforcerSettings()),
                        tuple(policies.values()), (*(base.sources if base else ()), source))


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
        return True
    except ValueError:
        return False


def _seconds(value: int | str) -> int:
    if isinstance(value, int):
        return value
    match = _DURATION.match(value.strip())
    assert match is not None  # the schema's pattern
    return int(match[1]) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[match[2]]


def _build_settings(raw: dict[str, Any], base: EnforcerSettings) -> EnforcerSettings:
    values: dict[str, Any] = {}
    for key, attr in _SETTINGS.items():
        head, _, tail = key.partition(".")
        value = (raw.get(head) or {}).get(tail) if tail else raw.get(head)
        if value is None:
            continue
        values[attr] = _seconds(value) if attr == "archive_grace_seconds" else \
            (value.strip() if isinstance(value, str) else value)
    return replace(base, **values)


def _strings(value: Any, default: tuple[str, ...] = ()) -> tuple[str, ...]:
    if value is None:
        return default
    return (value,) if isinstance(value, str) else tuple(value)


def _build_policy(raw: dict[str, Any], defaults: dict[str, Any]) -> Policy:
    check = REGISTRY[raw["check"]]
    t = raw.get("targets") or {}
    return Policy(
        id=raw["id"], description=raw.get("description", check.title), check=check.id,
        params=check.resolve_params(raw.get("params")),
        severity=raw.get("severity", defaults.get("severity", "medium")),
        action=raw.get("action", defaults.get("action", "create-issue")), enabled=raw.get("enabled", True),
        dry_run=raw.get("dryRun", defaults.get("dryRun")),
        targets=Targets(include=_strings(t.get("include"), ("*",)), exclude=_strings(t.get("exclude")),
                        visibility=_strings(t.get("visibility")), topics=_strings(t.get("topics")),
                        properties=tuple(sorted((str(k), str(v)) for k, v in (t.get("properties") or {}).items())),
                        include_archived=t.get("includeArchived", False), include_forks=t.get("includeForks", False)),
        exemptions=tuple(Exemption(e["repository"].strip(), e["reason"].strip(), e["owner"].strip(),
                                   date.fromisoformat(e["expires"]) if e.get("expires") else None)
                         for e in raw.get("exemptions") or []))


def load_config_file(path: str) -> PolicyConfig:
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        raise ConfigError([ConfigIssue(path, 1, "", f"cannot read the file ({exc.strerror})")]) from None
    return parse_config(text, source=path.replace("\\", "/").rsplit("/", 1)[-1])
