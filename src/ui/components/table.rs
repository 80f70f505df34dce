//! Tables of records: a header row, the rows, a wrapper that scrolls
//! sideways on narrow screens instead of widening the page, a sentence in
//! place of the table when there is nothing to list, and links to older and
//! newer pages where a list comes in pages.

use crate::domain::listing::{header_order, query, Column, Order};
use crate::ui::components::style::{INPUT, TH_BOXED, TH_RULED, TH_SHADED, WIDE_ONLY};
use leptos::prelude::*;

/// How a table is drawn.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum TableLook {
    /// A line under the header and under each row (rows draw their own);
    /// for tables inside a card.
    Ruled,
    /// A shaded header row over rows divided by hairlines.
    Shaded,
    /// Shaded, wider cells, in a box of its own: staff lists that stand
    /// on the page rather than in a card.
    Boxed,
}

/// `DataTable`'s `stacked`: below the `sm` width the header is hidden (the
/// cells say what they are) and rows and cells stack as blocks.
const STACKED: &str = "max-sm:block max-sm:[&_thead]:hidden max-sm:[&_tbody]:block max-sm:[&_tr]:block \
     max-sm:[&_tr]:py-2 max-sm:[&_td]:block max-sm:[&_td]:py-1";

/// The border around a table's scrolling wrapper.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Frame {
    Bare,
    Box,
    /// A red box, for a list of things that are late.
    Alert,
}

/// One header cell.
#[derive(Clone, Copy, Debug)]
pub struct Head {
    label: &'static str,
    /// Read to screen readers only: columns of buttons or links whose
    /// purpose the cells show.
    quiet: bool,
    shown: bool,
    /// Right-aligned over a column of amounts.
    figure: bool,
    /// A column that orders the list: its header is a link.
    sorts: Option<Column>,
    /// Left out on phones, whose rows repeat what it holds (`style::WIDE_ONLY`).
    wide_only: bool,
}

impl From<&'static str> for Head {
    fn from(label: &'static str) -> Self {
        Head { label, quiet: false, shown: true, figure: false, sorts: None, wide_only: false }
    }
}

impl Head {
    /// A header read to screen readers only.
    pub fn quiet(label: &'static str) -> Self {
        Head { label, quiet: true, shown: true, figure: false, sorts: None, wide_only: false }
    }

    /// A header over amounts, aligned with them (`style::TD_SHADED_MONEY`).
    pub fn figure(label: &'static str) -> Self {
        Head { label, quiet: false, shown: true, figure: true, sorts: None, wide_only: false }
    }

    /// Keeps the column only when `shown`, for columns some viewers lack.
    pub fn when(self, shown: bool) -> Self {
        Head { shown, ..self }
    }

    /// Leaves the column out below the `sm` width; its cells carry
    /// `style::WIDE_ONLY` too.
    pub fn wide_only(self) -> Self {
        Head { wide_only: true, ..self }
    }

    /// Makes the header a link that orders the list by `column`.
    pub fn sorts(self, column: Column) -> Self {
        Head { sorts: Some(column), ..self }
    }
}

/// A list ordered on the server: the order shown, and the address's other
/// choices (search, filters) that the header links keep. Choosing an order
/// goes back to the first page.
#[derive(Clone, Debug)]
pub struct Sorting {
    pub order: Order,
    pub keep: Vec<(&'static str, String)>,
}

impl Sorting {
    fn href(&self, column: Column) -> String {
        let next = header_order(&self.order, column);
        let mut pairs: Vec<(&str, &str)> = self.keep.iter().map(|(k, v)| (*k, v.as_str())).collect();
        pairs.push(("sort", next.column.as_str()));
        pairs.push(("dir", if next.descending { "desc" } else { "asc" }));
        format!("?{}", query(&pairs))
    }
}

/// A list ordered, searched and filtered on the server, with the choices
/// the server applied: every link and form of the list keeps the others'
/// choices, so a header keeps the search and a search keeps the order.
#[derive(Clone, Debug)]
pub struct ListChoices {
    pub order: Order,
    /// The search as applied ("" for none).
    pub search: String,
    /// Other choices in the address (`("show", "open")`), sent by fields of
    /// the search form itself.
    pub filters: Vec<(&'static str, String)>,
}

impl ListChoices {
    pub fn new(order: &Order, search: Option<&String>) -> Self {
        ListChoices { order: order.clone(), search: search.cloned().unwrap_or_default(), filters: Vec::new() }
    }

