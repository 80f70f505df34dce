-- An application's emailed link gets a purpose of its own ('application'),
-- so it opens only the welcome page and a reset link only the reset page,
-- and asking for a reset no longer uses up an unconfirmed application's
-- link. A CHECK cannot be altered in place on SQLite: the table is rebuilt,
-- the same way on both engines. Links keep their hashes; ids are not
-- referenced anywhere and are given anew.
CREATE TABLE one_time_tokens_new (
    id            INTEGER PRIMARY KEY,
    token_hash    TEXT NOT NULL UNIQUE,
    purpose       TEXT NOT NULL CHECK (purpose IN ('password_reset', 'invitation', 'application')),
    brand_id      BIGINT NOT NULL REFERENCES brands (id),
    email         TEXT NOT NULL,
    user_id       BIGINT REFERENCES users (id),
    role          TEXT,
    display_name  TEXT,
    org_id        BIGINT REFERENCES organisations (id),
    created_by    BIGINT REFERENCES users (id),
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    used_at       BIGINT,
    org_role      TEXT
);
-- Application links were stored as resets lasting a week; resets last an
-- hour.
INSERT INTO one_time_tokens_new
    (token_hash, purpose, brand_id, email, user_id, role, display_name, org_id, created_by, created_at, expires_at,
     used_at, org_role)
SELECT token_hash,
       CASE WHEN purpose = 'password_reset' AND expires_at - created_at > 3600000 THEN 'application' ELSE purpose END,
       brand_id, email, user_id, role, display_name, org_id, created_by, created_at, expires_at, used_at, org_role
FROM one_time_tokens ORDER BY id;
DROP TABLE one_time_tokens;
ALTER TABLE one_time_tokens_new RENAME TO one_time_tokens;
CREATE INDEX one_time_tokens_by_email ON one_time_tokens (brand_id, email, purpose);
