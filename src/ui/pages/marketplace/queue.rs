//! The managers' queue of listings waiting for review, oldest first.

use crate::api::marketplace::get_listing_queue;
use crate::ui::components::loaded::Loaded;
use crate::ui::components::style::{TD_BOXED, TD_BOXED_NOWRAP};
use crate::ui::components::table::{DataTable, TableLook};
use crate::ui::components::time::Time;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ListingQueuePage() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_listing_queue());
    view! {
        <Title text="Listings to review"/>
        <h1 class="mb-1 text-2xl font-bold">"Listings to review"</h1>
        <p class="mb-4 text-sm text-slate-600">"Partners' marketplace listings waiting for a decision, oldest first. An edit of a published listing leaves the published version up until it is approved."</p>
        <Loaded data let:q>
            {
                let rows = q.items.into_iter().map(|i| view! {
                    <tr>
                        <td class=TD_BOXED><a class="text-brand underline" href=format!("/listing?org={}", i.organisation_id)>{i.organisation}</a></td>
                        <td class=TD_BOXED>{i.name}</td>
                        <td class=TD_BOXED_NOWRAP>{format!("Version {}", i.number)}{i.published.then_some(" (edit of a published listing)")}</td>
                        <td class=TD_BOXED_NOWRAP><Time ms=i.submitted_at_ms/></td>
                    </tr>
                }).collect::<Vec<_>>();
                view! {
                    <DataTable
                        look=TableLook::Boxed
                        testid="listing-queue"
                        label="Listings waiting for review"
                        empty="No listing is waiting for review."
                        head=vec!["Partner".into(), "Name in the directory".into(), "Version".into(), "Sent".into()]
                        rows
                    />
                }
            }
        </Loaded>
    }
}