    pub fn filtered(mut self, key: &'static str, value: &str) -> Self {
        self.filters.push((key, value.to_owned()));
        self
    }

    fn dir(&self) -> &'static str {
        if self.order.descending {
            "desc"
        } else {
            "asc"
        }
    }

    /// For the headers: each keeps the search and filters.
    pub fn sorting(&self) -> Sorting {
        let mut keep = vec![("q", self.search.clone())];
        keep.extend(self.filters.iter().cloned());
        Sorting { order: self.order.clone(), keep }
    }

    /// The search form's hidden fields: the order.
    pub fn search_keep(&self) -> Vec<(&'static str, String)> {
        vec![("sort", self.order.column.clone()), ("dir", self.dir().to_owned())]
    }

    /// Where "Clear search" leads: the list in the same order, with no
    /// search or filter.
    pub fn clear(&self) -> String {
        format!("?{}", query(&[("sort", &self.order.column), ("dir", self.dir())]))
    }

    /// The pager's query: every choice but the page.
    pub fn pager_query(&self) -> String {
        let mut pairs: Vec<(&str, &str)> = vec![("q", &self.search)];
        pairs.extend(self.filters.iter().map(|(k, v)| (*k, v.as_str())));
        pairs.push(("sort", &self.order.column));
        pairs.push(("dir", self.dir()));
        query(&pairs)
    }
}

/// Links to the neighbouring pages of a long list; each is an address with
/// the query that selects that page.
#[derive(Clone, Debug, Default)]
pub struct Pager {
    pub older: Option<String>,
    pub newer: Option<String>,
}

#[component]
pub fn DataTable<V: IntoView + 'static>(
    look: TableLook,
    head: Vec<Head>,
    rows: Vec<V>,
    /// Shown instead of the table when there are no rows; without it an
    /// empty table is drawn.
    #[prop(default = None, into)]
    empty: Option<&'static str>,
    #[prop(optional)] testid: Option<&'static str>,
    /// What the table lists, read to screen readers as the name of its
    /// scrolling region (the test id's words when not given).
    #[prop(optional)]
    label: Option<&'static str>,
    /// Classes put before the wrapper's (and the empty sentence's), for
    /// their margin.
    #[prop(optional)]
    margin: &'static str,
    /// The wrapper's border; by default boxed tables have one and others
    /// none.
    #[prop(optional)]
    frame: Option<Frame>,
    #[prop(optional)] pager: Option<Pager>,
    /// Set for a list ordered on the server: headers made `sorts` link to
    /// their order and mark the current one (`aria-sort`).
    #[prop(default = None, into)]
    sorting: Option<Sorting>,
    /// On a phone, each row becomes a card of its cells one under another,
    /// for rows whose cells carry forms: a table scrolled sideways would
    /// hide them off the screen.
    #[prop(optional)]
    stacked: bool,
) -> impl IntoView {
    let spaced = |class: &str| if margin.is_empty() { class.to_owned() } else { format!("{margin} {class}") };
    let pages = pager.filter(|p| p.older.is_some() || p.newer.is_some()).map(|p| {
        let both = p.older.is_some() && p.newer.is_some();
        view! {
            <p class="mt-4">
                {p.newer.map(|href| view! { <a class="text-brand underline" href=href>"Newer entries"</a> })}
                {both.then_some(" · ")}
                {p.older.map(|href| view! { <a class="text-brand underline" href=href>"Older entries"</a> })}
            </p>
        }
    });
    if rows.is_empty() {
        if let Some(text) = empty {
            return view! { <p class=spaced("text-sm text-slate-600")>{text}</p> {pages} }.into_any();
        }
    }
    let frame = frame.unwrap_or(if look == TableLook::Boxed { Frame::Box } else { Frame::Bare });
    // `relative`: visually hidden (absolutely placed) labels inside stay
    // in the scrolling box instead of widening the page on a phone.
    let wrapper = spaced(match frame {
        Frame::Bare => "relative overflow-x-auto",
        Frame::Box => "relative overflow-x-auto rounded-lg border border-slate-200 bg-white",
        Frame::Alert => "relative overflow-x-auto rounded-lg border border-red-200 bg-white",
    });
    let (table, thead, tbody, th) = match look {
        TableLook::Ruled => ("w-full text-sm", "border-b border-slate-200", None, TH_RULED),
        TableLook::Shaded => {
            ("min-w-full text-sm", "bg-slate-50 text-left text-slate-600", Some("divide-y divide-slate-100"), TH_SHADED)
        }
        TableLook::Boxed => (
            "min-w-full divide-y divide-slate-200 text-sm",
            "bg-slate-50 text-left text-slate-600",
            Some("divide-y divide-slate-100"),
            TH_BOXED,
        ),
    };
    let table = if stacked { format!("{table} {STACKED}") } else { table.to_owned() };
    let cells = head
        .into_iter()
        .filter(|h| h.shown)
        .map(|h| {
            let mut class = if h.figure { format!("{th} text-right") } else { th.to_owned() };
            if h.wide_only {
                class = format!("{class} {WIDE_ONLY}");
            }
            if let (Some(column), Some(sorting)) = (h.sorts, sorting.as_ref()) {
                let current = sorting.order.column == column.key;
                // Only the current column carries `aria-sort`, as ARIA asks.
                let (aria, arrow) = match (current, sorting.order.descending) {
                    (false, _) => (None, "↕"),
                    (true, false) => (Some("ascending"), "▲"),
                    (true, true) => (Some("descending"), "▼"),
                };
                let link = if current { "font-semibold text-slate-900 underline" } else { "hover:underline" };
                return view! {
                    <th scope="col" class=class aria-sort=aria>
                        <a class=link href=sorting.href(column)>
                            {h.label}
                            <span class="ml-1 text-xs text-slate-500" aria-hidden="true">{arrow}</span>
                        </a>
                    </th>
                }
                .into_any();
            }
            let label =
                if h.quiet { view! { <span class="sr-only">{h.label}</span> }.into_any() } else { h.label.into_any() };
            view! { <th scope="col" class=class>{label}</th> }.into_any()
        })
        .collect_view();
    // The wrapper scrolls on a phone; keyboard users reach it with Tab to
    // scroll it with the arrow keys, and screen readers hear what it holds.
    // A group, not a region: tables sit in cards that are already regions
    // named after them.
    let name = label
        .map(str::to_owned)
        .or_else(|| testid.map(|t| t.replace(['-', '_'], " ")))
        .unwrap_or_else(|| "Table".into());
    view! {
        <div class=wrapper tabindex="0" role="group" aria-label=name>
            <table class=table data-testid=testid>
                <thead class=thead>
                    <tr>{cells}</tr>
                </thead>
                <tbody class=tbody>{rows}</tbody>
            </table>
        </div>
        {pages}
    }
    .into_any()
}

