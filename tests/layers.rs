//! The layers of `src/` run one way: `ui → api → server → (views, domain)`.
//! This test reads the sources (no compiler involved) and fails, naming the
//! file and the import, when a file reaches a layer it must not, or when
//! files import each other in a circle. See docs/ARCHITECTURE.md.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A source file with its module path (`server::services::revenue`) and text
/// without comments.
struct Source {
    file: String,
    module: Vec<String>,
    text: String,
}

fn sources(root: &Path) -> Vec<Source> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(root).unwrap();
                out.push(Source {
                    file: format!("src/{}", rel.display()),
                    module: module_of(rel),
                    text: strip_test_modules(&strip_comments(&std::fs::read_to_string(&path).unwrap())),
                });
            }
        }
    }
    out.sort_by(|a, b| a.file.cmp(&b.file));
    out
}

fn module_of(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs");
    if !matches!(stem, "mod" | "lib" | "main") {
        parts.push(stem.to_owned());
    }
    parts
}

/// Drops `//` comments (line and doc) and `/* */` blocks; string literals
/// are kept whole so a `//` inside one is not taken for a comment.
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => {
                let start = i;
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i = (i + 1).min(b.len());
                out.push_str(&text[start..i]);
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i += 2;
            }
            _ => {
                let c = text[i..].chars().next().unwrap();
                out.push(c);
                i += c.len_utf8();
            }
        }
    }
    out
}

/// Drops `#[cfg(test)] mod … { … }` blocks: tests are not part of the
/// import graph, and their `super::` means the file itself.
fn strip_test_modules(text: &str) -> String {
    let mut out = text.to_owned();
    while let Some(at) = out.find("#[cfg(test)]") {
        let after = &out[at..];
        let Some(open) = after.find('{') else { break };
        let head = &after[..open];
        if !head.contains("mod ") {
            // A test-only item that is not a module: keep it, look further.
            out.replace_range(at..at + "#[cfg(test)]".len(), "");
            continue;
        }
        let mut depth = 0;
        let mut end = out.len();
        for (i, c) in out[at + open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = at + open + i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        out.replace_range(at..end, "");
    }
    out
}

/// Every path the text names through `crate::`, `super::` or `self::`,
/// with `{…}` groups expanded, as absolute module paths.
fn paths(src: &Source, modules: &BTreeSet<Vec<String>>) -> Vec<Vec<String>> {
    // `name::` for each child module `name` of this file's module.
    let children: Vec<String> = modules
        .iter()
        .filter(|m| m.len() == src.module.len() + 1 && m.starts_with(&src.module))
        .map(|m| format!("{}::", m.last().unwrap()))
        .collect();
    let text = src.text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        if !src.text.is_char_boundary(i) {
            i += 1;
            continue;
        }
        let boundary = i == 0 || !(text[i - 1].is_ascii_alphanumeric() || text[i - 1] == b'_' || text[i - 1] == b'$');
        let rest = &src.text[i..];
        let start: Option<(usize, Vec<String>)> = if !boundary || (i >= 2 && &text[i - 2..i] == b"::") {
            None
        } else if rest.starts_with("crate::") {
            Some((7, Vec::new()))
        } else if rest.starts_with("super::") || rest.starts_with("self::") {
            // `self::` is the file's own module; each `super::` goes up one.
            let mut base = src.module.clone();
            let mut j = 0;
            if rest.starts_with("self::") {
                j = 6;
            }
            while src.text[i + j..].starts_with("super::") {
                base.pop();
                j += 7;
            }
            Some((j, base))
        } else if let Some(child) = children.iter().find(|c| rest.starts_with(c.as_str())) {
            // A path from a child module of this one (`store::connect`,
            // `use funds::FundClaim`): relative, as Rust 2018 reads it.
            let _ = child;
            Some((0, src.module.clone()))
        } else {
            None
        };
        match start {
            Some((skip, base)) => {
                let mut j = i + skip;
                expand(text, &mut j, base, &mut out);
                i = j.max(i + 1);
            }
            None => i += 1,
        }
    }
    out
}

/// Reads `a::b::{c, d::e}` from `*i`, pushing each full path onto `out`.
fn expand(t: &[u8], i: &mut usize, mut prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    loop {
        skip_space(t, i);
        if *i < t.len() && t[*i] == b'{' {
            *i += 1;
            loop {
                skip_space(t, i);
                if *i >= t.len() || t[*i] == b'}' {
                    *i += 1;
                    return;
                }
                expand(t, i, prefix.clone(), out);
                skip_space(t, i);
                if *i < t.len() && t[*i] == b',' {
                    *i += 1;
                }
            }
        }
        let start = *i;
        while *i < t.len() && (t[*i].is_ascii_alphanumeric() || t[*i] == b'_' || t[*i] == b'*') {
            *i += 1;
        }
        if start == *i {
            out.push(prefix);
            return;
        }
        match &t[start..*i] {
            b"super" => {
                prefix.pop();
            }
            b"self" => {}
            segment => prefix.push(String::from_utf8_lossy(segment).into_owned()),
        }
        if t[*i..].starts_with(b"::") {
            *i += 2;
        } else {
            out.push(prefix);
            return;
        }
    }
}

