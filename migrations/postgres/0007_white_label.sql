-- White-label brands: a white-label partner's own brand (its display name,
-- colours, support contact and logo), custom domains with DNS verification.

ALTER TABLE brands ADD COLUMN organisation_id BIGINT REFERENCES organisations (id);
ALTER TABLE brands ADD COLUMN primary_colour TEXT;
ALTER TABLE brands ADD COLUMN accent_colour TEXT;
ALTER TABLE brands ADD COLUMN support_email TEXT;
ALTER TABLE brands ADD COLUMN support_url TEXT;
ALTER TABLE brands ADD COLUMN updated_at BIGINT;
CREATE UNIQUE INDEX brands_by_organisation ON brands (organisation_id) WHERE organisation_id IS NOT NULL;

CREATE TABLE brand_logos (
    brand_id      BIGINT PRIMARY KEY REFERENCES brands (id),
    content_type  TEXT NOT NULL,
    bytes         BYTEA NOT NULL,
    width         BIGINT NOT NULL,
    height        BIGINT NOT NULL,
    etag          TEXT NOT NULL,
    updated_at    BIGINT NOT NULL
);

-- The value the partner publishes in a TXT record to prove control.
ALTER TABLE brand_domains ADD COLUMN token TEXT;
ALTER TABLE brand_domains ADD COLUMN created_at BIGINT;
ALTER TABLE brand_domains ADD COLUMN checked_at BIGINT;
ALTER TABLE brand_domains ADD COLUMN last_error TEXT;
ALTER TABLE brand_domains ADD COLUMN failures BIGINT NOT NULL DEFAULT 0;
