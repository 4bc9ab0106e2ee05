-- The decision log (DESIGN §4.8): per account and hour, one row per (principal,
-- credential, permission, resource, outcome) with a count and the last time seen, written
-- in batches by each replica's gateway; what-if previews decide every row again.
-- `credential` is `token:<id>`, `jwt`, `jwt:<scope>` or `` (public); `resource_identifier`
-- is `` for a type-level decision; `attributes` the route's own attributes (JSON) or ``.
CREATE TABLE decision_log (
    account TEXT NOT NULL,
    hour BIGINT NOT NULL,
    principal_type TEXT NOT NULL,
    principal_identifier TEXT NOT NULL,
    principal_org TEXT NOT NULL,
    principal_project TEXT NOT NULL,
    credential TEXT NOT NULL,
    permission TEXT NOT NULL,
    org TEXT NOT NULL,
    project TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_identifier TEXT NOT NULL,
    outcome TEXT NOT NULL,
    attributes TEXT NOT NULL,
    count BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    PRIMARY KEY (account, hour, principal_type, principal_identifier, principal_org,
        principal_project, credential, permission, org, project, resource_type,
        resource_identifier, outcome)
);
CREATE INDEX decision_log_hour ON decision_log (hour);
