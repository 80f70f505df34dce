-- The review queue with no status chosen, in page order: the engine walks
-- the brand's applications oldest first and stops at the page.
CREATE INDEX applications_by_brand_created ON applications (brand_id, created_at, id);
