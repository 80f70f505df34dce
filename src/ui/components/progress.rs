//! A progress bar: the native element (accessible, no inline styles, which
//! the content security policy forbids), coloured with the brand.

use leptos::prelude::*;

#[component]
pub fn ProgressBar(percent: usize, #[prop(into)] label: String) -> impl IntoView {
    view! {
        <progress
            class="h-2 w-full overflow-hidden rounded-full [&::-webkit-progress-bar]:bg-slate-200 [&::-webkit-progress-value]:bg-brand [&::-moz-progress-bar]:bg-brand"
            max="100"
            value=percent.to_string()
            aria-label=label
        >
            {format!("{percent} %")}
        </progress>
    }
}
