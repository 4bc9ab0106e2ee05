"""Drives scopegate's admin API through a client generated from its own OpenAPI document
(openapi-python-client), the way a Harness API client would: wrapped bodies, integer
timestamps, DELETE answering the object, bare-integer counts, roleReference, the ACL
principal, Error bodies. Every answer is parsed by the generated models, so a response
that strays from the document fails here.

    python3 harness_client.py BASE_URL ADMIN_TOKEN ACCOUNT   (the generated package on PYTHONPATH)

tests/it/openapi.rs (`a_generated_client_drives_the_admin_api`) generates the client from
the document a test server serves and runs this script against that server.
"""

import sys

from sg_client import AuthenticatedClient
from sg_client.api.access import acl
from sg_client.api.organizations import create_org, delete_org, get_org, list_orgs, update_org
from sg_client.api.projects import create_project, delete_project
from sg_client.api.role_assignments import count_assignments_org, create_assignment_org
from sg_client.api.roles import count_roles, count_roles_org, create_role
from sg_client.api.tokens import create_user_token
from sg_client.api.users import create_user
from sg_client.models import (
    AclItem, AclRequest, Error, OrgFields, OrgRequest, OrgResponse, PermissionIdentifier,
    PrincipalBody, PrincipalIn,
    ProjectRequest, ProjectResponse, ResourceScopeIn, RoleAssignmentRequest,
    RoleAssignmentResponse, RoleReferenceBody, RoleRequest, RoleResponse, TokenCreate,
    TokenIssued, UserCreate, UserOut,
)


def expect(value, kind, what):
    assert isinstance(value, kind), f"{what}: expected {kind.__name__}, got {value!r}"
    return value


def main(base_url: str, token: str, account: str) -> None:
    admin = AuthenticatedClient(
        base_url=base_url, token=token, prefix="", auth_header_name="x-api-key",
        raise_on_unexpected_status=True,
    )
    made = expect(create_org.sync(client=admin, body=OrgRequest(org=OrgFields(
        identifier="genco", name="Generated Co"))), OrgResponse, "create org")
    assert made.org.identifier == "genco" and isinstance(made.created, int) and made.created > 1e12
    got = expect(get_org.sync("genco", client=admin), OrgResponse, "get org")
    assert got.org.name == "Generated Co"
    put = expect(update_org.sync("genco", client=admin, body=OrgRequest(org=OrgFields(
        identifier="genco", name="Renamed"))), OrgResponse, "update org")
    assert put.org.name == "Renamed" and put.updated >= put.created
    listed = list_orgs.sync(client=admin, limit=100, order="DESC")
    assert any(o.org.identifier == "genco" for o in listed), listed
    project = expect(create_project.sync("genco", client=admin, body=ProjectRequest(
        project=OrgFields(identifier="web", name="Web", org="genco"))),
        ProjectResponse, "create project")
    assert project.project.identifier == "web"

    account_roles = expect(count_roles.sync(client=admin), int, "role count")
    assert account_roles >= 13, account_roles
    expect(count_roles_org.sync("genco", client=admin), int, "org role count")
    role = expect(create_role.sync(client=admin, body=RoleRequest(
        identifier="gen_viewer", name="Generated viewer",
        permissions=[PermissionIdentifier("sei_seiinsights_view"),
                     PermissionIdentifier("sei_seiteams_view")])), RoleResponse, "create role")
    assert sorted(role.permissions) == ["sei_seiinsights_view", "sei_seiteams_view"]
    assert role.scope.account == account and isinstance(role.created, int)

    user = expect(create_user.sync(client=admin, body=UserCreate(
        identifier="gina", email="Gina@Genco.test", name="Gina", organization="genco")),
        UserOut, "create user")
    assert user.email == "gina@genco.test"
    assigned = expect(create_assignment_org.sync("genco", client=admin, body=RoleAssignmentRequest(
        identifier="gina_viewer", resource_group="_all_resources_including_child_scopes",
        principal=PrincipalBody(identifier="gina", type_="USER"),
        role_reference=RoleReferenceBody(identifier="gen_viewer", scope_level="account"))),
        RoleAssignmentResponse, "create assignment")
    assert assigned.role_assignment.role == "gen_viewer"
    assert assigned.role_assignment.role_reference.scope_level == "account"
    assert assigned.role_assignment.principal.identifier == "gina"
    assert count_assignments_org.sync("genco", client=admin) == 1

    issued = expect(create_user_token.sync("gina", client=admin, body=TokenCreate(
        identifier="ci", name="CI")), TokenIssued, "token for another user")
    assert issued.token.startswith("pat.")

    scope = ResourceScopeIn(account_identifier=None, org_identifier="genco", project_identifier="web")
    answer = acl.sync(client=admin, body=AclRequest(
        principal=PrincipalIn.from_dict({"principalIdentifier": "gina", "principalType": "USER"}),
        permissions=[
            AclItem(permission="sei_seiinsights_view", resource_scope=scope, resource_type="SEI_INSIGHTS"),
            AclItem(permission="sei_seiinsights_edit", resource_scope=scope, resource_type="SEI_INSIGHTS"),
        ]))
    assert [a.permitted for a in answer.data.access_control_list] == [True, False], answer

    missing = expect(get_org.sync("nope", client=admin), Error, "missing org")
    assert missing.code.value == "NOT_FOUND" and missing.message

    removed = expect(delete_project.sync("genco", "web", client=admin), ProjectResponse, "delete project")
    assert removed.project.identifier == "web"
    gone = expect(delete_org.sync("genco", client=admin), OrgResponse, "delete org")
    assert gone.org.identifier == "genco"
    expect(get_org.sync("genco", client=admin), Error, "deleted org")
    print("generated client: all calls answered as documented")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
