-- The managers' partner list pages by name: walking this index in order
-- reads one page of organisations, however many partners the program has.
CREATE INDEX organisations_by_brand_name ON organisations (brand_id, name, id);
