-- The marketplace: one listing per partner, written in versions. A version
-- is a draft, waits for review, is sent back with a note, or is approved;
-- the listing points at the approved version the directory shows, which
-- stays up while a later version is in review.

CREATE TABLE listings (
    id                  INTEGER PRIMARY KEY,
    brand_id            BIGINT NOT NULL REFERENCES brands (id),
    organisation_id     BIGINT NOT NULL UNIQUE REFERENCES organisations (id),
    -- Fixed when first saved, so the directory's links keep working.
    slug                TEXT NOT NULL,
    published_version   BIGINT,
    created_at          BIGINT NOT NULL,
    UNIQUE (brand_id, slug)
);

CREATE TABLE listing_versions (
    id                  INTEGER PRIMARY KEY,
    listing_id          BIGINT NOT NULL REFERENCES listings (id),
    number              BIGINT NOT NULL,
    status              TEXT NOT NULL
        CHECK (status IN ('draft', 'in_review', 'sent_back', 'approved', 'superseded')),
    name                TEXT NOT NULL,
    short_description   TEXT NOT NULL,
    long_description    TEXT NOT NULL,
    partner_kind        TEXT NOT NULL,
    category            TEXT NOT NULL,
    -- Choice keys as ',a,b,', so a filter is one LIKE '%,a,%'.
    integrations        TEXT NOT NULL,
    regions             TEXT NOT NULL,
    industries          TEXT NOT NULL,
    website             TEXT NOT NULL,
    support_email       TEXT NOT NULL,
    docs_url            TEXT,
    setup_steps         TEXT NOT NULL,
    written_by          BIGINT NOT NULL REFERENCES users (id),
    written_at          BIGINT NOT NULL,
    submitted_at        BIGINT,
    decided_by          BIGINT REFERENCES users (id),
    decided_at          BIGINT,
    note                TEXT,
    UNIQUE (listing_id, number)
);
-- The review queue: versions waiting, oldest first.
CREATE INDEX listing_versions_by_status ON listing_versions (status, submitted_at);
