//! Panels: the titled section most pages are built of, and the centred
//! card of the sign-in style pages.

use crate::ui::components::style::CARD;
use leptos::prelude::*;

/// A titled section of a page. With an `id`, the heading carries it and
/// names the section for assistive technology.
#[component]
pub fn Card(
    #[prop(into)] title: String,
    #[prop(optional)] id: Option<&'static str>,
    /// Classes of the heading, for its spacing and size.
    #[prop(default = "mb-3 font-semibold")]
    heading: &'static str,
    /// Extra classes of the section, such as its margin.
    #[prop(optional)]
    margin: &'static str,
    #[prop(optional)] testid: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    let class = if margin.is_empty() { CARD.to_owned() } else { format!("{CARD} {margin}") };
    view! {
        <section class=class aria-labelledby=id data-testid=testid>
            <h2 id=id class=heading>{title}</h2>
            {children()}
        </section>
    }
}

/// A centred card for the sign-in style pages.
#[component]
pub fn CentredCard(title: &'static str, children: Children) -> impl IntoView {
    view! {
        <div class="mx-auto mt-8 max-w-md rounded-lg border border-slate-200 bg-white p-6 shadow-sm sm:p-8">
            <h1 class="mb-6 text-2xl font-bold text-slate-900">{title}</h1>
            {children()}
        </div>
    }
}
