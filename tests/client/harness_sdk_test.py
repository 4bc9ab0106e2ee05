"""Drives scopegate's NG API with Harness's own Python SDK, `harness-platform-sdk` 1.x,
unchanged: every call of its organizations, projects, roles, resource groups and role
assignments clients, the way a Harness user would (DESIGN §4.10).

    python3 harness_sdk_test.py BASE_URL ADMIN_TOKEN ACCOUNT

tests/it/ng_sdk.rs starts a real server (organization `eng` with project `web`, user
`sdk_user`) and runs this script against it; it prints one line per call and exits non-zero
on the first answer a Harness user would not expect.

What a missing entity looks like through this SDK is the SDK's own rule, not scopegate's:
`HarnessClient._raise_for_status` turns every 404 of a GET or DELETE into "missing" (`get`
returns `{}`, `delete` returns the error body, `list` stops) and raises for every other
error status, 404 on POST/PUT included. scopegate answers a missing entity 404 on the NG
paths as on v1 (§4.10: same HTTP statuses as v1), so this script checks that the SDK got
exactly that (an NG error body, `code: NOT_FOUND`, no fabricated data) and that every
other failure raises.
"""

import json
import sys
import time

import httpx

from harness_platform_sdk import ApiError, AuthError, HarnessClient, Scope
from harness_platform_sdk.models.authz import (
    ResourceGroupCreateRequest, RoleAssignmentCreateRequest, RoleCreateRequest,
)
from harness_platform_sdk.models.ng_api import OrganizationCreateRequest, ProjectCreateRequest

CALLS = []


def step(name):
    CALLS.append(name)
    print(f"ok  {name}", flush=True)


def expect_missing(raw_url, token, path, params, result, what):
    """The SDK's answer for a missing entity, and the server's 404 in the NG error shape."""
    assert result == {} or result == [], f"{what}: fabricated data {result!r}"
    answer = httpx.get(raw_url + path, params=params, headers={"x-api-key": token})
    assert answer.status_code == 404, f"{what}: {answer.status_code} {answer.text}"
    body = answer.json()
    assert body["status"] == "ERROR" and body["code"] == "NOT_FOUND", f"{what}: {body}"
    assert body["correlationId"], body


def expect_raises(kind, status, call, what):
    try:
        got = call()
    except kind as e:
        assert e.status_code == status, f"{what}: {e}"
        body = json.loads(e.body)
        assert body["status"] == "ERROR" and body["code"], f"{what}: {body}"
        return e
    raise AssertionError(f"{what}: expected {kind.__name__} {status}, got {got!r}")


def organizations(client, url, token, account):
    orgs = client.organizations
    made = orgs.create(OrganizationCreateRequest(
        identifier="sdk_org", name="SDK org", description="made by the SDK", tags={"k": "v"}))
    assert (made.identifier, made.name, made.tags) == ("sdk_org", "SDK org", {"k": "v"}), made
    step("organizations.create")
    got = orgs.get("sdk_org")
    assert (got.identifier, got.description, got.account_identifier) == (
        "sdk_org", "made by the SDK", account), got
    step("organizations.get")
    listed = {o.identifier: o for o in orgs.list()}
    assert {"eng", "sdk_org"} <= set(listed), listed
    assert [o.identifier for o in orgs.list(searchTerm="SDK")] == ["sdk_org"]
    step("organizations.list")
    changed = orgs.update("sdk_org", OrganizationCreateRequest(identifier="sdk_org", name="Renamed"))
    assert changed.name == "Renamed" and orgs.get("sdk_org").name == "Renamed", changed
    step("organizations.update")
    gone = orgs.delete("sdk_org")
    assert gone["status"] == "SUCCESS" and gone["data"] is True, gone
    step("organizations.delete")
    expect_missing(url, token, "/ng/api/organizations/sdk_org", {"accountIdentifier": account},
                   orgs.get("sdk_org"), "organizations.get of a deleted organization")
    again = orgs.delete("sdk_org")
    assert again["status"] == "ERROR" and again["code"] == "NOT_FOUND", again
    expect_raises(ApiError, 404, lambda: orgs.update(
        "sdk_org", OrganizationCreateRequest(identifier="sdk_org", name="x")), "update missing")
    expect_raises(ApiError, 409, lambda: orgs.create(
        OrganizationCreateRequest(identifier="eng", name="dup")), "create duplicate")
    step("organizations: missing and conflicting")


