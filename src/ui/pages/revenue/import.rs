//! /manager/revenue/imports: every revenue import, newest first, a page at
//! a time; /manager/revenue/imports/:id: what one did, or every problem that
//! stopped it.

use crate::api::revenue::{get_revenue_import, get_revenue_imports};
use crate::domain::ledger::{import_result, imported_summary, refused_import_summary, ImportShow};
use crate::domain::listing::query;
use crate::ui::components::form::Notice;
use crate::ui::components::loaded::Loaded;
use crate::ui::components::style::{INPUT, TD_SHADED_MONEY, TD_SHADED_NOWRAP};
use crate::ui::components::table::{DataTable, Frame, Head, Pager, TableLook};
use crate::ui::components::time::Time;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn ImportsPage() -> impl IntoView {
    let query_map = use_query_map();
    let data = Resource::new(
        move || {
            let q = query_map.read();
            (q.get("before").and_then(|b| b.parse::<i64>().ok()), q.get("show"))
        },
        |(before, show)| get_revenue_imports(before, show),
    );
    view! {
        <Title text="Revenue imports"/>
        <p class="mb-2 text-sm"><a class="text-brand underline" href="/manager/revenue">"← Revenue"</a></p>
        <h1 class="mb-4 text-2xl font-bold">"Revenue imports"</h1>
        <Loaded data let:l>
            {
                let show = l.show.clone();
                let older = l.older_than.map(|id| format!("?{}", query(&[("show", &show), ("before", &id.to_string())])));
                let newer = l.paged.then(|| format!("?{}", query(&[("show", &show)])));
                let rows = l.imports.into_iter().map(|i| {
                    let result = import_result(i.imported, i.new_count, i.unchanged_count, i.errors.len());
                    view! {
                        <tr>
                            <td class=TD_SHADED_NOWRAP><a class="text-brand underline" href=format!("/manager/revenue/imports/{}", i.id)><Time ms=i.created_at_ms/></a></td>
                            <td class="px-3 py-2 break-all">{i.source}</td>
                            <td class=TD_SHADED_NOWRAP>{i.created_by}</td>
                            <td class=TD_SHADED_MONEY>{i.row_count}</td>
                            <td class=TD_SHADED_NOWRAP>{result}</td>
                        </tr>
                    }
                }).collect::<Vec<_>>();
                view! {
                    <form method="get" class="mb-3 flex flex-wrap items-end gap-2">
                        <div>
                            <label for="imports-show" class="block text-sm font-medium">"Show"</label>
                            <select id="imports-show" name="show" class=format!("{INPUT} h-[2.625rem]")>
                                {ImportShow::ALL.iter().map(|c| view! { <option value=c.key() selected=show == c.key()>{c.label()}</option> }).collect_view()}
                            </select>
                        </div>
                        <button type="submit" class="rounded-md border border-slate-300 px-4 py-2 text-sm font-medium hover:bg-slate-50">"Show imports"</button>
                    </form>
                    <DataTable
                        look=TableLook::Shaded
                        frame=Frame::Box
                        testid="import-list"
                        empty="No import here yet."
                        head=vec!["When".into(), "Source".into(), "By".into(), Head::figure("Rows"), "Result".into()]
                        rows
                        pager=Pager { older, newer }
                    />
                }
            }
        </Loaded>
    }
}

#[component]
pub fn ImportPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|v| v.parse::<i64>().ok()).unwrap_or_default();
    let data = Resource::new(id, get_revenue_import);
    view! {
        <Title text="Revenue import"/>
        <p class="mb-2 text-sm"><a class="text-brand underline" href="/manager/revenue">"← Revenue"</a></p>
        <Loaded data let:i>
            <h1 class="mb-2 text-2xl font-bold">{format!("Import: {}", i.source)}</h1>
            <p class="mb-4 text-sm text-slate-600"><Time ms=i.created_at_ms/> {format!(" by {}", i.created_by)}</p>
            {if i.imported {
                view! { <Notice text=imported_summary(i.new_count, i.unchanged_count)/> }.into_any()
            } else {
                let rows = i.errors.iter().map(|e| view! {
                    <tr><td class=TD_SHADED_NOWRAP>{e.row}</td><td class=TD_SHADED_NOWRAP>{e.field.clone()}</td><td class="px-3 py-2">{e.message.clone()}</td></tr>
                }).collect_view();
                view! {
                    <div class="mb-4 rounded-md border border-red-300 bg-red-50 px-4 py-3 text-sm text-red-800" role="alert" data-testid="import-refused">
                        {refused_import_summary(i.errors.len(), i.row_count)}
                    </div>
                    <DataTable
                        look=TableLook::Shaded
                        frame=Frame::Box
                        testid="import-errors"
                        head=vec!["Line".into(), "Column".into(), "Problem".into()]
                        rows
                    />
                }.into_any()
            }}
        </Loaded>
    }
}
