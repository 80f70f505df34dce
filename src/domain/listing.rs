//! How long lists are searched, ordered and paged on the server: one set
//! of rules for every staff table, read from the address (`?q=&sort=&dir=&page=`)
//! so each works without JavaScript and can be bookmarked.

use serde::{Deserialize, Serialize};

/// Longest search accepted; longer input is cut rather than refused, as a
/// search box has nothing to correct.
pub const MAX_SEARCH_CHARS: usize = 100;

/// The column a list is ordered by and in which direction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub column: String,
    pub descending: bool,
}

/// A list's columns that can order it, each with the direction it starts
/// in when first chosen (amounts and counts: largest first).
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub key: &'static str,
    pub descending_first: bool,
}

impl Column {
    pub const fn up(key: &'static str) -> Column {
        Column { key, descending_first: false }
    }

    pub const fn down(key: &'static str) -> Column {
        Column { key, descending_first: true }
    }
}

/// An order whose column is one of a list's own (a `choices!` enum): what
/// a store turns into its ORDER BY.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort<C> {
    pub column: C,
    pub descending: bool,
}

impl<C: Copy> Sort<C> {
    /// The order read from the address (`order`), as one of the list's
    /// columns; `default` if the key names none (it cannot, once checked).
    pub fn read(order: &Order, parse: fn(&str) -> Option<C>, default: C) -> Sort<C> {
        Sort { column: parse(&order.column).unwrap_or(default), descending: order.descending }
    }

    /// `column` (whose key is `key`) in the direction `columns` start it in.
    pub fn first(column: C, key: &str, columns: &[Column]) -> Sort<C> {
        let descending = columns.iter().any(|c| c.key == key && c.descending_first);
        Sort { column, descending }
    }
}

/// The order asked for by `sort` and `dir`: an unknown column falls back
/// to the first (the list's default), and a missing or unknown direction to
/// that column's first direction. Only listed keys ever reach SQL.
pub fn order(columns: &[Column], sort: &str, dir: &str) -> Order {
    let Some(first) = columns.first() else {
        return Order { column: String::new(), descending: false };
    };
    let column = columns.iter().find(|c| c.key == sort).unwrap_or(first);
    let descending = match dir {
        "asc" => false,
        "desc" => true,
        _ => column.descending_first,
    };
    Order { column: column.key.to_owned(), descending }
}

/// Where a column's header leads: the current column turns around, another
/// starts in its first direction.
pub fn header_order(current: &Order, column: Column) -> Order {
    if current.column == column.key {
        Order { column: column.key.to_owned(), descending: !current.descending }
    } else {
        Order { column: column.key.to_owned(), descending: column.descending_first }
    }
}

/// The search as typed, trimmed and cut to `MAX_SEARCH_CHARS`; `None` when
/// blank, so an empty box lists everything.
pub fn search(q: &str) -> Option<String> {
    let q = q.trim();
    (!q.is_empty()).then(|| q.chars().take(MAX_SEARCH_CHARS).collect())
}

/// A `LIKE` pattern finding `term` anywhere, case-insensitively (compared
/// with `LOWER(column)`), with `%`, `_` and the escape character taken
/// literally (`ESCAPE '\'`).
pub fn like_pattern(term: &str) -> String {
    let mut out = String::from("%");
    for c in term.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// Which page to show of `total` items at `per` a page: at least 1, at most
/// the last, so a page past the end shows the last. Returns (page, pages).
pub fn page_of(requested: usize, total: usize, per: usize) -> (usize, usize) {
    let pages = total.div_ceil(per.max(1)).max(1);
    (requested.clamp(1, pages), pages)
}

/// The address query of a list with everything it was asked for, so
/// headers, paging and the search box keep each other's choices. Empty
/// values are left out.
pub fn query(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs.iter().filter(|(_, v)| !v.is_empty())).finish()
}

/// The list choices (`q`, `sort`, `dir`, `page`) out of an address query
/// a form sent back, re-encoded; anything else is dropped, so an action
/// can return to the same place in the list and to nowhere else.
pub fn kept(query_string: &str) -> String {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query_string.trim_start_matches('?').as_bytes())
        .filter(|(k, _)| matches!(k.as_ref(), "q" | "sort" | "dir" | "page"))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    query(&refs)
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLUMNS: [Column; 3] = [Column::up("name"), Column::down("progress"), Column::down("overdue")];

    #[test]
    fn an_unknown_or_missing_column_orders_by_the_first() {
        assert_eq!(order(&COLUMNS, "", ""), Order { column: "name".into(), descending: false });
        assert_eq!(order(&COLUMNS, "name; DROP TABLE x", "desc").column, "name");
    }

    #[test]
    fn a_column_starts_in_its_own_direction_unless_one_is_asked_for() {
        assert_eq!(order(&COLUMNS, "overdue", ""), Order { column: "overdue".into(), descending: true });
        assert_eq!(order(&COLUMNS, "overdue", "asc"), Order { column: "overdue".into(), descending: false });
        assert!(order(&COLUMNS, "progress", "sideways").descending, "an unknown direction: the column's own");
    }

    #[test]
    fn the_current_columns_header_turns_the_order_around_and_another_starts_fresh() {
        let now = Order { column: "name".into(), descending: false };
        assert_eq!(header_order(&now, COLUMNS[0]), Order { column: "name".into(), descending: true });
        assert_eq!(header_order(&now, COLUMNS[2]), Order { column: "overdue".into(), descending: true });
    }

    #[test]
    fn a_blank_search_lists_everything_and_a_long_one_is_cut() {
        assert_eq!(search("  "), None);
        assert_eq!(search(" Acme "), Some("Acme".into()));
        assert_eq!(search(&"x".repeat(500)).unwrap().chars().count(), MAX_SEARCH_CHARS);
    }

    #[test]
    fn search_patterns_match_anywhere_ignoring_case_and_take_wildcards_literally() {
        assert_eq!(like_pattern("Acme"), "%acme%");
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }

    #[test]
    fn a_page_past_the_end_shows_the_last_and_an_empty_list_has_one_page() {
        assert_eq!(page_of(9, 120, 50), (3, 3));
        assert_eq!(page_of(0, 120, 50), (1, 3));
        assert_eq!(page_of(1, 0, 50), (1, 1));
    }

    #[test]
    fn the_query_keeps_every_choice_but_leaves_out_empty_ones() {
        assert_eq!(query(&[("q", "a b&c"), ("sort", "name"), ("dir", "")]), "q=a+b%26c&sort=name");
    }

    #[test]
    fn an_action_returns_to_the_lists_choices_and_drops_anything_else() {
        assert_eq!(kept("?q=a+b&sort=since&dir=desc&page=2&updated=1&next=//evil"), "q=a+b&sort=since&dir=desc&page=2");
        assert_eq!(kept(""), "");
    }
}
