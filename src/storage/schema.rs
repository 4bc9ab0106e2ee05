// @generated automatically by Diesel CLI.

diesel::table! {
    accounts (identifier) {
        identifier -> Text,
        name -> Text,
        created -> Int8,
        updated -> Int8,
    }
}

diesel::table! {
    organizations (account, identifier) {
        account -> Text,
        identifier -> Text,
        name -> Text,
        description -> Text,
        tags -> Text,
        created -> Int8,
        updated -> Int8,
    }
}

diesel::table! {
    projects (account, org, identifier) {
        account -> Text,
        org -> Text,
        identifier -> Text,
        name -> Text,
        description -> Text,
        tags -> Text,
        created -> Int8,
        updated -> Int8,
    }
}

diesel::table! {
    users (account, identifier) {
        account -> Text,
        identifier -> Text,
        email -> Text,
        name -> Text,
        password_hash -> Nullable<Text>,
        organization -> Nullable<Text>,
        disabled -> Bool,
        created -> Int8,
        updated -> Int8,
    }
}

diesel::table! {
    user_groups (account, org, project, identifier) {
        account -> Text,
        org -> Text,
        project -> Text,
        identifier -> Text,
        name -> Text,
        description -> Text,
        created -> Int8,
        updated -> Int8,
    }
}

diesel::table! {
    user_group_members (account, org, project, group_identifier, user_identifier) {
        account -> Text,
        org -> Text,
        project -> Text,
        group_identifier -> Text,
        user_identifier -> Text,
    }
}

diesel::table! {
    service_accounts (account, org, project, identifier) {
        account -> Text,
        org -> Text,
        project -> Text,
        identifier -> Text,
        name -> Text,
        email -> Text,
        description -> Text,
        disabled -> Bool,
        created -> Int8,
        updated -> Int8,
    }
}

diesel::table! {
    api_tokens (token_id) {
        token_id -> Text,
        account -> Text,
        owner_type -> Text,
        owner_org -> Text,
        owner_project -> Text,
        owner_identifier -> Text,
        identifier -> Text,
        name -> Text,
        secret_hash -> Text,
        permissions -> Nullable<Text>,
        valid_to -> Nullable<Int8>,
        grace_until -> Nullable<Int8>,
        issued_by -> Text,
        created -> Int8,
    }
}

diesel::table! {
    roles (account, org, project, identifier) {
        account -> Text,
        org -> Text,
        project -> Text,
        identifier -> Text,
        name -> Text,
        description -> Text,
        tags -> Text,
        allowed_scope_levels -> Text,
        created -> Int8,
        updated -> Int8,
    }
}

diesel::table! {
    role_permissions (account, org, project, role_identifier, permission) {
        account -> Text,
        org -> Text,
        project -> Text,
        role_identifier -> Text,
        permission -> Text,
    }
}

diesel::table! {
    resource_groups (account, org, project, identifier) {
        account -> Text,
        org -> Text,
        project -> Text,
        identifier -> Text,
        name -> Text,
        description -> Text,
        color -> Text,
        tags -> Text,
        included_scopes -> Text,
        resource_filters -> Text,
        include_all_resources -> Bool,
        allowed_scope_levels -> Text,
        created -> Int8,
        updated -> Int8,
    }
}

diesel::table! {
    role_assignments (account, org, project, identifier) {
        account -> Text,
        org -> Text,
        project -> Text,
        identifier -> Text,
        role_identifier -> Text,
        role_scope_level -> Text,
        resource_group_identifier -> Text,
        principal_type -> Text,
        principal_identifier -> Text,
        principal_scope_level -> Text,
        principal_org -> Text,
        principal_project -> Text,
        disabled -> Bool,
        managed -> Bool,
        created -> Int8,
        updated -> Int8,
    }
}

diesel::table! {
    resources (account, org, project, resource_type, identifier) {
        account -> Text,
        org -> Text,
        project -> Text,
        resource_type -> Text,
        identifier -> Text,
        attributes -> Text,
        created -> Int8,
        updated -> Int8,
    }
}

diesel::table! {
    resource_changes (seq) {
        seq -> Int8,
        account -> Text,
        org -> Text,
        project -> Text,
        resource_type -> Text,
        identifier -> Text,
        at -> Int8,
    }
}

diesel::table! {
    permission_splits (account, resource_type) {
        account -> Text,
        resource_type -> Text,
        phase -> Text,
        roles_changed -> Text,
        updated -> Int8,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Int8,
        at -> Int8,
        account -> Text,
        org -> Text,
        project -> Text,
        principal_type -> Text,
        principal_identifier -> Text,
        action -> Text,
        resource_type -> Text,
        resource_identifier -> Text,
        outcome -> Text,
        reason -> Text,
        request_id -> Text,
        before -> Nullable<Text>,
        after -> Nullable<Text>,
    }
}

diesel::table! {
    decision_log (account, hour, principal_type, principal_identifier, principal_org, principal_project, credential, permission, org, project, resource_type, resource_identifier, outcome) {
        account -> Text,
        hour -> Int8,
        principal_type -> Text,
        principal_identifier -> Text,
        principal_org -> Text,
        principal_project -> Text,
        credential -> Text,
        permission -> Text,
        org -> Text,
        project -> Text,
        resource_type -> Text,
        resource_identifier -> Text,
        outcome -> Text,
        attributes -> Text,
        count -> Int8,
        last_seen -> Int8,
    }
}

diesel::table! {
    epochs (account) {
        account -> Text,
        policy -> Int8,
        credentials -> Int8,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    accounts,
    api_tokens,
    audit_events,
    decision_log,
    epochs,
    organizations,
    permission_splits,
    projects,
    resource_changes,
    resource_groups,
    resources,
    role_assignments,
    role_permissions,
    roles,
    service_accounts,
    user_group_members,
    user_groups,
    users,
);
