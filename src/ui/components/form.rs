//! Form pieces shared by every page: labelled inputs that show their own
//! error, a banner for the form's overall error, a submit button.

use crate::error::AppError;
use crate::ui::components::style::FIELD_ERROR;
use leptos::prelude::*;

/// The error of the last submission, if any.
pub type LastResult<T> = Signal<Option<Result<T, AppError>>>;

pub fn field_error<T: Send + Sync + Clone + 'static>(
    value: LastResult<T>,
    field: &'static str,
) -> Signal<Option<String>> {
    Signal::derive(move || value.get().and_then(|r| r.err()).and_then(|e| e.message_for(field)))
}

#[component]
pub fn Field(
    label: &'static str,
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(into, optional)] value: Option<String>,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(default = true)] required: bool,
) -> impl IntoView {
    let id = format!("field-{name}");
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described = move || {
        let mut ids = Vec::new();
        if hint.is_some() {
            ids.push(hint_id.clone());
        }
        if error.get().is_some() {
            ids.push(error_id.clone());
        }
        (!ids.is_empty()).then(|| ids.join(" "))
    };
    let input_class = move || {
        if error.get().is_some() {
            "mt-1 block w-full rounded-md border border-red-600 px-3 py-2 shadow-sm focus:outline-none focus:ring-2 focus:ring-red-500"
        } else {
            "mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 shadow-sm focus:border-brand focus:outline-none focus:ring-2 focus:ring-brand"
        }
    };
    view! {
        <div class="mb-4">
            <label for=id.clone() class="block text-sm font-medium text-slate-800">{label}</label>
            {hint.map(|h| view! { <p id=format!("field-{name}-hint") class="text-xs text-slate-500">{h}</p> })}
            <input
                id=id
                name=name
                type=kind
                autocomplete=autocomplete
                required=required
                value=value
                class=input_class
                aria-invalid=move || error.get().is_some().then_some("true")
                aria-describedby=described
            />
            {move || error.get().map(|e| view! {
                <p id=format!("field-{name}-error") class=FIELD_ERROR role="alert">{e}</p>
            })}
        </div>
    }
}

/// The overall message of a failed submission (field details show inline).
#[component]
pub fn FormError<T: Send + Sync + Clone + 'static>(value: LastResult<T>) -> impl IntoView {
    move || {
        value.get().and_then(|r| r.err()).map(|e| {
            view! {
                <div class="mb-4 rounded-md border border-red-300 bg-red-50 px-4 py-3 text-sm text-red-800" role="alert">
                    {e.to_string()}
                </div>
            }
        })
    }
}

#[component]
pub fn Notice(#[prop(into)] text: String) -> impl IntoView {
    view! {
        <div class="mb-4 rounded-md border border-emerald-300 bg-emerald-50 px-4 py-3 text-sm text-emerald-900" role="status">
            {text}
        </div>
    }
}

#[component]
pub fn Submit(label: &'static str, #[prop(into)] pending: Signal<bool>) -> impl IntoView {
    view! {
        <button
            type="submit"
            class="inline-flex w-full justify-center rounded-md bg-brand px-4 py-2 font-semibold text-white shadow hover:opacity-90 focus:outline-none focus:ring-2 focus:ring-brand focus:ring-offset-2 disabled:opacity-60"
            disabled=move || pending.get()
        >
            {label}
        </button>
    }
}

/// The message for one field of a hand-built form, under its input. Its id
/// follows `Field`'s, so a field's message is found the same way whichever
/// built the input.
#[component]
pub fn FieldMessage<T: Send + Sync + Clone + 'static>(value: LastResult<T>, field: &'static str) -> impl IntoView {
    let message = field_error(value, field);
    move || message.get().map(|m| view! { <p id=format!("field-{field}-error") class=FIELD_ERROR role="alert">{m}</p> })
}

/// A field message that does not come from an action, such as one carried
/// back in the address after a plain form post.
pub fn error_line(message: Option<String>) -> impl IntoView {
    message.map(|m| view! { <p class=FIELD_ERROR role="alert">{m}</p> })
}
