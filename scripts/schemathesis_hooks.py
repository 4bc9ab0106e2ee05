"""Schemathesis hooks for scopegate (`scripts/schemathesis.sh` loads them via SCHEMATHESIS_HOOKS).

The OpenAPI document says in JSON Schema everything the server checks within one parameter
or one body. A few rules tie a body to the request's path, query or headers, or to the
account the credential acts for, and JSON Schema cannot say that; the document states them
in words (DESIGN §4.4, §4.10). For schema-valid (positive) cases these hooks make the
generated request follow them, as any real client does; negative cases are left alone:

- an update body may repeat the entity's identifier, which must then equal the path's;
- a project body's `org`, the NG bodies' scope fields (`accountIdentifier`, …), a resource
  group's included scopes, and `Harness-Account` beside a login body's `account` name the
  request's own scope and account;
- the NG scope query names `orgIdentifier` whenever it names `projectIdentifier`, and
  `accountIdentifier` is the credential's account (another one is a 401, also fine, but
  then nothing else is exercised);
- a role's or resource group's `allowed_scope_levels` lie at or below its scope's level, and
  each of a role's permissions is available at one of them (GET /v1/permissions); an
  assignment's principal and role reference live at or above the assignment's scope, a user
  at the account;
- a split phase moves forward only (the current phases: GET /v1/settings/permission-splits);
- a role assignment's PUT changes `disabled` only (the stored assignment: GET on its path);
- the audit log's `from` is not after its `to`;
- each change of a policy preview follows these rules as the write itself would.
- a token's `valid_to` lies in the future, and its permissions are a subset of what the
  owner holds (only the bootstrapped admin holds everything: other owners get none).

The hook is `before_call`, so it also shapes the cases of the examples and stateful phases;
schemathesis re-validates a case after the hook. Environment: SCOPEGATE_ACCOUNT (the
credential's account), SCOPEGATE_BASE_URL, SCOPEGATE_TOKEN, SCOPEGATE_ADMIN_USER (the
bootstrapped admin, whose tokens may carry any permission).
"""

import json
import os
import time
import urllib.parse
import urllib.request

import schemathesis

ACCOUNT = os.environ.get("SCOPEGATE_ACCOUNT", "demo")
BASE_URL = os.environ.get("SCOPEGATE_BASE_URL", "")
TOKEN = os.environ.get("SCOPEGATE_TOKEN", "")
ADMIN_USER = os.environ.get("SCOPEGATE_ADMIN_USER", "")
SNAKE = {"accountIdentifier": "account_identifier", "orgIdentifier": "org_identifier",
         "projectIdentifier": "project_identifier"}
LEVEL = {"account": 0, "org": 1, "organization": 1, "project": 2}
LEVEL_NAMES = ("account", "organization", "project")
PHASES = ("off", "migration", "enforced")


def _tolerate_cpython_ast_bug():
    """CPython 3.11.7 (fixed in 3.11.8) may raise `SystemError: AST constructor recursion depth
    mismatch` when Hypothesis parses a lambda's source to describe a strategy deep in the
    stack; that description is cosmetic, so it falls back to Hypothesis's own "<unknown>"."""
    from hypothesis.internal import lambda_sources

    original = lambda_sources._lambda_description

    def described(f, *args, **kwargs):
        try:
            return original(f, *args, **kwargs)
        except SystemError:
            return "lambda: <unknown>"

    lambda_sources._lambda_description = described


_tolerate_cpython_ast_bug()


def get(path):
    req = urllib.request.Request(BASE_URL + path, headers={"x-api-key": TOKEN})
    with urllib.request.urlopen(req, timeout=10) as res:
        return json.load(res)


_catalogue = None


def catalogue():
    """Permission identifier -> the levels where it is available."""
    global _catalogue
    if _catalogue is None:
        _catalogue = {p["identifier"]: {LEVEL[l] for l in p["allowed_scope_levels"]}
                      for p in get("/v1/permissions")}
    return _catalogue


def positive(case):
    meta = getattr(case, "meta", None)
    return meta is None or meta.generation.mode.is_positive


def blank(value):
    return not isinstance(value, str) or not value.strip()


def level_of(value):
    return LEVEL.get(value.lower()) if isinstance(value, str) else None


def param(case, name):
    """A path parameter as the server reads it (stateful steps may hold it percent-encoded)."""
    value = (case.path_parameters or {}).get(name)
    return urllib.parse.unquote(value) if isinstance(value, str) else value


def v1_scope(case):
    return param(case, "org"), param(case, "project")


def query_scope(case):
    q = case.query or {}
    org = None if blank(q.get("orgIdentifier")) else q.get("orgIdentifier")
    project = None if blank(q.get("projectIdentifier")) else q.get("projectIdentifier")
    return org, project


def scope_level(org, project):
    return 2 if project is not None else 1 if org is not None else 0


def entity_param(case):
    """The value of the path's last parameter (the entity a PUT names)."""
    names = [s[1:-1] for s in case.path.split("/") if s.startswith("{")]
    return param(case, names[-1]) if names else None


