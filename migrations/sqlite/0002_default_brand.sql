INSERT INTO brands (slug, name, is_default, created_at) VALUES ('program', 'Partner Portal', TRUE, 0);
