-- The access console's "Why" view looks audit events up by the request id of a 403
-- (GET /v1/audit-events?request_id=…).
CREATE INDEX audit_events_request_id ON audit_events (account, request_id);
