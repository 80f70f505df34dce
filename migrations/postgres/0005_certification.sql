-- Certification: each partner's state, every transition, and a permanent
-- log of domain events (webhook delivery reads it later).

ALTER TABLE organisations ADD COLUMN previous_state TEXT;
ALTER TABLE organisations ADD COLUMN certified_at BIGINT;
ALTER TABLE organisations ADD COLUMN state_since BIGINT;
ALTER TABLE organisations ADD COLUMN recert_reminded_at BIGINT;
UPDATE organisations SET state_since = COALESCE(approved_at, created_at);

CREATE TABLE cert_transitions (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id  BIGINT NOT NULL REFERENCES organisations (id),
    from_state       TEXT NOT NULL,
    to_state         TEXT NOT NULL,
    event            TEXT NOT NULL,
    actor_id         BIGINT REFERENCES users (id),
    actor            TEXT NOT NULL,
    note             TEXT NOT NULL,
    evidence         TEXT NOT NULL,
    at               BIGINT NOT NULL
);
CREATE INDEX cert_transitions_by_org ON cert_transitions (organisation_id, id);

CREATE TABLE event_log (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    brand_id         BIGINT NOT NULL REFERENCES brands (id),
    organisation_id  BIGINT REFERENCES organisations (id),
    event_type       TEXT NOT NULL,
    payload          TEXT NOT NULL,
    created_at       BIGINT NOT NULL
);
CREATE INDEX event_log_by_org ON event_log (organisation_id, id);
