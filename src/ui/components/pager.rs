//! Links to the neighbouring pages of a long list. Plain links carrying the
//! page in the address, so they work before and without hydration, and a
//! page can be bookmarked or shared.

use leptos::prelude::*;

/// `query` is the address's other parameters (`status=x&kind=y`, or empty);
/// `anchor` where the list starts (`#lines`, or empty); `what` names the
/// items for the count ("lines", "applications"); `what` without its final
/// "s" names one.
#[component]
pub fn Pager(
    page: usize,
    pages: usize,
    count: usize,
    what: &'static str,
    #[prop(optional)] query: String,
    #[prop(optional)] anchor: &'static str,
) -> impl IntoView {
    let one = what.strip_suffix('s').unwrap_or(what);
    let link = "rounded border border-slate-300 px-3 py-1 text-brand hover:bg-slate-50";
    let href = move |n: usize| {
        if query.is_empty() {
            format!("?page={n}{anchor}")
        } else {
            format!("?{query}&page={n}{anchor}")
        }
    };
    view! {
        <nav class="mt-3 flex flex-wrap items-center gap-3 text-sm" aria-label=format!("Pages of {what}")>
            {(page > 1).then(|| view! { <a class=link href=href(page - 1) rel="prev">"Previous"</a> })}
            <span class="text-slate-600" data-testid="page-of">{format!("Page {page} of {pages} ({})", crate::domain::format::count(count, one, what))}</span>
            {(page < pages).then(|| view! { <a class=link href=href(page + 1) rel="next">"Next"</a> })}
        </nav>
    }
}
