//! /manager/statements: every statement of the program for staff, ordered,
//! searched by partner, narrowed to one state and paged on the server, so
//! the list works without JavaScript and any view of it can be bookmarked.

use super::shared::statements_table;
use crate::api::revenue::get_statement_list;
use crate::domain::statement::StatementShow;
use crate::ui::components::loaded::Loaded;
use crate::ui::components::pager::Pager;
use crate::ui::components::style::INPUT;
use crate::ui::components::table::{ListChoices, SearchBox};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn StatementListPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |k: &str| query.read().get(k);
    let page = move || query.read().get("page").and_then(|p| p.parse::<usize>().ok());
    let data = Resource::new(
        move || (param("show"), param("sort"), param("dir"), param("q"), page()),
        |(show, sort, dir, q, page)| get_statement_list(show, sort, dir, q, page),
    );
    view! {
        <Title text="Statements"/>
        <h1 class="mb-2 text-2xl font-bold">"Statements"</h1>
        <p class="mb-4 text-sm text-slate-600">
            "Every partner’s monthly statements. Statements of past months are closed, and payouts approved, on "
            <a class="text-brand underline" href="/manager/revenue">"Revenue and payouts"</a>"."
        </p>
        <Loaded data let:l>
            {
                let list = ListChoices::new(&l.order, l.search.as_ref()).filtered("show", l.show.key());
                let (sorting, keep, clear, pager_query) =
                    (list.sorting(), list.search_keep(), list.clear(), list.pager_query());
                let narrowed = l.search.is_some() || l.show != StatementShow::All;
                let shown = l.show;
                let table = if l.statements.is_empty() && narrowed {
                    view! {
                        <p class="mb-4 text-slate-600" data-testid="statements-empty">
                            "No statement matches: choose another state or search for another partner."
                        </p>
                    }
                    .into_any()
                } else {
                    statements_table(l.statements, true, Some(sorting)).into_any()
                };
                view! {
                    <SearchBox label="Search by partner" value=l.search.clone() keep clear filtered=shown != StatementShow::All>
                        <div>
                            <label for="statement-show" class="block text-sm font-medium">"Show"</label>
                            <select id="statement-show" name="show" class=format!("{INPUT} h-[2.625rem]")>
                                {StatementShow::ALL.iter().map(|s| view! {
                                    <option value=s.key() selected=*s == shown>{s.label()}</option>
                                }).collect_view()}
                            </select>
                        </div>
                    </SearchBox>
                    {table}
                    <Pager page=l.page pages=l.pages count=l.total what="statements" query=pager_query/>
                }
            }
        </Loaded>
    }
}