def fix_ng_query(case):
    if not (case.path.startswith("/ng/") or case.path.startswith("/authz/api/")):
        return
    q = case.query
    if case.path == "/authz/api/acl" or not isinstance(q, dict):
        return
    if "accountIdentifier" in q:
        q["accountIdentifier"] = ACCOUNT
    if not blank(q.get("projectIdentifier")) and blank(q.get("orgIdentifier")):
        q.pop("projectIdentifier", None)


def fix_scope_fields(obj, org, project):
    """An NG DTO's scope fields equal the query's (absent stays absent)."""
    wanted = {"accountIdentifier": ACCOUNT, "orgIdentifier": org, "projectIdentifier": project}
    for field, value in wanted.items():
        for key in (field, SNAKE[field]):
            if key in obj:
                if value is None:
                    obj.pop(key)
                else:
                    obj[key] = value


def fix_included_scopes(entries, keys, org, project):
    """Included scopes inside the group's own scope (`org`, `project`: the group's)."""
    account_key, org_key, project_key = keys
    for e in entries if isinstance(entries, list) else []:
        if not isinstance(e, dict):
            continue
        if account_key in e:
            e[account_key] = ACCOUNT
        if org is not None:
            e[org_key] = org
        if project is not None:
            e[project_key] = project
        if blank(e.get(org_key)) and not blank(e.get(project_key)):
            e.pop(project_key, None)


def fix_levels(obj, key, level):
    """`allowed_scope_levels` at or below `level`; absent when none is left."""
    levels = obj.get(key)
    if not isinstance(levels, list):
        return
    kept = [l for l in levels if level_of(l) is not None and level_of(l) >= level]
    if kept:
        obj[key] = kept
    else:
        obj.pop(key)


def fix_role(obj, levels_key, level, put):
    fix_levels(obj, levels_key, level)
    if put and levels_key not in obj:
        obj[levels_key] = list(LEVEL_NAMES[level:])
    allowed = {level_of(l) for l in obj.get(levels_key) or LEVEL_NAMES[level:]}
    if isinstance(obj.get("permissions"), list):
        cat = catalogue()
        obj["permissions"] = [p for p in obj["permissions"] if cat.get(p, set()) & allowed]


def fix_assignment(obj, level, principal_level_key, reference_key):
    principal = obj.get("principal")
    if isinstance(principal, dict):
        is_user = isinstance(principal.get("type"), str) and principal["type"].upper() == "USER"
        l = level_of(principal.get(principal_level_key))
        if principal.get(principal_level_key) is not None and (l is None or l > level or is_user and l != 0):
            principal.pop(principal_level_key)
    reference = obj.get(reference_key)
    if isinstance(reference, dict):
        l = level_of(reference.get(principal_level_key))
        if l is not None and l > level:
            reference[principal_level_key] = "account"


def same_role(obj, role_key, reference_key):
    """`role` and `role_reference` name the same role when both are given."""
    reference = obj.get(reference_key)
    if isinstance(obj.get(role_key), str) and isinstance(reference, dict):
        reference["identifier"] = obj[role_key]


def fix_v1_body(case, body):
    method, path = case.method.upper(), case.path
    org, project = v1_scope(case)
    level = scope_level(org, project)
    inner = next((body[k] for k in ("org", "project") if isinstance(body.get(k), dict)), None)
    target = inner if inner is not None else body
    if method == "PUT" and "identifier" in target and entity_param(case) is not None:
        target["identifier"] = entity_param(case)
    if isinstance(body.get("project"), dict) and "org" in body["project"] and org is not None:
        body["project"]["org"] = org
    if path.endswith("/roles") or path.endswith("/roles/{role}"):
        fix_role(body, "allowed_scope_levels", level, method == "PUT")
    if path.endswith("/resource-groups") or path.endswith("/resource-groups/{group}"):
        fix_levels(body, "allowed_scope_levels", level)
        fix_included_scopes(body.get("included_scope"), ("account", "org", "project"), org, project)
    if path.endswith("/role-assignments") or path.endswith("/role-assignments/{assignment}"):
        fix_assignment(body, level, "scope_level", "role_reference")
        same_role(body, "role", "role_reference")
    if isinstance(body.get("valid_to"), (int, float)) and body["valid_to"] <= now_ms():
        body["valid_to"] = now_ms() + 86_400_000
    if path.endswith("/tokens") and body.get("permissions"):
        if param(case, "user") != ADMIN_USER:
            body["permissions"] = []
    if path == "/v1/auth/login":
        account = case.headers.get("Harness-Account") if case.headers else None
        if account is not None and "account" in body:
            body["account"] = account
    principal = body.get("principal")
    if path in ("/v1/access/explain", "/authz/api/acl") and isinstance(principal, dict):
        # Someone asked about is named (identifier and type, or Harness's older spelling);
        # the document says so in words: without both, the question is about the caller.
        named = principal.get("identifier") or principal.get("principalIdentifier")
        typed = principal.get("type") or principal.get("principalType")
        if not (isinstance(named, str) and isinstance(typed, str)):
            body.pop("principal")
    if path == "/v1/access/explain" and isinstance(body.get("resourceScope"), dict):
        rs = body["resourceScope"]
        if not blank(rs.get("accountIdentifier")):
            rs["accountIdentifier"] = ACCOUNT
        if blank(rs.get("orgIdentifier")) and not blank(rs.get("projectIdentifier")):
            rs.pop("projectIdentifier")
    if path == "/v1/settings/permission-splits" and method == "PUT":
        current = {s["resource_type"].upper(): s["phase"] for s in get(path)}
        now = current.get(str(body.get("resource_type", "")).upper())
        wanted = str(body.get("phase", "")).lower()
        if now in PHASES and wanted in PHASES and PHASES.index(wanted) < PHASES.index(now):
            body["phase"] = now


