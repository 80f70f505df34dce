-- The billing feed: the program's Stripe account posts invoice.paid and
-- charge.refunded webhooks, signed with the endpoint's signing secret,
-- which is kept encrypted under the server's secret (it must be read back
-- to verify). Revenue the feed records goes into the import history under
-- the administrator who connected it.

CREATE TABLE billing_connections (
    brand_id            BIGINT PRIMARY KEY REFERENCES brands (id),
    provider            TEXT NOT NULL CHECK (provider IN ('stripe')),
    secret_sealed       TEXT NOT NULL,
    secret_hint         TEXT NOT NULL,
    connected_by        BIGINT NOT NULL REFERENCES users (id),
    connected_at        BIGINT NOT NULL,
    last_delivery_at    BIGINT
);

-- Which partner a billing customer (Stripe's cus_…) belongs to: the
-- stored attribution the feed reads for every delivery.
CREATE TABLE billing_customers (
    id                  INTEGER PRIMARY KEY,
    brand_id            BIGINT NOT NULL REFERENCES brands (id),
    customer_ref        TEXT NOT NULL,
    organisation_id     BIGINT NOT NULL REFERENCES organisations (id),
    created_by          BIGINT REFERENCES users (id),
    created_at          BIGINT NOT NULL,
    UNIQUE (brand_id, customer_ref)
);
CREATE INDEX billing_customers_by_org ON billing_customers (organisation_id);
