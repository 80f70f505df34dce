-- Customer referrals: a visitor's request to be contacted, kept as a lead.
-- A lead is offered to one partner until `respond_by`, or is with the
-- partner managers (`returned`: asked of the program, declined, or not
-- answered in time); an accepted lead moves through its stages.

CREATE TABLE leads (
    id                  INTEGER PRIMARY KEY,
    brand_id            BIGINT NOT NULL REFERENCES brands (id),
    -- The partner it is offered to or taken by; after a return, the one
    -- that had it last.
    organisation_id     BIGINT REFERENCES organisations (id),
    status              TEXT NOT NULL
        CHECK (status IN ('offered', 'returned', 'accepted', 'contacted', 'qualified', 'won', 'lost')),
    company             TEXT NOT NULL,
    name                TEXT NOT NULL,
    email               TEXT NOT NULL,
    country             TEXT NOT NULL,
    need                TEXT NOT NULL,
    -- When the visitor ticked the consent box (the request's own time).
    consented_at        BIGINT NOT NULL,
    created_at          BIGINT NOT NULL,
    respond_by          BIGINT,
    -- Why it was declined or came back.
    note                TEXT,
    version             BIGINT NOT NULL DEFAULT 0,
    updated_at          BIGINT NOT NULL
);
-- A partner's leads, newest first.
CREATE INDEX leads_by_partner ON leads (organisation_id, created_at);
-- Offers waiting for an answer, by their response time (the scheduler's
-- round).
CREATE INDEX leads_by_status ON leads (status, respond_by);
