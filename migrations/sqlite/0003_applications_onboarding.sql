-- Applications, their evaluation, partner organisations' terms, and the
-- onboarding plan (template and per-partner copies).

ALTER TABLE organisations ADD COLUMN revenue_model TEXT;
ALTER TABLE organisations ADD COLUMN partner_kind TEXT;
ALTER TABLE organisations ADD COLUMN certification_state TEXT NOT NULL DEFAULT 'registered';
ALTER TABLE organisations ADD COLUMN approved_at BIGINT;
ALTER TABLE organisations ADD COLUMN version BIGINT NOT NULL DEFAULT 0;

CREATE TABLE applications (
    id               INTEGER PRIMARY KEY,
    brand_id         BIGINT NOT NULL REFERENCES brands (id),
    user_id          BIGINT NOT NULL REFERENCES users (id),
    company          TEXT NOT NULL,
    website          TEXT NOT NULL,
    company_domain   TEXT NOT NULL,
    contact_name     TEXT NOT NULL,
    email            TEXT NOT NULL,
    partner_kind     TEXT NOT NULL,
    category         TEXT NOT NULL,
    integration      TEXT NOT NULL,
    revenue_model    TEXT NOT NULL,
    pitch            TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('submitted', 'info_requested', 'approved', 'rejected')),
    info_question    TEXT,
    info_answer      TEXT,
    decision_reason  TEXT,
    decided_by       BIGINT REFERENCES users (id),
    decided_at       BIGINT,
    organisation_id  BIGINT REFERENCES organisations (id),
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    version          BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX applications_queue ON applications (brand_id, status, created_at);
CREATE INDEX applications_by_domain ON applications (brand_id, company_domain);
CREATE INDEX applications_by_user ON applications (user_id);

CREATE TABLE application_scores (
    application_id                BIGINT NOT NULL REFERENCES applications (id),
    manager_id                    BIGINT NOT NULL REFERENCES users (id),
    strategic_alignment           BIGINT NOT NULL,
    market_impact                 BIGINT NOT NULL,
    technical_compatibility       BIGINT NOT NULL,
    operational_feasibility       BIGINT NOT NULL,
    financial_value               BIGINT NOT NULL,
    strategic_alignment_note      TEXT NOT NULL,
    market_impact_note            TEXT NOT NULL,
    technical_compatibility_note  TEXT NOT NULL,
    operational_feasibility_note  TEXT NOT NULL,
    financial_value_note          TEXT NOT NULL,
    scored_at                     BIGINT NOT NULL,
    PRIMARY KEY (application_id, manager_id)
);

-- Terms are versioned: a change applies from its effective date, and lines
-- computed earlier keep the version they used.
CREATE TABLE revenue_terms (
    id                 INTEGER PRIMARY KEY,
    organisation_id    BIGINT NOT NULL REFERENCES organisations (id),
    version            BIGINT NOT NULL,
    model              TEXT NOT NULL,
    effective_from     BIGINT NOT NULL,
    currency           TEXT NOT NULL,
    first_year_bps     BIGINT,
    ongoing_bps        BIGINT,
    margin_bps         BIGINT,
    fund_budget_minor  BIGINT,
    created_at         BIGINT NOT NULL,
    created_by         BIGINT REFERENCES users (id),
    UNIQUE (organisation_id, version)
);

CREATE TABLE onboarding_template_items (
    id        INTEGER PRIMARY KEY,
    phase     TEXT NOT NULL,
    position  BIGINT NOT NULL,
    title     TEXT NOT NULL,
    binding   TEXT
);

CREATE TABLE onboarding_items (
    id               INTEGER PRIMARY KEY,
    organisation_id  BIGINT NOT NULL REFERENCES organisations (id),
    phase            TEXT NOT NULL,
    position         BIGINT NOT NULL,
    title            TEXT NOT NULL,
    binding          TEXT,
    due_at           BIGINT NOT NULL,
    done_at          BIGINT,
    done_by_id       BIGINT REFERENCES users (id),
    done_by          TEXT
);
CREATE INDEX onboarding_items_by_org ON onboarding_items (organisation_id);

INSERT INTO onboarding_template_items (phase, position, title, binding) VALUES
    ('preparation', 1, 'Sign the partner agreement', NULL),
    ('preparation', 2, 'Assemble a cross-functional integration team', NULL),
    ('preparation', 3, 'Create an implementation plan with milestones', NULL),
    ('preparation', 4, 'Establish communication channels and cadence', NULL),
    ('preparation', 5, 'Get sandbox access', 'sandbox_key_created'),
    ('preparation', 6, 'Review the documentation', NULL),
    ('technical_integration', 1, 'Complete API connectivity setup and testing', NULL),
    ('technical_integration', 2, 'Build the initial integration', NULL),
    ('technical_integration', 3, 'Implement the data exchange protocols', NULL),
    ('technical_integration', 4, 'Perform a security assessment and remediation', NULL),
    ('technical_integration', 5, 'Test in the sandbox', 'sandbox_event_received'),
    ('technical_integration', 6, 'Submit for certification', 'certification_submitted'),
    ('technical_integration', 7, 'Address review feedback', NULL),
    ('business_alignment', 1, 'Attend partner training', NULL),
    ('business_alignment', 2, 'Develop go-to-market materials and positioning', NULL),
    ('business_alignment', 3, 'Establish a performance measurement framework', NULL),
    ('business_alignment', 4, 'Create customer support workflows', NULL),
    ('business_alignment', 5, 'Align sales and marketing approaches', NULL),
    ('launch_and_optimization', 1, 'Controlled rollout to an initial customer segment', NULL),
    ('launch_and_optimization', 2, 'Monitor performance and resolve issues', NULL),
    ('launch_and_optimization', 3, 'Collect and analyse feedback', NULL),
    ('launch_and_optimization', 4, 'Optimise based on early metrics', NULL),
    ('launch_and_optimization', 5, 'Go live', 'certified');
