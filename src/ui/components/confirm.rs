//! A destructive or bulk action asked twice. The first button only opens
//! a sentence saying what will happen and a second button, named after the
//! action, that does it. Built on `<details>`, so it works the same with
//! JavaScript off and hydrated, and from the keyboard (the first button is
//! the `<summary>`: Enter or Space opens it).
//!
//! Put it inside the action's form in place of its submit button.

use crate::ui::components::style::{DANGER, DANGER_SOLID};
use leptos::prelude::*;

#[component]
pub fn Confirm(
    /// The first button's text.
    #[prop(into)]
    label: String,
    /// What will happen, in a sentence or two.
    #[prop(into)]
    what: String,
    /// The button that acts, naming the action ("Revoke key sk_…").
    #[prop(into)]
    confirm: String,
    /// The first button's name for screen readers, where `label` alone
    /// would not say what it acts on (a "Remove" in every row).
    #[prop(optional, into)]
    aria_label: Option<String>,
    /// The first button's look; `DANGER` by default.
    #[prop(default = DANGER)]
    class: &'static str,
) -> impl IntoView {
    view! {
        <details class="group inline-block align-top" data-confirm="">
            <summary class=format!("{class} inline-block cursor-pointer list-none select-none") aria-label=aria_label>
                {label}
            </summary>
            <div class="mt-2 max-w-sm rounded-md border border-red-200 bg-red-50 p-3 text-left text-sm text-slate-800">
                <p>{what}</p>
                <button type="submit" class=format!("{DANGER_SOLID} mt-2")>{confirm}</button>
            </div>
        </details>
    }
}
