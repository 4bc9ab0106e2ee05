-- scopegate schema, PostgreSQL flavour. migrations/sqlite holds the same tables with
-- SQLite types; a test checks both against src/storage/schema.rs.
-- Scopes are stored as (account, org, project) with '' for "none", so that primary keys
-- and indexes work the same on both backends. Times are epoch milliseconds.

CREATE TABLE accounts (
    identifier TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL
);

CREATE TABLE organizations (
    account TEXT NOT NULL,
    identifier TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    tags TEXT NOT NULL,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL,
    PRIMARY KEY (account, identifier)
);

CREATE TABLE projects (
    account TEXT NOT NULL,
    org TEXT NOT NULL,
    identifier TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    tags TEXT NOT NULL,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL,
    PRIMARY KEY (account, org, identifier)
);

CREATE TABLE users (
    account TEXT NOT NULL,
    identifier TEXT NOT NULL,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    password_hash TEXT,
    organization TEXT,
    disabled BOOLEAN NOT NULL,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL,
    PRIMARY KEY (account, identifier)
);
CREATE UNIQUE INDEX users_email ON users (account, email);

CREATE TABLE user_groups (
    account TEXT NOT NULL,
    org TEXT NOT NULL,
    project TEXT NOT NULL,
    identifier TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL,
    PRIMARY KEY (account, org, project, identifier)
);

CREATE TABLE user_group_members (
    account TEXT NOT NULL,
    org TEXT NOT NULL,
    project TEXT NOT NULL,
    group_identifier TEXT NOT NULL,
    user_identifier TEXT NOT NULL,
    PRIMARY KEY (account, org, project, group_identifier, user_identifier)
);
CREATE INDEX user_group_members_user ON user_group_members (account, user_identifier);

CREATE TABLE service_accounts (
    account TEXT NOT NULL,
    org TEXT NOT NULL,
    project TEXT NOT NULL,
    identifier TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    description TEXT NOT NULL,
    disabled BOOLEAN NOT NULL,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL,
    PRIMARY KEY (account, org, project, identifier)
);

-- One row per issued token value. Rotation inserts a new row with the same logical
-- identifier and sets grace_until on the old one.
CREATE TABLE api_tokens (
    token_id TEXT NOT NULL PRIMARY KEY,
    account TEXT NOT NULL,
    owner_type TEXT NOT NULL,
    owner_org TEXT NOT NULL,
    owner_project TEXT NOT NULL,
    owner_identifier TEXT NOT NULL,
    identifier TEXT NOT NULL,
    name TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    permissions TEXT,
    valid_to BIGINT,
    grace_until BIGINT,
    issued_by TEXT NOT NULL,
    created BIGINT NOT NULL
);
CREATE INDEX api_tokens_owner ON api_tokens (account, owner_type, owner_org, owner_project, owner_identifier, identifier);

CREATE TABLE roles (
    account TEXT NOT NULL,
    org TEXT NOT NULL,
    project TEXT NOT NULL,
    identifier TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    tags TEXT NOT NULL,
    allowed_scope_levels TEXT NOT NULL,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL,
    PRIMARY KEY (account, org, project, identifier)
);

CREATE TABLE role_permissions (
    account TEXT NOT NULL,
    org TEXT NOT NULL,
    project TEXT NOT NULL,
    role_identifier TEXT NOT NULL,
    permission TEXT NOT NULL,
    PRIMARY KEY (account, org, project, role_identifier, permission)
);
CREATE INDEX role_permissions_permission ON role_permissions (account, permission);

CREATE TABLE resource_groups (
    account TEXT NOT NULL,
    org TEXT NOT NULL,
    project TEXT NOT NULL,
    identifier TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    color TEXT NOT NULL,
    tags TEXT NOT NULL,
    included_scopes TEXT NOT NULL,
    resource_filters TEXT NOT NULL,
    include_all_resources BOOLEAN NOT NULL,
    allowed_scope_levels TEXT NOT NULL,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL,
    PRIMARY KEY (account, org, project, identifier)
);

-- role_scope_level: '' for a built-in role, else the level of the assignment's scope (or
-- an ancestor) where the role is defined. principal_org/principal_project are derived from
-- the assignment's scope and the principal's level, so that one index answers "all
-- assignments of this principal".
CREATE TABLE role_assignments (
    account TEXT NOT NULL,
    org TEXT NOT NULL,
    project TEXT NOT NULL,
    identifier TEXT NOT NULL,
    role_identifier TEXT NOT NULL,
    role_scope_level TEXT NOT NULL,
    resource_group_identifier TEXT NOT NULL,
    principal_type TEXT NOT NULL,
    principal_identifier TEXT NOT NULL,
    principal_scope_level TEXT NOT NULL,
    principal_org TEXT NOT NULL,
    principal_project TEXT NOT NULL,
    disabled BOOLEAN NOT NULL,
    managed BOOLEAN NOT NULL,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL,
    PRIMARY KEY (account, org, project, identifier)
);
CREATE INDEX role_assignments_principal ON role_assignments (account, principal_type, principal_identifier, principal_org, principal_project);
CREATE INDEX role_assignments_role ON role_assignments (account, role_identifier);
CREATE INDEX role_assignments_group ON role_assignments (account, resource_group_identifier);

CREATE TABLE resources (
    account TEXT NOT NULL,
    org TEXT NOT NULL,
    project TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    identifier TEXT NOT NULL,
    attributes TEXT NOT NULL,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL,
    PRIMARY KEY (account, org, project, resource_type, identifier)
);

-- Registry writes, polled by every replica to invalidate cached attributes.
CREATE TABLE resource_changes (
    seq BIGSERIAL PRIMARY KEY,
    account TEXT NOT NULL,
    org TEXT NOT NULL,
    project TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    identifier TEXT NOT NULL,
    at BIGINT NOT NULL
);

CREATE TABLE permission_splits (
    account TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    phase TEXT NOT NULL,
    roles_changed TEXT NOT NULL,
    updated BIGINT NOT NULL,
    PRIMARY KEY (account, resource_type)
);

CREATE TABLE audit_events (
    id BIGSERIAL PRIMARY KEY,
    at BIGINT NOT NULL,
    account TEXT NOT NULL,
    org TEXT NOT NULL,
    project TEXT NOT NULL,
    principal_type TEXT NOT NULL,
    principal_identifier TEXT NOT NULL,
    action TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_identifier TEXT NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT NOT NULL,
    request_id TEXT NOT NULL,
    before TEXT,
    after TEXT
);
CREATE INDEX audit_events_account_at ON audit_events (account, at);
CREATE INDEX audit_events_principal ON audit_events (account, principal_identifier);

-- Per-account counters every replica polls: policy writes bump `policy` (cached grants
-- are dropped), credential writes bump `credentials` (cached tokens are re-checked).
CREATE TABLE epochs (
    account TEXT NOT NULL PRIMARY KEY,
    policy BIGINT NOT NULL,
    credentials BIGINT NOT NULL
);
