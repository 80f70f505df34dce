-- Support tickets with their first-response clocks, the conversation and
-- attachments; quarterly reviews of partners.

CREATE TABLE support_tickets (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    brand_id           BIGINT NOT NULL REFERENCES brands (id),
    organisation_id    BIGINT NOT NULL REFERENCES organisations (id),
    opened_by          BIGINT NOT NULL REFERENCES users (id),
    subject            TEXT NOT NULL,
    severity           TEXT NOT NULL,
    -- The partner's support tier when the ticket was opened and the target
    -- it set: later tier changes never move a running clock.
    support_tier       TEXT NOT NULL,
    target_minutes     BIGINT NOT NULL,
    opened_at          BIGINT NOT NULL,
    due_at             BIGINT NOT NULL,
    first_response_at  BIGINT,
    first_response_by  BIGINT REFERENCES users (id),
    status             TEXT NOT NULL,
    assignee_id        BIGINT REFERENCES users (id),
    resolution         TEXT,
    resolved_at        BIGINT,
    resolved_by        BIGINT REFERENCES users (id),
    updated_at         BIGINT NOT NULL,
    version            BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX support_tickets_queue ON support_tickets (brand_id, status, due_at);
CREATE INDEX support_tickets_by_org ON support_tickets (organisation_id, opened_at);
CREATE INDEX support_tickets_by_month ON support_tickets (brand_id, opened_at);

CREATE TABLE support_messages (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id   BIGINT NOT NULL REFERENCES support_tickets (id),
    author_id   BIGINT NOT NULL REFERENCES users (id),
    -- Whether the author answered for the program (staff) or the partner.
    from_staff  BOOLEAN NOT NULL,
    body        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX support_messages_by_ticket ON support_messages (ticket_id, id);

CREATE TABLE support_attachments (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id     BIGINT NOT NULL REFERENCES support_tickets (id),
    message_id    BIGINT NOT NULL REFERENCES support_messages (id),
    file_name     TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          BIGINT NOT NULL,
    bytes         BYTEA NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX support_attachments_by_ticket ON support_attachments (ticket_id, id);

CREATE TABLE quarterly_reviews (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    brand_id         BIGINT NOT NULL REFERENCES brands (id),
    organisation_id  BIGINT NOT NULL REFERENCES organisations (id),
    -- "2026-Q3"
    quarter          TEXT NOT NULL,
    -- The scorecard and business figures as they stood when generated.
    snapshot         TEXT NOT NULL,
    recommendations  TEXT NOT NULL,
    created_by       BIGINT NOT NULL REFERENCES users (id),
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    UNIQUE (organisation_id, quarter)
);
