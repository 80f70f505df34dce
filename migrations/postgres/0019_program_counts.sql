-- Counts the manager's pages show, kept in the same transaction as the rows
-- they count: each reads a row per month, status or brand, however many
-- partners the program has. Statements open and close under the brand's
-- ledger lock; a payout's or an application's move changes its two rows
-- in status order, so concurrent moves lock them in the same order.

-- The program page's statements to close.
CREATE TABLE statements_open_monthly (
    brand_id  BIGINT NOT NULL REFERENCES brands (id),
    month     TEXT NOT NULL,
    n         BIGINT NOT NULL,
    PRIMARY KEY (brand_id, month)
);
INSERT INTO statements_open_monthly (brand_id, month, n)
SELECT o.brand_id, s.month, COUNT(*)
FROM statements s JOIN organisations o ON o.id = s.organisation_id
WHERE s.status = 'open'
GROUP BY o.brand_id, s.month;

-- The program page's payouts waiting.
CREATE TABLE payout_status_counts (
    brand_id  BIGINT NOT NULL REFERENCES brands (id),
    status    TEXT NOT NULL,
    n         BIGINT NOT NULL,
    PRIMARY KEY (brand_id, status)
);
INSERT INTO payout_status_counts (brand_id, status, n)
SELECT o.brand_id, p.status, COUNT(*)
FROM payouts p JOIN organisations o ON o.id = p.organisation_id
GROUP BY o.brand_id, p.status;

-- The partner list's pager: partners with an onboarding plan. A plan is
-- copied at approval and never removed.
CREATE TABLE onboarding_plan_counts (
    brand_id  BIGINT PRIMARY KEY REFERENCES brands (id),
    n         BIGINT NOT NULL
);
INSERT INTO onboarding_plan_counts (brand_id, n)
SELECT o.brand_id, COUNT(*)
FROM organisations o
WHERE EXISTS (SELECT 1 FROM onboarding_items i WHERE i.organisation_id = o.id)
GROUP BY o.brand_id;

-- The review queue's pager: applications per brand and status.
CREATE TABLE application_status_counts (
    brand_id  BIGINT NOT NULL REFERENCES brands (id),
    status    TEXT NOT NULL,
    n         BIGINT NOT NULL,
    PRIMARY KEY (brand_id, status)
);
INSERT INTO application_status_counts (brand_id, status, n)
SELECT brand_id, status, COUNT(*) FROM applications GROUP BY brand_id, status;

-- The program page lists the oldest open statements in (month, id) order
-- and stops at its page; by partner name it sorted a whole month's open
-- statements first, one per partner.
DROP INDEX statements_status;
CREATE INDEX statements_status ON statements (status, month, id);
