//! /manager/revenue/imports: every revenue import, newest first, a page at
//! a time; /manager/revenue/imports/:id: what one did, or every problem that
//! stopped it; /manager/revenue/check: what importing a checked file would
//! do, with nothing written.

use crate::api::revenue::{get_import_check, get_revenue_import, get_revenue_imports};
use crate::domain::ledger::{import_result, imported_summary, refused_import_summary, ImportShow, RowError};
use crate::domain::listing::query;
use crate::domain::revenue::format_money;
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
                view! {
                    <div class="mb-4 rounded-md border border-red-300 bg-red-50 px-4 py-3 text-sm text-red-800" role="alert" data-testid="import-refused">
                        {refused_import_summary(i.errors.len(), i.row_count)}
                    </div>
                    <Problems errors=i.errors.clone()/>
                }.into_any()
            }}
        </Loaded>
    }
}

/// Every problem of a refused import or check, line by line.
#[component]
fn Problems(errors: Vec<RowError>) -> impl IntoView {
    let rows = errors
        .into_iter()
        .map(|e| {
            view! {
                <tr><td class=TD_SHADED_NOWRAP>{e.row}</td><td class=TD_SHADED_NOWRAP>{e.field}</td><td class="px-3 py-2">{e.message}</td></tr>
            }
        })
        .collect_view();
    view! {
        <DataTable
            look=TableLook::Shaded
            frame=Frame::Box
            testid="import-errors"
            head=vec!["Line".into(), "Column".into(), "Problem".into()]
            rows
        />
    }
}

#[component]
pub fn ImportCheckPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_import_check());
    view! {
        <Title text="Revenue file check"/>
        <p class="mb-2 text-sm"><a class="text-brand underline" href="/manager/revenue#import">"← Revenue"</a></p>
        <Loaded data let:c>
            {match c {
                None => view! {
                    <h1 class="mb-2 text-2xl font-bold">"Check a revenue file"</h1>
                    <p class="text-sm">"No file checked yet. Choose a file under Import revenue and press Check without importing."</p>
                }.into_any(),
                Some(c) => {
                    let refused = !c.problems.is_empty();
                    let more = c.statements_total.saturating_sub(c.statements.len());
                    let rows = c.statements.iter().map(|s| view! {
                        <tr>
                            <td class=TD_SHADED_NOWRAP>{s.partner.clone()}</td>
                            <td class=TD_SHADED_NOWRAP>{s.month.label()}{s.past.then_some(" (past: closable)")}</td>
                            <td class=TD_SHADED_MONEY>{s.events}</td>
                            <td class=TD_SHADED_MONEY>{format_money(s.revenue)}</td>
                            <td class=TD_SHADED_MONEY>{format_money(s.commission)}</td>
                            <td class=TD_SHADED_MONEY>{s.adjustments}</td>
                        </tr>
                    }).collect_view();
                    view! {
                        <h1 class="mb-2 text-2xl font-bold">{format!("Check: {}", c.source)}</h1>
                        <p class="mb-4 text-sm text-slate-600"><Time ms=c.checked_at_ms/> {format!(" · {} rows", c.row_count)}</p>
                        {if refused {
                            view! {
                                <div class="mb-4 rounded-md border border-red-300 bg-red-50 px-4 py-3 text-sm text-red-800" role="alert" data-testid="check-result">
                                    {c.summary.clone()}
                                </div>
                                <Problems errors=c.problems.clone()/>
                            }.into_any()
                        } else {
                            view! {
                                <p class="mb-4 rounded-md border border-emerald-300 bg-emerald-50 px-4 py-3 text-sm text-emerald-900" role="status" data-testid="check-result">
                                    {c.summary.clone()}
                                </p>
                                <DataTable
                                    look=TableLook::Shaded
                                    frame=Frame::Box
                                    testid="check-statements"
                                    head=vec!["Partner".into(), "Statement".into(), Head::figure("Events"), Head::figure("Revenue"), Head::figure("Commission"), Head::figure("Adjustments")]
                                    rows
                                />
                                {(more > 0).then(|| view! { <p class="mt-2 text-sm">{format!("…and {more} more statements.")}</p> })}
                                <p class="mt-4 text-sm">{if c.source == "pasted" {
                                    "To import them, paste the same rows under Import revenue and press Import."
                                } else {
                                    "To import it, choose the same file again under Import revenue and press Import."
                                }}</p>
                            }.into_any()
                        }}
                    }.into_any()
                }
            }}
        </Loaded>
    }
}
