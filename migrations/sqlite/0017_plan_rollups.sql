-- Where partners stall, kept as plan items are written: in the same
-- transaction, one partner's plan writes at a time. The partner list reads
-- a few rows per item title however many partners the program has, instead
-- of counting every plan item of the program on every view.

-- Completed items by title and whole days from plan start to completion.
CREATE TABLE onboarding_done_days (
    brand_id  BIGINT NOT NULL REFERENCES brands (id),
    title     TEXT NOT NULL,
    days      BIGINT NOT NULL,
    n         BIGINT NOT NULL,
    PRIMARY KEY (brand_id, title, days)
);
INSERT INTO onboarding_done_days (brand_id, title, days, n)
SELECT o.brand_id, i.title, (i.done_at - COALESCE(o.approved_at, 0)) / 86400000, COUNT(*)
FROM onboarding_items i JOIN organisations o ON o.id = i.organisation_id
WHERE i.done_at IS NOT NULL
GROUP BY o.brand_id, i.title, (i.done_at - COALESCE(o.approved_at, 0)) / 86400000;

-- Open items by title and the UTC day they fall due (`due_at / 86400000`):
-- every day before today is wholly overdue; today's are counted one by one
-- through the index below.
CREATE TABLE onboarding_open_due (
    brand_id  BIGINT NOT NULL REFERENCES brands (id),
    title     TEXT NOT NULL,
    due_day   BIGINT NOT NULL,
    n         BIGINT NOT NULL,
    PRIMARY KEY (brand_id, title, due_day)
);
INSERT INTO onboarding_open_due (brand_id, title, due_day, n)
SELECT o.brand_id, i.title, i.due_at / 86400000, COUNT(*)
FROM onboarding_items i JOIN organisations o ON o.id = i.organisation_id
WHERE i.done_at IS NULL
GROUP BY o.brand_id, i.title, i.due_at / 86400000;

CREATE INDEX onboarding_items_open_by_due ON onboarding_items (due_at) WHERE done_at IS NULL;
