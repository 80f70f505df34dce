-- Integration: API keys, agents and their trust history, sandbox usage,
-- the API request log, idempotency keys, webhook subscriptions and their
-- deliveries.

CREATE TABLE api_keys (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    brand_id         BIGINT NOT NULL REFERENCES brands (id),
    organisation_id  BIGINT NOT NULL REFERENCES organisations (id),
    environment      TEXT NOT NULL,
    name             TEXT NOT NULL,
    scopes           TEXT NOT NULL,
    -- Keyed hash (HMAC-SHA256 under the server's secret) of the whole key.
    key_hash         TEXT NOT NULL UNIQUE,
    hint             TEXT NOT NULL,
    created_by       TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    expires_at       BIGINT,
    revoked_at       BIGINT,
    last_used_at     BIGINT
);
CREATE INDEX api_keys_by_org ON api_keys (organisation_id, id);

CREATE TABLE agents (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    public_id         TEXT NOT NULL UNIQUE,
    brand_id          BIGINT NOT NULL REFERENCES brands (id),
    organisation_id   BIGINT NOT NULL REFERENCES organisations (id),
    environment       TEXT NOT NULL,
    name              TEXT NOT NULL,
    external_ref      TEXT,
    customer_user_id  BIGINT REFERENCES users (id),
    trust_score       BIGINT NOT NULL,
    events            BIGINT NOT NULL DEFAULT 0,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
CREATE INDEX agents_by_org ON agents (organisation_id, environment, id);
CREATE INDEX agents_by_customer ON agents (customer_user_id) WHERE customer_user_id IS NOT NULL;

CREATE TABLE agent_events (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agent_id         BIGINT NOT NULL REFERENCES agents (id),
    organisation_id  BIGINT NOT NULL REFERENCES organisations (id),
    environment      TEXT NOT NULL,
    event_id         TEXT NOT NULL,
    outcome          TEXT NOT NULL,
    score_before     BIGINT NOT NULL,
    score_after      BIGINT NOT NULL,
    received_at      BIGINT NOT NULL
);
CREATE UNIQUE INDEX agent_events_by_event_id ON agent_events (organisation_id, environment, event_id);
CREATE INDEX agent_events_by_agent ON agent_events (agent_id, id);

-- Sandbox events per partner and UTC day; the quota is enforced by a
-- guarded UPDATE, so concurrent requests cannot pass it together.
CREATE TABLE sandbox_usage (
    organisation_id  BIGINT NOT NULL REFERENCES organisations (id),
    day              BIGINT NOT NULL,
    events           BIGINT NOT NULL,
    PRIMARY KEY (organisation_id, day)
);

-- Which week's sandbox reset has run (one row; the guarded UPDATE lets one
-- instance of several run it).
CREATE TABLE integration_schedule (
    id                  BIGINT PRIMARY KEY,
    sandbox_reset_week  BIGINT NOT NULL
);
INSERT INTO integration_schedule (id, sandbox_reset_week) VALUES (1, 0);

-- Every API request, kept for a week, and hourly rollups kept for the
-- traffic view and scorecards.
CREATE TABLE api_requests (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id  BIGINT NOT NULL REFERENCES organisations (id),
    environment      TEXT NOT NULL,
    key_id           BIGINT,
    method           TEXT NOT NULL,
    route            TEXT NOT NULL,
    status           BIGINT NOT NULL,
    latency_us       BIGINT NOT NULL,
    at               BIGINT NOT NULL
);
CREATE INDEX api_requests_by_org ON api_requests (organisation_id, id);

CREATE TABLE api_traffic (
    organisation_id  BIGINT NOT NULL REFERENCES organisations (id),
    environment      TEXT NOT NULL,
    hour             BIGINT NOT NULL,
    requests         BIGINT NOT NULL,
    -- Answers with a 5xx status (ours) and with a 4xx status (the caller's).
    errors           BIGINT NOT NULL,
    client_errors    BIGINT NOT NULL,
    latency_sum_us   BIGINT NOT NULL,
    latency_max_us   BIGINT NOT NULL,
    fast             BIGINT NOT NULL,
    -- Requests per latency bucket (under 10, 25, 50, 100, 250, 1000 ms, and
    -- slower), from which percentiles are read.
    lat_0            BIGINT NOT NULL DEFAULT 0,
    lat_1            BIGINT NOT NULL DEFAULT 0,
    lat_2            BIGINT NOT NULL DEFAULT 0,
    lat_3            BIGINT NOT NULL DEFAULT 0,
    lat_4            BIGINT NOT NULL DEFAULT 0,
    lat_5            BIGINT NOT NULL DEFAULT 0,
    lat_6            BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (organisation_id, environment, hour)
);

CREATE TABLE idempotency_keys (
    organisation_id  BIGINT NOT NULL REFERENCES organisations (id),
    environment      TEXT NOT NULL,
    idem_key         TEXT NOT NULL,
    request_hash     TEXT NOT NULL,
    status           BIGINT,
    response         TEXT,
    created_at       BIGINT NOT NULL,
    PRIMARY KEY (organisation_id, environment, idem_key)
);

-- Which environment an event belongs to; NULL for program events that
-- concern both (certification, statements, payouts).
ALTER TABLE event_log ADD COLUMN environment TEXT;
-- Set once an event's deliveries exist. A flag per row rather than a
-- cursor: ids can commit out of order, and a cursor would skip the late one.
ALTER TABLE event_log ADD COLUMN fanned_out BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX event_log_to_fan_out ON event_log (id) WHERE fanned_out = FALSE;

CREATE TABLE webhook_subscriptions (
    id                    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    public_id             TEXT NOT NULL UNIQUE,
    brand_id              BIGINT NOT NULL REFERENCES brands (id),
    organisation_id       BIGINT NOT NULL REFERENCES organisations (id),
    environment           TEXT NOT NULL,
    url                   TEXT NOT NULL,
    patterns              TEXT NOT NULL,
    -- Signing secrets, encrypted under the server's secret.
    secret                TEXT NOT NULL,
    previous_secret       TEXT,
    previous_until        BIGINT,
    active                BOOLEAN NOT NULL,
    disabled_reason       TEXT,
    -- The newest event_log id when it was made: it receives only later events.
    since_event           BIGINT NOT NULL,
    created_at            BIGINT NOT NULL,
    deleted_at            BIGINT
);
CREATE INDEX webhook_subscriptions_by_org ON webhook_subscriptions (organisation_id, id);

CREATE TABLE webhook_deliveries (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subscription_id  BIGINT NOT NULL REFERENCES webhook_subscriptions (id),
    organisation_id  BIGINT NOT NULL REFERENCES organisations (id),
    event_log_id     BIGINT REFERENCES event_log (id),
    msg_id           TEXT NOT NULL,
    event_type       TEXT NOT NULL,
    payload          TEXT NOT NULL,
    status           TEXT NOT NULL,
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    locked_until     BIGINT,
    created_at       BIGINT NOT NULL,
    finished_at      BIGINT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_by_subscription ON webhook_deliveries (subscription_id, id);

CREATE TABLE webhook_attempts (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id      BIGINT NOT NULL REFERENCES webhook_deliveries (id),
    attempt          BIGINT NOT NULL,
    at               BIGINT NOT NULL,
    duration_ms      BIGINT NOT NULL,
    response_status  BIGINT,
    error            TEXT,
    response_body    TEXT
);
CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts (delivery_id, id);
