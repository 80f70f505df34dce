-- Times are Unix milliseconds (UTC) in BIGINT columns on both engines, so the
-- same SQL text compares and orders them everywhere.

CREATE TABLE brands (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    is_default  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX brands_one_default ON brands (is_default) WHERE is_default;

CREATE TABLE brand_domains (
    domain      TEXT PRIMARY KEY,
    brand_id    BIGINT NOT NULL REFERENCES brands (id),
    verified_at BIGINT
);

CREATE TABLE organisations (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    brand_id    BIGINT NOT NULL REFERENCES brands (id),
    name        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE users (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    brand_id            BIGINT NOT NULL REFERENCES brands (id),
    email               TEXT NOT NULL,
    display_name        TEXT NOT NULL,
    password_hash       TEXT NOT NULL,
    role                TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'partner', 'customer')),
    org_id              BIGINT REFERENCES organisations (id),
    org_role            TEXT CHECK (org_role IN ('owner', 'member')),
    session_epoch       BIGINT NOT NULL DEFAULT 0,
    created_at          BIGINT NOT NULL,
    password_changed_at BIGINT NOT NULL,
    disabled_at         BIGINT,
    UNIQUE (brand_id, email)
);

CREATE TABLE one_time_tokens (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash    TEXT NOT NULL UNIQUE,
    purpose       TEXT NOT NULL CHECK (purpose IN ('password_reset', 'invitation')),
    brand_id      BIGINT NOT NULL REFERENCES brands (id),
    email         TEXT NOT NULL,
    user_id       BIGINT REFERENCES users (id),
    role          TEXT,
    display_name  TEXT,
    org_id        BIGINT REFERENCES organisations (id),
    created_by    BIGINT REFERENCES users (id),
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    used_at       BIGINT
);
CREATE INDEX one_time_tokens_by_email ON one_time_tokens (brand_id, email, purpose);

CREATE TABLE login_failures (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    brand_id   BIGINT NOT NULL,
    email      TEXT NOT NULL,
    client_ip  TEXT NOT NULL,
    at         BIGINT NOT NULL
);
CREATE INDEX login_failures_by_email ON login_failures (brand_id, email, at);
CREATE INDEX login_failures_by_ip ON login_failures (client_ip, at);

CREATE TABLE audit_log (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    brand_id     BIGINT NOT NULL REFERENCES brands (id),
    at           BIGINT NOT NULL,
    actor_id     BIGINT REFERENCES users (id),
    actor_email  TEXT NOT NULL,
    action       TEXT NOT NULL,
    subject      TEXT NOT NULL,
    detail       TEXT NOT NULL,
    client_ip    TEXT NOT NULL
);
CREATE INDEX audit_log_by_brand ON audit_log (brand_id, id);

CREATE TABLE outbox (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind          TEXT NOT NULL,
    payload       TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    available_at  BIGINT NOT NULL,
    attempts      BIGINT NOT NULL DEFAULT 0,
    locked_until  BIGINT,
    done_at       BIGINT,
    last_error    TEXT
);
CREATE INDEX outbox_pending ON outbox (available_at) WHERE done_at IS NULL;
