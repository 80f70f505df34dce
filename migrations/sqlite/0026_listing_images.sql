-- A listing's pictures: a logo and up to six screenshots per version. The
-- bytes are kept once per content (their SHA-256), so a new version copies
-- only the rows naming them and an unchanged picture is never stored twice.

CREATE TABLE listing_image_blobs (
    sha                 TEXT PRIMARY KEY,
    content_type        TEXT NOT NULL,
    bytes               BLOB NOT NULL,
    width               BIGINT NOT NULL,
    height              BIGINT NOT NULL,
    created_at          BIGINT NOT NULL
);

CREATE TABLE listing_images (
    id                  INTEGER PRIMARY KEY,
    listing_version_id  BIGINT NOT NULL REFERENCES listing_versions (id),
    kind                TEXT NOT NULL CHECK (kind IN ('logo', 'screenshot')),
    -- 0 for the logo, 1… for screenshots in the order they show; kept when
    -- a version is copied, so a picture is named by its place.
    position            BIGINT NOT NULL,
    sha                 TEXT NOT NULL REFERENCES listing_image_blobs (sha),
    alt                 TEXT NOT NULL,
    UNIQUE (listing_version_id, position)
);
