-- Co-marketing funds: requests against a partner's quarterly fund budget,
-- managers' decisions, claims with proof, and the ledger line an approved
-- claim becomes.

CREATE TABLE fund_requests (
    id                  INTEGER PRIMARY KEY,
    brand_id            BIGINT NOT NULL REFERENCES brands (id),
    organisation_id     BIGINT NOT NULL REFERENCES organisations (id),
    kind                TEXT NOT NULL,
    title               TEXT NOT NULL,
    -- Start of the activity's UTC day, and its calendar quarter ('2026-Q3').
    activity_at         BIGINT NOT NULL,
    quarter             TEXT NOT NULL,
    currency            TEXT NOT NULL,
    requested_minor     BIGINT NOT NULL,
    approved_minor      BIGINT,
    status              TEXT NOT NULL,
    version             BIGINT NOT NULL DEFAULT 1,
    requested_by        BIGINT NOT NULL REFERENCES users (id),
    requested_at        BIGINT NOT NULL,
    decided_by          BIGINT REFERENCES users (id),
    decided_at          BIGINT,
    decision_note       TEXT,
    claim_minor         BIGINT,
    claim_link          TEXT,
    claimed_by          BIGINT REFERENCES users (id),
    claimed_at          BIGINT,
    claim_decided_by    BIGINT REFERENCES users (id),
    claim_decided_at    BIGINT,
    claim_note          TEXT
);
CREATE INDEX fund_requests_quarter ON fund_requests (organisation_id, quarter, status);
CREATE INDEX fund_requests_queue ON fund_requests (brand_id, status, id);

-- The proof file of a request's current claim, sniffed as PDF, PNG or JPEG.
CREATE TABLE fund_claim_files (
    request_id    BIGINT PRIMARY KEY REFERENCES fund_requests (id),
    content_type  TEXT NOT NULL,
    file_name     TEXT NOT NULL,
    size_bytes    BIGINT NOT NULL,
    bytes         BLOB NOT NULL,
    created_at    BIGINT NOT NULL
);

-- An approved claim's payable line; one per request.
ALTER TABLE commission_lines ADD COLUMN fund_request_id BIGINT REFERENCES fund_requests (id);
CREATE UNIQUE INDEX commission_lines_fund ON commission_lines (fund_request_id) WHERE fund_request_id IS NOT NULL;
