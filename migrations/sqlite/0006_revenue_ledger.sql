-- Revenue ledger: events, commission lines, monthly statements, payouts,
-- imports, and the rollups dashboards read instead of the ledger.

-- Terms take effect from the start of a UTC day.
UPDATE revenue_terms SET effective_from = effective_from - (effective_from % 86400000);
-- Reseller volume bonuses and technology bounties, as JSON arrays of pairs.
ALTER TABLE revenue_terms ADD COLUMN bonus_schedule TEXT NOT NULL DEFAULT '[]';
ALTER TABLE revenue_terms ADD COLUMN bounties TEXT NOT NULL DEFAULT '[]';

CREATE TABLE revenue_imports (
    id               INTEGER PRIMARY KEY,
    brand_id         BIGINT NOT NULL REFERENCES brands (id),
    source           TEXT NOT NULL,
    imported         BOOLEAN NOT NULL,
    row_count        BIGINT NOT NULL,
    new_count        BIGINT NOT NULL,
    unchanged_count  BIGINT NOT NULL,
    errors           TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    created_by       BIGINT REFERENCES users (id)
);
CREATE INDEX revenue_imports_brand ON revenue_imports (brand_id, id);

CREATE TABLE revenue_events (
    id                    INTEGER PRIMARY KEY,
    brand_id              BIGINT NOT NULL REFERENCES brands (id),
    organisation_id       BIGINT NOT NULL REFERENCES organisations (id),
    external_id           TEXT NOT NULL,
    customer              TEXT NOT NULL,
    occurred_at           BIGINT NOT NULL,
    kind                  TEXT NOT NULL,
    -- As entered: positive for invoices and refunds alike.
    amount_minor          BIGINT NOT NULL,
    currency              TEXT NOT NULL,
    refunds_event_id      BIGINT REFERENCES revenue_events (id),
    customer_price_minor  BIGINT,
    import_id             BIGINT REFERENCES revenue_imports (id),
    created_at            BIGINT NOT NULL,
    created_by            BIGINT REFERENCES users (id),
    UNIQUE (brand_id, external_id)
);
CREATE INDEX revenue_events_refunds ON revenue_events (refunds_event_id);
CREATE INDEX revenue_events_first_invoice ON revenue_events (organisation_id, customer, kind, occurred_at);

CREATE TABLE statements (
    id                 INTEGER PRIMARY KEY,
    organisation_id    BIGINT NOT NULL REFERENCES organisations (id),
    currency           TEXT NOT NULL,
    month              TEXT NOT NULL,
    status             TEXT NOT NULL DEFAULT 'open',
    lines_total_minor  BIGINT NOT NULL DEFAULT 0,
    carried_in_minor   BIGINT NOT NULL DEFAULT 0,
    balance_minor      BIGINT,
    created_at         BIGINT NOT NULL,
    closed_at          BIGINT,
    closed_by          BIGINT REFERENCES users (id),
    UNIQUE (organisation_id, currency, month)
);
CREATE INDEX statements_status ON statements (status, month);

CREATE TABLE commission_lines (
    id                INTEGER PRIMARY KEY,
    statement_id      BIGINT NOT NULL REFERENCES statements (id),
    organisation_id   BIGINT NOT NULL REFERENCES organisations (id),
    event_id          BIGINT REFERENCES revenue_events (id),
    kind              TEXT NOT NULL,
    milestone         TEXT,
    customer          TEXT NOT NULL,
    belongs_month     TEXT NOT NULL,
    adjustment        BOOLEAN NOT NULL,
    base_minor        BIGINT NOT NULL,
    currency          TEXT NOT NULL,
    rate_bps          BIGINT NOT NULL,
    rule              TEXT NOT NULL,
    amount_minor      BIGINT NOT NULL,
    terms_version     BIGINT,
    first_invoice_at  BIGINT,
    created_at        BIGINT NOT NULL
);
CREATE INDEX commission_lines_statement ON commission_lines (statement_id, id);
-- One line per event; a bounty is paid once per milestone.
CREATE UNIQUE INDEX commission_lines_event ON commission_lines (event_id) WHERE event_id IS NOT NULL;
CREATE UNIQUE INDEX commission_lines_bounty ON commission_lines (organisation_id, milestone) WHERE milestone IS NOT NULL;

CREATE TABLE payouts (
    id               INTEGER PRIMARY KEY,
    statement_id     BIGINT NOT NULL UNIQUE REFERENCES statements (id),
    organisation_id  BIGINT NOT NULL REFERENCES organisations (id),
    amount_minor     BIGINT NOT NULL,
    currency         TEXT NOT NULL,
    status           TEXT NOT NULL,
    reference        TEXT,
    version          BIGINT NOT NULL DEFAULT 1,
    created_at       BIGINT NOT NULL,
    approved_at      BIGINT,
    approved_by      BIGINT REFERENCES users (id),
    paid_at          BIGINT,
    paid_by          BIGINT REFERENCES users (id)
);
CREATE INDEX payouts_status ON payouts (status, id);

-- Rollups, kept in the transaction that writes each line, by the month the
-- line's event belongs to.
CREATE TABLE revenue_monthly (
    organisation_id   BIGINT NOT NULL REFERENCES organisations (id),
    currency          TEXT NOT NULL,
    month             TEXT NOT NULL,
    revenue_minor     BIGINT NOT NULL,
    commission_minor  BIGINT NOT NULL,
    PRIMARY KEY (organisation_id, currency, month)
);
CREATE INDEX revenue_monthly_month ON revenue_monthly (month);

CREATE TABLE revenue_by_customer (
    organisation_id       BIGINT NOT NULL REFERENCES organisations (id),
    currency              TEXT NOT NULL,
    month                 TEXT NOT NULL,
    customer              TEXT NOT NULL,
    revenue_minor         BIGINT NOT NULL,
    commission_minor      BIGINT NOT NULL,
    customer_price_minor  BIGINT NOT NULL,
    PRIMARY KEY (organisation_id, currency, month, customer)
);
