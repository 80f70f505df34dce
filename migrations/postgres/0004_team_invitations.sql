-- Invitations into a partner organisation carry the role there.
ALTER TABLE one_time_tokens ADD COLUMN org_role TEXT;