def projects(client, url, token, account):
    prj = client.projects
    made = prj.create(ProjectCreateRequest(
        identifier="sdk_prj", name="SDK project", color="#0063f7", tags={"a": "b"}))
    assert (made.identifier, made.org_identifier, made.tags) == ("sdk_prj", "eng", {"a": "b"}), made
    step("projects.create")
    got = prj.get("sdk_prj")
    assert (got.name, got.org_identifier) == ("SDK project", "eng"), got
    step("projects.get")
    assert {"web", "sdk_prj"} <= {p.identifier for p in prj.list()}
    step("projects.list")
    changed = prj.update("sdk_prj", ProjectCreateRequest(
        identifier="sdk_prj", name="Renamed", org_identifier="eng"))
    assert changed.name == "Renamed", changed
    step("projects.update")
    gone = prj.delete("sdk_prj")
    assert gone["data"] is True, gone
    step("projects.delete")
    expect_missing(url, token, "/ng/api/projects/sdk_prj",
                   {"accountIdentifier": account, "orgIdentifier": "eng"},
                   prj.get("sdk_prj"), "projects.get of a deleted project")
    expect_raises(ApiError, 404, lambda: prj.create(
        ProjectCreateRequest(identifier="p", name="p"), scope=Scope(account_id=account, org="nope")),
        "create in a missing organization")
    expect_raises(ApiError, 400, lambda: prj.create(
        ProjectCreateRequest(identifier="p", name="p", org_identifier="sales")),
        "create with a body for another organization")
    step("projects: missing and other scope")


def roles(client, url, token, account):
    api = client.roles
    made = api.create(RoleCreateRequest(
        identifier="sdk_role", name="SDK role", allowedScopeLevels=["project"],
        permissions=["core_project_view", "sei_seiteams_view"], description="d", tags={"t": "1"}))
    assert made.identifier == "sdk_role" and made.allowed_scope_levels == ["project"], made
    assert sorted(made.permissions) == ["core_project_view", "sei_seiteams_view"], made
    step("roles.create")
    got = api.get("sdk_role")
    assert (got.name, got.tags, got.project_identifier) == ("SDK role", {"t": "1"}, "web"), got
    assert api.get("_project_viewer").identifier == "_project_viewer"
    step("roles.get")
    listed = {r.identifier for r in api.list()}
    assert "sdk_role" in listed, listed
    step("roles.list")
    changed = api.update("sdk_role", RoleCreateRequest(
        identifier="sdk_role", name="Renamed", allowedScopeLevels=["project"],
        permissions=["core_project_view"]))
    assert changed.name == "Renamed" and changed.permissions == ["core_project_view"], changed
    step("roles.update")
    gone = api.delete("sdk_role")
    assert gone["data"]["role"]["identifier"] == "sdk_role", gone
    step("roles.delete")
    expect_missing(url, token, "/authz/api/roles/sdk_role",
                   {"accountIdentifier": account, "orgIdentifier": "eng", "projectIdentifier": "web"},
                   api.get("sdk_role"), "roles.get of a deleted role")
    again = api.delete("sdk_role")
    assert again["status"] == "ERROR" and again["code"] == "NOT_FOUND", again
    expect_raises(ApiError, 400, lambda: api.create(RoleCreateRequest(
        identifier="bad", name="bad", allowedScopeLevels=["project"], permissions=["no_such_permission"])),
        "create with an unknown permission")
    expect_raises(AuthError, 403, lambda: api.delete("_project_viewer"), "delete a built-in role")
    step("roles: missing, invalid and managed")


