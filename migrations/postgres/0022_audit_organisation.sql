-- The partner organisation an audit entry concerns, so staff can read one
-- partner's history: set from the actor's organisation when a partner's
-- person acts, or named by the action when staff act on a partner. Earlier
-- entries take their actor's organisation.
ALTER TABLE audit_log ADD COLUMN organisation_id BIGINT REFERENCES organisations (id);
UPDATE audit_log SET organisation_id = (SELECT u.org_id FROM users u WHERE u.id = audit_log.actor_id);
CREATE INDEX audit_log_by_organisation ON audit_log (brand_id, organisation_id, id);
