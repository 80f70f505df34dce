-- An email the outbox gave up on after its delivery window: kept, with its
-- last error, for an administrator to see and send again.
ALTER TABLE outbox ADD COLUMN failed_at BIGINT;
CREATE INDEX outbox_failed ON outbox (failed_at) WHERE failed_at IS NOT NULL;
