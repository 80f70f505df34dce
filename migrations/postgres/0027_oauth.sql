-- OAuth 2.0: clients a partner registers, the grants people (or the client
-- itself) make them, single-use authorization codes, rotating refresh
-- tokens, and the keys access tokens are signed with. Secrets, codes and
-- refresh tokens are kept only as keyed hashes, as API keys are; signing
-- keys are kept encrypted under the server's secret.

CREATE TABLE oauth_clients (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    brand_id            BIGINT NOT NULL REFERENCES brands (id),
    organisation_id     BIGINT NOT NULL REFERENCES organisations (id),
    -- The public identifier (`cli_…`) clients send.
    client_id           TEXT NOT NULL UNIQUE,
    name                TEXT NOT NULL,
    kind                TEXT NOT NULL CHECK (kind IN ('confidential', 'public')),
    environment         TEXT NOT NULL,
    scopes              TEXT NOT NULL,
    -- One address per line, matched exactly.
    redirect_uris       TEXT NOT NULL,
    -- Confidential clients only.
    secret_hash         TEXT UNIQUE,
    secret_hint         TEXT,
    -- Tokens carry the thumbprint of the TLS client certificate the app
    -- presented (RFC 8705) and are refused without that certificate.
    cert_bound          BOOLEAN NOT NULL DEFAULT FALSE,
    created_by          TEXT NOT NULL,
    created_at          BIGINT NOT NULL,
    revoked_at          BIGINT,
    last_used_at        BIGINT
);
CREATE INDEX oauth_clients_by_org ON oauth_clients (organisation_id, id);

-- What a client was allowed: by a person's consent (user_id) or, for the
-- client credentials grant, by the client's own registration. Every access
-- and refresh token names its grant, so revoking a grant (a reused refresh
-- token, RFC 7009 revocation) stops all of them at once.
CREATE TABLE oauth_grants (
    id                  TEXT PRIMARY KEY,
    client_pk           BIGINT NOT NULL REFERENCES oauth_clients (id),
    user_id             BIGINT REFERENCES users (id),
    scopes              TEXT NOT NULL,
    created_at          BIGINT NOT NULL,
    -- After this, no token of the grant is accepted.
    expires_at          BIGINT NOT NULL,
    revoked_at          BIGINT
);
CREATE INDEX oauth_grants_by_client ON oauth_grants (client_pk, created_at);

CREATE TABLE oauth_codes (
    code_hash           TEXT PRIMARY KEY,
    client_pk           BIGINT NOT NULL REFERENCES oauth_clients (id),
    user_id             BIGINT NOT NULL REFERENCES users (id),
    redirect_uri        TEXT NOT NULL,
    scopes              TEXT NOT NULL,
    challenge           TEXT NOT NULL,
    created_at          BIGINT NOT NULL,
    expires_at          BIGINT NOT NULL,
    -- Set when the code is exchanged; a second exchange revokes that grant.
    used_at             BIGINT,
    grant_id            TEXT REFERENCES oauth_grants (id)
);

CREATE TABLE oauth_refresh_tokens (
    token_hash          TEXT PRIMARY KEY,
    grant_id            TEXT NOT NULL REFERENCES oauth_grants (id),
    scopes              TEXT NOT NULL,
    created_at          BIGINT NOT NULL,
    expires_at          BIGINT NOT NULL,
    used_at             BIGINT
);
CREATE INDEX oauth_refresh_by_grant ON oauth_refresh_tokens (grant_id);

CREATE TABLE oauth_signing_keys (
    kid                 TEXT PRIMARY KEY,
    -- PKCS#8 DER of the P-256 private key, sealed (ChaCha20-Poly1305).
    private_sealed      TEXT NOT NULL,
    -- The public point's coordinates, base64url, as the JWKS gives them.
    x                   TEXT NOT NULL,
    y                   TEXT NOT NULL,
    created_at          BIGINT NOT NULL
);