def resource_groups(client, url, token, account):
    api = client.resource_groups
    scopes = [{"filter": "EXCLUDING_CHILD_SCOPES", "accountIdentifier": account,
               "orgIdentifier": "eng", "projectIdentifier": "web"}]
    selection = {"includeAllResources": False, "resources": [
        {"resourceType": "SEI_TEAM", "identifiers": ["team_a"]},
        {"resourceType": "SEI_INSIGHTS",
         "attributeFilter": {"attributeName": "category", "attributeValues": ["dora"]}}]}
    made = api.create(ResourceGroupCreateRequest(
        identifier="sdk_rg", name="SDK group", allowedScopeLevels=["project"],
        includedScopes=scopes, resourceFilter=selection, color="#ff0000", description="d"))
    assert made.identifier == "sdk_rg" and made.included_scopes[0]["projectIdentifier"] == "web", made
    assert made.resource_filter["resources"][0]["identifiers"] == ["team_a"], made
    step("resource_groups.create")
    got = api.get("sdk_rg")
    assert got.resource_filter["resources"][1]["attributeFilter"] == {
        "attributeName": "category", "attributeValues": ["dora"]}, got
    assert got.allowed_scope_levels == ["project"] and got.color == "#ff0000", got
    step("resource_groups.get")
    listed = {g.identifier for g in api.list()}
    assert {"sdk_rg", "_all_project_level_resources"} <= listed, listed
    step("resource_groups.list")
    changed = api.update("sdk_rg", ResourceGroupCreateRequest(
        identifier="sdk_rg", name="Renamed", allowedScopeLevels=["project"], includedScopes=scopes,
        resourceFilter={"includeAllResources": True, "resources": []}))
    assert changed.name == "Renamed" and changed.resource_filter["includeAllResources"] is True, changed
    step("resource_groups.update")
    gone = api.delete("sdk_rg")
    assert gone["data"] is True, gone
    step("resource_groups.delete")
    expect_missing(url, token, "/authz/api/v2/resourcegroup/sdk_rg",
                   {"accountIdentifier": account, "orgIdentifier": "eng", "projectIdentifier": "web"},
                   api.get("sdk_rg"), "resource_groups.get of a deleted group")
    expect_raises(ApiError, 400, lambda: api.create(ResourceGroupCreateRequest(
        identifier="bad", name="bad", allowedScopeLevels=["project"], includedScopes=scopes,
        resourceFilter={"includeAllResources": True, "resources": [{"resourceType": "SEI_TEAM"}]})),
        "all resources together with a filter")
    step("resource_groups: missing and unrepresentable")


def role_assignments(client, url, token, account):
    api = client.role_assignments
    body = dict(roleIdentifier="_project_viewer", resourceGroupIdentifier="_all_project_level_resources",
                roleReference={"identifier": "_project_viewer", "scopeLevel": "account"},
                principal={"identifier": "sdk_user", "type": "USER", "scopeLevel": "account"})
    made = api.create(RoleAssignmentCreateRequest(**body))
    assert made.identifier.startswith("role_assignment_"), made
    assert (made.role_identifier, made.principal["identifier"]) == ("_project_viewer", "sdk_user"), made
    step("role_assignments.create")
    got = api.get(made.identifier)
    assert (got.resource_group_identifier, got.disabled) == ("_all_project_level_resources", False), got
    step("role_assignments.get")
    assert made.identifier in {a.identifier for a in api.list()}
    step("role_assignments.list")
    changed = api.update(made.identifier, RoleAssignmentCreateRequest(
        identifier=made.identifier, disabled=True, **body))
    assert changed.disabled is True and api.get(made.identifier).disabled is True, changed
    step("role_assignments.update")
    expect_raises(ApiError, 400, lambda: api.update(made.identifier, RoleAssignmentCreateRequest(
        identifier=made.identifier, **{**body, "roleIdentifier": "_project_admin",
                                       "roleReference": {"identifier": "_project_admin", "scopeLevel": "account"}})),
        "change the role of an assignment")
    gone = api.delete(made.identifier)
    assert gone["data"]["roleAssignment"]["identifier"] == made.identifier, gone
    step("role_assignments.delete")
    expect_missing(url, token, f"/authz/api/roleassignments/{made.identifier}",
                   {"accountIdentifier": account, "orgIdentifier": "eng", "projectIdentifier": "web"},
                   api.get(made.identifier), "role_assignments.get of a deleted assignment")
    expect_raises(ApiError, 404, lambda: api.create(RoleAssignmentCreateRequest(
        **{**body, "principal": {"identifier": "nobody", "type": "USER"}})), "assign a missing user")
    step("role_assignments: missing and invalid")


def main(url, token, account):
    started = time.monotonic()
    with HarnessClient(api_key=token, account_id=account, base_url=url,
                       default_org="eng", default_project="web") as client:
        organizations(client, url, token, account)
        projects(client, url, token, account)
        roles(client, url, token, account)
        resource_groups(client, url, token, account)
        role_assignments(client, url, token, account)
    # The Go SDK's and Terraform provider's base URL ends in /gateway.
    with HarnessClient(api_key=token, account_id=account, base_url=url + "/gateway",
                       default_org="eng", default_project="web") as gateway:
        assert "eng" in {o.identifier for o in gateway.organizations.list()}
        assert "_all_project_level_resources" in {g.identifier for g in gateway.resource_groups.list()}
        step("the same calls under /gateway")
    with HarnessClient(api_key="pat.acme.nope.nope", account_id=account, base_url=url,
                       default_org="eng", default_project="web") as stranger:
        expect_raises(AuthError, 401, lambda: list(stranger.roles.list()), "a bad token")
        step("a bad token raises")
    print(f"{len(CALLS)} checks passed in {time.monotonic() - started:.2f}s")


if __name__ == "__main__":
    main(*sys.argv[1:4])
