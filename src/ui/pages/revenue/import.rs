//! /manager/revenue/imports/:id: what a CSV import did, or every problem
//! that stopped it.

use crate::api::revenue::get_revenue_import;
use crate::domain::ledger::{imported_summary, refused_import_summary};
use crate::ui::components::form::Notice;
use crate::ui::components::loaded::Loaded;
use crate::ui::components::style::TD_SHADED_NOWRAP;
use crate::ui::components::table::{DataTable, Frame, TableLook};
use crate::ui::components::time::Time;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

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