def fix_ng_body(case, body):
    method, path = case.method.upper(), case.path
    dto = body
    for wrapper in ("organization", "project", "resourceGroup", "resource_group"):
        if isinstance(body.get(wrapper), dict):
            dto = body[wrapper]
    if not isinstance(dto, dict):
        return
    org, project = query_scope(case)
    level = scope_level(org, project)
    fix_scope_fields(dto, org, project)
    if method == "PUT" and "identifier" in dto:
        dto["identifier"] = entity_param(case)
    if path.startswith("/authz/api/roles"):
        fix_role(dto, "allowedScopeLevels", level, method == "PUT")
    if path.startswith("/authz/api/v2/resourcegroup"):
        fix_levels(dto, "allowedScopeLevels", level)
        fix_included_scopes(dto.get("includedScopes"),
                            ("accountIdentifier", "orgIdentifier", "projectIdentifier"), org, project)
    if path in ("/authz/api/roleassignments", "/authz/api/roleassignments/{identifier}"):
        fix_assignment(dto, level, "scopeLevel", "roleReference")
        same_role(dto, "roleIdentifier", "roleReference")


def now_ms():
    return int(time.time() * 1000)


def fix_stored_assignment(case, body, wrapper):
    """A PUT may change `disabled` only: the other fields as stored (a 404 stays a 404)."""
    path = case.path
    for name in (case.path_parameters or {}):
        path = path.replace("{" + name + "}", urllib.parse.quote(str(param(case, name)), safe=""))
    if case.query:
        path += "?" + urllib.parse.urlencode({k: v for k, v in case.query.items() if isinstance(v, str)})
    try:
        stored = get(path)
    except Exception:
        return
    stored = stored.get("data", stored) if isinstance(stored, dict) else {}
    stored = stored.get(wrapper) if isinstance(stored, dict) else None
    if not isinstance(stored, dict):
        return
    for key in list(body):
        if key != "disabled" and key in stored and body[key] is not None:
            body[key] = stored[key]


class Change:
    """A preview change seen as the case of the write it names."""

    def __init__(self, method, template, params, body):
        self.method, self.path, self.path_parameters, self.body = method, template, params, body
        self.query, self.headers = {}, {}


_templates = None


def templates():
    """(regex, template) of every admin write path of the document."""
    global _templates
    if _templates is None:
        import re
        doc = get("/api-docs/openapi.json")
        _templates = []
        for template in doc["paths"]:
            regex = "^" + re.sub(r"\\{([a-z_]+)\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$"
            _templates.append((re.compile(regex), template))
    return _templates


def fix_preview(body):
    for change in body.get("changes") or []:
        if not isinstance(change, dict) or not isinstance(change.get("path"), str):
            continue
        for regex, template in templates():
            m = regex.match(change["path"])
            if m and isinstance(change.get("body"), dict):
                fake = Change(str(change.get("method", "")).upper(), template, m.groupdict(), change["body"])
                fix_v1_body(fake, change["body"])
                break


@schemathesis.hook
def before_call(context, case, kwargs):
    if not positive(case):
        return
    fix_ng_query(case)
    if case.path == "/v1/principals/{type}/{id}/permissions" and isinstance(case.query, dict):
        scope = case.query.get("scope")
        if isinstance(scope, str) and scope.strip():
            parts = scope.strip().split("/")
            case.query["scope"] = "/".join([ACCOUNT, *parts[1:]])
    if case.path == "/v1/audit-events" and isinstance(case.query, dict):
        q = case.query
        try:
            if int(str(q["from"]).strip()) > int(str(q["to"]).strip()):
                q["from"], q["to"] = q["to"], q["from"]
        except (KeyError, ValueError):
            pass
    if not isinstance(case.body, dict):
        return
    if case.path == "/v1/policy/preview":
        fix_preview(case.body)
    elif case.path.startswith("/v1/") or case.path == "/authz/api/acl":
        fix_v1_body(case, case.body)
    else:
        fix_ng_body(case, case.body)
    if case.method.upper() == "PUT" and case.path.endswith("/role-assignments/{assignment}"):
        fix_stored_assignment(case, case.body, "role-assignment")
    if case.method.upper() == "PUT" and case.path == "/authz/api/roleassignments/{identifier}":
        fix_stored_assignment(case, case.body, "roleAssignment")