fn skip_space(t: &[u8], i: &mut usize) {
    while *i < t.len() && t[*i].is_ascii_whitespace() {
        *i += 1;
    }
}

/// The file a path lands in: the longest prefix that is a module of ours.
fn file_of<'a>(path: &[String], modules: &'a BTreeMap<Vec<String>, String>) -> Option<&'a String> {
    (1..=path.len()).rev().find_map(|n| modules.get(&path[..n]))
}

fn layer(module: &[String]) -> &str {
    module.first().map(String::as_str).unwrap_or("")
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// What each layer may import of the crate (besides itself).
fn may_import(from: &str, to: &str) -> bool {
    match from {
        "domain" => false,
        "views" => matches!(to, "domain" | "error"),
        "error" => matches!(to, "domain"),
        "server" => matches!(to, "views" | "domain" | "error"),
        "api" => matches!(to, "server" | "views" | "domain" | "error"),
        "ui" => matches!(to, "api" | "views" | "domain" | "error"),
        // lib.rs and main.rs tie the layers together.
        _ => true,
    }
}

fn module_set(sources: &[Source]) -> BTreeSet<Vec<String>> {
    sources.iter().map(|s| s.module.clone()).collect()
}

fn violations(sources: &[Source]) -> Vec<String> {
    let modules = module_set(sources);
    let mut found = BTreeSet::new();
    for src in sources {
        let from = layer(&src.module);
        for p in paths(src, &modules) {
            let to = layer(&p);
            if to != from && !to.is_empty() && !may_import(from, to) {
                found.insert(format!("{} imports {} (the {from} layer may not reach {to})", src.file, p.join("::")));
            }
        }
        // Server functions reach the store only through services.
        if from == "api" && (src.text.contains(".store.") || src.text.contains("server::store")) {
            found.insert(format!("{} reaches the store directly (call a service)", src.file));
        }
    }
    found.into_iter().collect()
}

/// Files that import each other in a loop, by Tarjan's strongly connected
/// components over the file → file graph.
fn circles(sources: &[Source]) -> Vec<Vec<String>> {
    let modules: BTreeMap<Vec<String>, String> = sources.iter().map(|s| (s.module.clone(), s.file.clone())).collect();
    let index: BTreeMap<&String, usize> = sources.iter().enumerate().map(|(i, s)| (&s.file, i)).collect();
    let set = module_set(sources);
    let edges: Vec<BTreeSet<usize>> = sources
        .iter()
        .map(|s| {
            paths(s, &set)
                .iter()
                .filter_map(|p| file_of(p, &modules))
                .map(|f| index[f])
                .filter(|&j| sources[j].file != s.file)
                .collect()
        })
        .collect();
    struct Tarjan<'a> {
        edges: &'a [BTreeSet<usize>],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        out: Vec<Vec<usize>>,
    }
    impl Tarjan<'_> {
        fn visit(&mut self, v: usize) {
            self.index[v] = Some(self.next);
            self.low[v] = self.next;
            self.next += 1;
            self.stack.push(v);
            self.on_stack[v] = true;
            for &w in self.edges[v].iter() {
                match self.index[w] {
                    None => {
                        self.visit(w);
                        self.low[v] = self.low[v].min(self.low[w]);
                    }
                    Some(iw) if self.on_stack[w] => self.low[v] = self.low[v].min(iw),
                    Some(_) => {}
                }
            }
            if Some(self.low[v]) == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    self.out.push(component);
                }
            }
        }
    }
    let n = sources.len();
    let mut t = Tarjan {
        edges: &edges,
        index: vec![None; n],
        low: vec![0; n],
        on_stack: vec![false; n],
        stack: Vec::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in 0..n {
        if t.index[v].is_none() {
            t.visit(v);
        }
    }
    t.out
        .into_iter()
        .map(|c| {
            let mut files: Vec<String> = c.into_iter().map(|i| sources[i].file.clone()).collect();
            files.sort();
            files
        })
        .collect()
}

#[test]
fn every_import_runs_down_the_layers() {
    let found = violations(&sources(&src_dir()));
    assert!(found.is_empty(), "imports against the layers:\n{}", found.join("\n"));
}

