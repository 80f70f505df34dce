-- Webhook delivery lanes: a test event sent from the page goes before any
-- backlog (priority 1), and the worker caps attempts in flight per
-- receiver, counting the leased rows through their own index so a slow
-- receiver's backlog is never scanned to find them.
ALTER TABLE webhook_deliveries ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
DROP INDEX webhook_deliveries_due;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (priority DESC, next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_leased ON webhook_deliveries (locked_until) WHERE status = 'pending';
