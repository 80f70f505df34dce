-- Attempts per key in fixed windows, shared by every instance: sign-ins
-- (per account and address, per account, per address), applications,
-- password-reset requests and mails, invitations. Keys are hashes, never
-- the email addresses or client addresses themselves.
CREATE TABLE rate_counters (
    scope         TEXT NOT NULL,
    key_hash      TEXT NOT NULL,
    window_start  BIGINT NOT NULL,
    count         BIGINT NOT NULL,
    PRIMARY KEY (scope, key_hash)
);
CREATE INDEX rate_counters_by_window ON rate_counters (window_start);
