-- A white-label brand's own wording of its emails, per kind; a kind without
-- a row uses the built-in wording.
CREATE TABLE email_templates (
    brand_id    BIGINT NOT NULL REFERENCES brands (id),
    kind        TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (brand_id, kind)
);
