-- Program-wide revenue kept as lines are written, in the same transaction
-- and under the brand's ledger lock: the program page reads its months'
-- totals as a dozen rows and its top partners of the year through an index,
-- however many partners the program has.
CREATE TABLE revenue_program_monthly (
    brand_id          BIGINT NOT NULL REFERENCES brands (id),
    currency          TEXT NOT NULL,
    month             TEXT NOT NULL,
    revenue_minor     BIGINT NOT NULL,
    commission_minor  BIGINT NOT NULL,
    PRIMARY KEY (brand_id, currency, month)
);
INSERT INTO revenue_program_monthly (brand_id, currency, month, revenue_minor, commission_minor)
SELECT o.brand_id, r.currency, r.month, SUM(r.revenue_minor), SUM(r.commission_minor)
FROM revenue_monthly r JOIN organisations o ON o.id = r.organisation_id
GROUP BY o.brand_id, r.currency, r.month;

CREATE TABLE revenue_yearly (
    organisation_id   BIGINT NOT NULL REFERENCES organisations (id),
    currency          TEXT NOT NULL,
    year              BIGINT NOT NULL,
    brand_id          BIGINT NOT NULL REFERENCES brands (id),
    revenue_minor     BIGINT NOT NULL,
    commission_minor  BIGINT NOT NULL,
    PRIMARY KEY (organisation_id, currency, year)
);
CREATE INDEX revenue_yearly_by_revenue ON revenue_yearly (brand_id, year, revenue_minor);
CREATE INDEX revenue_yearly_by_commission ON revenue_yearly (brand_id, year, commission_minor);
INSERT INTO revenue_yearly (organisation_id, currency, year, brand_id, revenue_minor, commission_minor)
SELECT r.organisation_id, r.currency, CAST(SUBSTR(r.month, 1, 4) AS BIGINT), o.brand_id,
       SUM(r.revenue_minor), SUM(r.commission_minor)
FROM revenue_monthly r JOIN organisations o ON o.id = r.organisation_id
GROUP BY r.organisation_id, r.currency, CAST(SUBSTR(r.month, 1, 4) AS BIGINT), o.brand_id;