#[test]
fn no_files_import_each_other_in_a_circle() {
    let found = circles(&sources(&src_dir()));
    let text: Vec<String> = found.iter().map(|c| c.join(" ↔ ")).collect();
    assert!(found.is_empty(), "files that import each other:\n{}", text.join("\n"));
}

#[test]
fn no_line_of_the_sources_is_longer_than_rustfmt_allows() {
    // rustfmt does not reach inside `macro_rules!` bodies, so their lines
    // are held to the same width here.
    let mut long = Vec::new();
    for src in sources(&src_dir()) {
        let raw = std::fs::read_to_string(src_dir().join(src.file.trim_start_matches("src/"))).unwrap();
        for (n, line) in macro_lines(&raw) {
            if line.chars().count() > 120 {
                long.push(format!("{}:{} ({} characters)", src.file, n + 1, line.chars().count()));
            }
        }
    }
    assert!(long.is_empty(), "lines over 120 characters:\n{}", long.join("\n"));
}

/// The lines inside `macro_rules!` definitions, numbered from 0.
fn macro_lines(raw: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut depth: Option<i64> = None;
    for (n, line) in raw.lines().enumerate() {
        if depth.is_none() && line.trim_start().starts_with("macro_rules!") {
            depth = Some(0);
        }
        if let Some(d) = depth.as_mut() {
            out.push((n, line));
            *d += line.matches('{').count() as i64 - line.matches('}').count() as i64;
            if *d <= 0 && line.contains('}') {
                depth = None;
            }
        }
    }
    out
}

// The checker itself, on planted sources.

fn planted(file: &str, text: &str) -> Source {
    Source {
        file: file.to_owned(),
        module: module_of(Path::new(file.trim_start_matches("src/"))),
        text: strip_test_modules(&strip_comments(text)),
    }
}

#[test]
fn a_server_file_importing_the_api_is_reported() {
    let s = planted("src/server/services/x.rs", "use crate::api::revenue::RevenueDashboard;\nfn f() {}");
    assert_eq!(violations(&[s]).len(), 1);
}

#[test]
fn grouped_and_relative_imports_are_followed() {
    let s = planted("src/server/services/x.rs", "use super::super::{store::Store, super::ui::format::date};");
    let found = violations(&[s]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("ui::format::date"), "{found:?}");
}

#[test]
fn the_domain_importing_anything_of_the_crate_is_reported() {
    let s = planted("src/domain/x.rs", "fn f() -> crate::views::x::View { todo!() }");
    assert_eq!(violations(&[s]).len(), 1);
    let ok = planted("src/domain/y.rs", "use crate::domain::ledger::Month; use super::money::Money;");
    assert!(violations(&[ok]).is_empty());
}

#[test]
fn a_server_function_reaching_the_store_is_reported() {
    let s = planted("src/api/x.rs", "async fn f() { ctx.state.store.logo(1).await; }");
    assert_eq!(violations(&[s]).len(), 1);
}

#[test]
fn imports_in_comments_do_not_count() {
    let s = planted(
        "src/domain/x.rs",
        "// use crate::server::x;\n/// See crate::ui::app.\nconst URL: &str = \"https://a\";",
    );
    assert!(violations(&[s]).is_empty());
}

#[test]
fn long_lines_are_found_inside_macro_definitions_only() {
    let long = "x".repeat(130);
    let raw =
        format!("fn f() {{ {long} }}\nmacro_rules! m {{\n    () => {{\n        {long}\n    }};\n}}\nfn g() {{}}\n");
    let lines = macro_lines(&raw);
    assert_eq!(lines.iter().map(|(n, _)| *n).collect::<Vec<_>>(), vec![1, 2, 3, 4, 5]);
}

#[test]
fn a_parent_naming_its_child_and_the_child_its_parent_make_a_circle() {
    let parent = planted("src/server/store/mod.rs", "mod funds;\npub use funds::FundClaim;\npub struct NewAudit;");
    let child = planted("src/server/store/funds.rs", "use super::*;\npub struct FundClaim;");
    let found = circles(&[parent, child]);
    assert_eq!(found.len(), 1, "{found:?}");
}

#[test]
fn test_modules_are_not_part_of_the_graph() {
    let s = planted("src/domain/x.rs", "pub fn f() {}\n#[cfg(test)]\nmod tests {\n    use crate::server::x;\n}\n");
    assert!(violations(&[s]).is_empty());
}

#[test]
fn two_files_importing_each_other_make_a_circle() {
    let a = planted("src/server/a.rs", "use super::b::B; pub struct A;");
    let b = planted("src/server/b.rs", "use crate::server::a::A; pub struct B;");
    let c = planted("src/server/c.rs", "use super::a::A;");
    assert_eq!(circles(&[a, b, c]), vec![vec!["src/server/a.rs".to_owned(), "src/server/b.rs".to_owned()]]);
}
