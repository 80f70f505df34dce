//! The two migration folders describe one schema: the same files, and the
//! same text except for the type substitutions written down here (and in
//! docs/ARCHITECTURE.md). A column added on one engine only fails this test.

use std::collections::BTreeSet;
use std::path::Path;

/// PostgreSQL spelling → SQLite spelling, the only differences allowed.
const SUBSTITUTIONS: &[(&str, &str)] =
    &[("BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", "INTEGER PRIMARY KEY"), ("BYTEA", "BLOB")];

fn files(engine: &str) -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(engine);
    std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect()
}

fn read(engine: &str, name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(engine).join(name)).unwrap()
}

/// The PostgreSQL text as SQLite would spell it.
fn as_sqlite(postgres: &str) -> String {
    SUBSTITUTIONS.iter().fold(postgres.to_owned(), |text, (pg, lite)| text.replace(pg, lite))
}

/// The first line where two texts differ, for the failure message.
fn first_difference(a: &str, b: &str) -> Option<(usize, String, String)> {
    let (mut la, mut lb) = (a.lines(), b.lines());
    for n in 1.. {
        match (la.next(), lb.next()) {
            (None, None) => return None,
            (x, y) if x == y => continue,
            (x, y) => return Some((n, x.unwrap_or("(end)").to_owned(), y.unwrap_or("(end)").to_owned())),
        }
    }
    None
}

#[test]
fn both_engines_have_the_same_migration_files() {
    assert_eq!(files("sqlite"), files("postgres"));
}

#[test]
fn the_engines_migrations_differ_only_by_the_documented_substitutions() {
    let mut problems = Vec::new();
    for name in files("sqlite").intersection(&files("postgres")) {
        if let Some((line, lite, pg)) = first_difference(&read("sqlite", name), &as_sqlite(&read("postgres", name))) {
            problems.push(format!("{name}:{line}\n  sqlite:   {lite}\n  postgres: {pg}"));
        }
    }
    assert!(problems.is_empty(), "migrations that differ:\n{}", problems.join("\n"));
}

#[test]
fn a_column_on_one_engine_only_is_a_difference() {
    let lite = "CREATE TABLE t (\n    id INTEGER PRIMARY KEY,\n    a TEXT\n);\n";
    let pg = "CREATE TABLE t (\n    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n    a TEXT,\n    b TEXT\n);\n";
    assert_eq!(first_difference(lite, &as_sqlite(pg)).map(|d| d.0), Some(3));
    let same = "CREATE TABLE t (\n    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n    a TEXT\n);\n";
    assert_eq!(first_difference(lite, &as_sqlite(same)), None);
}