/// A search over a list on the server: a plain GET form, so it works
/// without JavaScript and the result can be bookmarked. `keep` carries the
/// list's other choices (order, filters); a new search starts at page 1.
#[component]
pub fn SearchBox(
    /// The field's visible label: "Search partners by name".
    label: &'static str,
    /// The search as applied, shown back in the field.
    value: Option<String>,
    #[prop(optional)] keep: Vec<(&'static str, String)>,
    /// Where "Clear" leads: the list with its other choices.
    clear: String,
    /// A filter is chosen besides the search, so "Clear" shows.
    #[prop(optional)]
    filtered: bool,
    /// More fields of the same form: filters sent with the search.
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    let searching = value.is_some() || filtered;
    view! {
        <form method="get" role="search" class="mb-3 flex flex-wrap items-end gap-2">
            {keep.into_iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| view! { <input type="hidden" name=k value=v/> }).collect_view()}
            // The whole row on a phone, so filters and the button wrap below
            // instead of squeezing the field.
            <div class="w-full min-w-0 sm:w-auto sm:max-w-sm sm:flex-1">
                <label for="list-search" class="block text-sm font-medium">{label}</label>
                <input id="list-search" name="q" type="search" class=INPUT value=value.unwrap_or_default() maxlength="100"/>
            </div>
            // As tall as the field beside it.
            {children.map(|c| c())}
            <button type="submit" class="rounded-md border border-slate-300 px-4 py-2 text-sm font-medium hover:bg-slate-50">"Search"</button>
            {searching.then(|| view! { <a class="px-2 py-1.5 text-sm text-brand underline" href=clear>"Clear search"</a> })}
        </form>
    }
}
