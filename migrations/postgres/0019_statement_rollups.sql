-- The program page's counts of statements to close and payouts waiting,
-- kept as statements open and close and as payouts move, in the same
-- transaction: each count reads a row per month or per status, however many
-- partners the program has. Statements open and close under the brand's
-- ledger lock; a payout's move changes its two rows in one statement, in
-- status order, so concurrent moves lock them in the same order.
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
