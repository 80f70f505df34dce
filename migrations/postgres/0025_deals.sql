-- Deal registration: a partner claims a customer it is selling to; an
-- approval protects that claim until `protected_until`. The conflict check
-- reads a brand's live deals by customer domain and by company key.

CREATE TABLE deals (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    brand_id            BIGINT NOT NULL REFERENCES brands (id),
    organisation_id     BIGINT NOT NULL REFERENCES organisations (id),
    status              TEXT NOT NULL
        CHECK (status IN ('registered', 'approved', 'rejected', 'won', 'lost', 'expired')),
    company             TEXT NOT NULL,
    -- `domain::deals::company_key` of `company`: "Acme, Inc." and "ACME" meet.
    company_key         TEXT NOT NULL,
    domain              TEXT NOT NULL,
    contact_name        TEXT NOT NULL,
    contact_email       TEXT NOT NULL,
    -- One product per line, as typed.
    products            TEXT NOT NULL,
    value_minor         BIGINT NOT NULL,
    currency            TEXT NOT NULL,
    close_on            TEXT NOT NULL,
    -- Another partner's live deal on the same customer at registration.
    conflict_with       BIGINT REFERENCES deals (id),
    note                TEXT,
    protected_until     BIGINT,
    -- When the partner was told the protection is ending (once per deal).
    warned_at           BIGINT,
    -- The customer as revenue events name it, given when the deal is won.
    customer_ref        TEXT,
    created_at          BIGINT NOT NULL,
    version             BIGINT NOT NULL DEFAULT 0,
    updated_at          BIGINT NOT NULL
);
-- A partner's deals, newest first.
CREATE INDEX deals_by_partner ON deals (organisation_id, created_at);
-- The conflict check: live deals of a brand on one domain or company.
CREATE INDEX deals_by_domain ON deals (brand_id, domain);
CREATE INDEX deals_by_company ON deals (brand_id, company_key);
-- The scheduler's round: approved deals by the end of their window.
CREATE INDEX deals_by_window ON deals (status, protected_until);
-- Revenue attribution: one won deal per customer of a brand, so its
-- revenue has one partner.
CREATE UNIQUE INDEX deals_won_customer ON deals (brand_id, LOWER(customer_ref)) WHERE status = 'won';

-- When a lead was accepted, for the time partners take to accept (the
-- program's funnel).
ALTER TABLE leads ADD COLUMN accepted_at BIGINT;
