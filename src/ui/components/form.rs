//! Form pieces shared by every page: the form itself (`Form`), labelled
//! inputs that show their own error, a banner for the form's overall error,
//! a submit button.
//!
//! Every form keeps the visitor's place and words when refused. Without
//! JavaScript the server sends a refused form back as a flash
//! (`server::flash`): the page opens at the form, the fields hold what was
//! typed (`drafted`) and the errors show. With JavaScript the page stays
//! where it is, the fields keep their text, and focus moves to the first
//! field in error, or to the form's error banner.

use crate::domain::form::{anchor, KEY_FIELD};
use crate::error::AppError;
use crate::ui::components::style::FIELD_ERROR;
use crate::views::form::FormFlash;
use leptos::context::Provider;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos::server_fn::client::Client;
use leptos::server_fn::codec::PostUrl;
use leptos::server_fn::request::ClientReq;
use leptos::server_fn::{Http, ServerFn};
use serde::de::DeserializeOwned;

/// The refused form this page was sent back with, if any. It empties once
/// the visitor submits that form again from the browser, so a later
/// re-render does not bring the old words back.
#[derive(Clone, Copy)]
pub struct Drafts(pub RwSignal<Option<FormFlash>>);

/// The keyed form submitted last: (server function, row key). Of the forms
/// one action repeats down a page, only that one shows the refusal banner.
#[derive(Clone, Copy)]
struct LastKeyed(RwSignal<Option<(String, String)>>);

/// Makes a refused form's draft and error available to the page: the
/// server hands the flash over in context, and the browser reads the same
/// value from the page while hydrating. Called once, above the router.
pub fn provide_drafts() {
    let flash = SharedValue::new(use_context::<FormFlash>).into_inner();
    if let Some(f) = &flash {
        // What `ServerAction::new` reads to start with the refusal.
        provide_context(ServerActionError::new(&f.path, &f.err));
    }
    let keyed = flash.as_ref().and_then(|f| f.value(KEY_FIELD).map(|k| (f.path.clone(), k.to_owned())));
    provide_context(LastKeyed(RwSignal::new(keyed)));
    provide_context(Drafts(RwSignal::new(flash)));
}

/// The form that fields sit in, for `drafted`.
#[derive(Clone)]
struct FormScope {
    path: &'static str,
    key: Option<String>,
}

/// What the visitor typed into `name` in this form before it was refused.
/// Read once, when the field renders; use it as the field's value.
pub fn drafted(name: &str) -> Option<String> {
    let scope = use_context::<FormScope>()?;
    draft_value(scope.path, scope.key.as_deref(), name)
}

/// `drafted` for a field built before its form (outside `Form`), naming
/// the form's server function.
pub fn drafted_in(path: &str, name: &str) -> Option<String> {
    draft_value(path, None, name)
}

/// The refused draft's `name`, if the draft came from the form of server
/// function `path` (and row `key`).
fn draft_value(path: &str, key: Option<&str>, name: &str) -> Option<String> {
    let drafts = use_context::<Drafts>()?;
    drafts.0.with_untracked(|d| {
        d.as_ref().filter(|d| d.belongs_to(path, key)).and_then(|d| d.value(name).map(str::to_owned))
    })
}

/// The `aria-invalid`, `aria-describedby` and `autofocus` of a hand-built
/// input whose message is a `FieldMessage`: the message, when shown,
/// describes it, and a page sent back without JavaScript opens on the first
/// such input.
#[allow(clippy::type_complexity)]
pub fn invalid_when<T: Send + Sync + Clone + 'static>(
    value: LastResult<T>,
    field: &'static str,
) -> (impl Fn() -> Option<&'static str> + Copy, impl Fn() -> Option<String> + Copy, impl Fn() -> bool + Copy) {
    let message = field_error(value, field);
    (
        move || message.with(Option::is_some).then_some("true"),
        move || message.with(Option::is_some).then(|| format!("field-{field}-error")),
        move || message.with(Option::is_some),
    )
}

/// Whether the refused draft of this form had `value` among those posted
/// under `name` (a checkbox or radio choice); `None` when there is no draft.
pub fn drafted_choice(name: &str, value: &str) -> Option<bool> {
    let scope = use_context::<FormScope>()?;
    let drafts = use_context::<Drafts>()?;
    drafts.0.with_untracked(|d| {
        d.as_ref()
            .filter(|d| d.belongs_to(scope.path, scope.key.as_deref()))
            .map(|d| d.values(name).any(|v| v == value))
    })
}

/// A server function's form. Use it in place of `ActionForm`.
#[component]
pub fn Form<S, P>(
    action: ServerAction<S>,
    /// Tells repeated forms of one action apart (the row's id), so a
    /// refused draft goes back to its own row only.
    #[prop(optional, into)]
    key: Option<String>,
    /// The form's id, the place a page posted without JavaScript opens at.
    /// On by default; forms repeated on a page turn it off, as ids must be
    /// unique.
    #[prop(default = true)]
    anchored: bool,
    /// The form's error banner, above its fields. Off where the page shows
    /// the error elsewhere.
    #[prop(default = true)]
    banner: bool,
    #[prop(optional)] class: Option<&'static str>,
    children: Children,
) -> impl IntoView
where
    S: DeserializeOwned + ServerFn<Protocol = Http<PostUrl, P>, Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
    S::Client: Client<AppError>,
    <<S::Client as Client<AppError>>::Request as ClientReq<AppError>>::FormData: From<leptos::web_sys::FormData>,
    P: 'static,
{
    let node = NodeRef::<leptos::html::Form>::new();
    let value: LastResult<S::Output> = Signal::derive(move || action.value().get());
    if let Some(drafts) = use_context::<Drafts>() {
        // Submitted again from the browser: the draft has served.
        Effect::new(move |_| {
            if action.version().get() > 0 && drafts.0.with_untracked(|d| d.as_ref().is_some_and(|d| d.path == S::PATH))
            {
                drafts.0.set(None);
            }
        });
    }
    Effect::new(move |_| {
        if matches!(action.value().with(|v| v.as_ref().map(Result::is_err)), Some(true)) {
            focus_first_problem(node);
        }
    });
    let scope = FormScope { path: S::PATH, key: key.clone() };
    let last = use_context::<LastKeyed>();
    let banner_value = match &key {
        Some(k) => for_row(value, S::PATH, k.clone()),
        None => value,
    };
    let submitted_key = key.clone();
    let on_submit = move |_: leptos::ev::SubmitEvent| {
        if let (Some(k), Some(LastKeyed(l))) = (&submitted_key, last) {
            l.set(Some((S::PATH.to_owned(), k.clone())));
        }
    };
    let heard = key.is_some() && banner;
    let form = view! {
        <ActionForm action node_ref=node attr:id=anchored.then(|| anchor(S::PATH)) attr:class=class>
            {key.map(|k| view! { <input type="hidden" name=KEY_FIELD value=k/> })}
            {banner.then(|| view! { <FormError value=banner_value/> })}
            <Provider value=scope>{children()}</Provider>
        </ActionForm>
    };
    if heard {
        // A keyed form with a banner hears its own submit as it bubbles to a
        // wrapper that draws no box (`contents`), so the form keeps its
        // place in its row's flex or table cell.
        view! { <div class="contents" on:submit=on_submit>{form}</div> }.into_any()
    } else {
        form.into_any()
    }
}

/// `value` as the keyed form `key` of server function `path` reads it: a
/// refusal shows in the row submitted last only, so a message under one
/// row's field is not repeated under every row's.
pub fn for_row<T: Send + Sync + Clone + 'static>(
    value: LastResult<T>,
    path: &'static str,
    key: String,
) -> LastResult<T> {
    let last = use_context::<LastKeyed>();
    Signal::derive(move || {
        let mine = last.is_none_or(|LastKeyed(l)| l.with(|l| l.as_ref().is_some_and(|(p, k)| p == path && *k == key)));
        if mine {
            value.get()
        } else {
            None
        }
    })
}

/// How many times `action` has succeeded in this browser. A page's data
/// reloads on this rather than on every submit (`version`), so a refused
/// form is not redrawn, and emptied, under the visitor's hands.
pub fn successes<S>(action: ServerAction<S>) -> Signal<usize>
where
    S: ServerFn + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
    S::Error: Send + Sync + 'static,
{
    let count = RwSignal::new(0usize);
    Effect::new(move |_| {
        if action.value().with(|v| matches!(v, Some(Ok(_)))) {
            count.update(|c| *c += 1);
        }
    });
    count.into()
}

/// After a refusal in the browser: empty its password fields (a refused
/// form without JavaScript never brings one back either), then focus the
/// first field marked invalid, else the form's error banner, once the page
/// has drawn them.
fn focus_first_problem(node: NodeRef<leptos::html::Form>) {
    #[cfg(feature = "hydrate")]
    request_animation_frame(move || {
        use leptos::wasm_bindgen::JsCast;
        let Some(form) = node.get_untracked() else { return };
        let inputs = form.get_elements_by_tag_name("input");
        for i in 0..inputs.length() {
            if let Some(input) = inputs.item(i).and_then(|n| n.dyn_into::<leptos::web_sys::HtmlInputElement>().ok()) {
                if input.type_() == "password" {
                    input.set_value("");
                }
            }
        }
        let target = form
            .query_selector("[aria-invalid=\"true\"]")
            .ok()
            .flatten()
            .or_else(|| form.query_selector("[data-form-error]").ok().flatten());
        if let Some(el) = target.and_then(|e| e.dyn_into::<leptos::web_sys::HtmlElement>().ok()) {
            let _ = el.focus();
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = node;
}

/// The options of a choice list from a `choices!` enum: (key, label) of
/// each value, in order.
pub fn options<T: Copy>(
    all: &[T],
    key: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<(&'static str, &'static str)> {
    all.iter().map(|v| (key(*v), label(*v))).collect()
}

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
    // What was typed before a refusal comes back; a password never does.
    let value = if kind == "password" { value } else { drafted(name).or(value) };
    let id = format!("field-{name}");
    let described = described_by(name, hint.is_some(), error);
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
                // A page sent back without JavaScript opens with the caret
                // in the first field in error.
                autofocus=move || error.get().is_some()
                aria-describedby=described
            />
            {move || error.get().map(|e| view! {
                <p id=format!("field-{name}-error") class=FIELD_ERROR role="alert">{e}</p>
            })}
        </div>
    }
}

/// The `aria-describedby` of a field: its hint, then its error when shown.
fn described_by(name: &'static str, hint: bool, error: Signal<Option<String>>) -> impl Fn() -> Option<String> {
    move || {
        let mut ids = Vec::new();
        if hint {
            ids.push(format!("field-{name}-hint"));
        }
        if error.get().is_some() {
            ids.push(format!("field-{name}-error"));
        }
        (!ids.is_empty()).then(|| ids.join(" "))
    }
}

/// A labelled select over a closed list of choices, starting on "Choose…".
#[component]
pub fn Choice(
    label: &'static str,
    name: &'static str,
    options: Vec<(&'static str, &'static str)>,
    error: Signal<Option<String>>,
    /// The choice made before, when the form edits something saved.
    #[prop(optional, into)]
    value: Option<String>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let chosen = drafted(name).or(value);
    view! {
        <div class="mb-4">
            <label for=id.clone() class="block text-sm font-medium text-slate-800">{label}</label>
            <select id=id name=name required class="mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2"
                aria-invalid=move || error.get().is_some().then_some("true")
                aria-describedby=described_by(name, false, error)
                autofocus=move || error.get().is_some()>
                <option value="">"Choose…"</option>
                {options.into_iter().map(|(k, l)| {
                    let selected = chosen.as_deref() == Some(k);
                    view! { <option value=k selected=selected>{l}</option> }
                }).collect_view()}
            </select>
            {move || error.get().map(|e| view! { <p id=format!("field-{name}-error") class=FIELD_ERROR role="alert">{e}</p> })}
        </div>
    }
}

/// A labelled multi-line text field.
#[component]
pub fn TextArea(
    label: &'static str,
    name: &'static str,
    error: Signal<Option<String>>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional, into)] value: Option<String>,
    #[prop(default = 4)] rows: u32,
    #[prop(default = true)] required: bool,
) -> impl IntoView {
    let id = format!("field-{name}");
    let text = drafted(name).or(value).unwrap_or_default();
    view! {
        <div class="mb-4">
            <label for=id.clone() class="block text-sm font-medium text-slate-800">{label}</label>
            {hint.map(|h| view! { <p id=format!("field-{name}-hint") class="text-xs text-slate-500">{h}</p> })}
            <textarea id=id name=name rows=rows required=required class="mt-1 block w-full rounded-md border border-slate-300 px-3 py-2"
                aria-invalid=move || error.get().is_some().then_some("true")
                aria-describedby=described_by(name, hint.is_some(), error)
                autofocus=move || error.get().is_some()>{text}</textarea>
            {move || error.get().map(|e| view! { <p id=format!("field-{name}-error") class=FIELD_ERROR role="alert">{e}</p> })}
        </div>
    }
}

/// The overall message of a failed submission (field details show inline).
#[component]
pub fn FormError<T: Send + Sync + Clone + 'static>(value: LastResult<T>) -> impl IntoView {
    move || {
        value.get().and_then(|r| r.err()).map(|e| {
            view! {
                <div class="mb-4 rounded-md border border-red-300 bg-red-50 px-4 py-3 text-sm text-red-800" role="alert" tabindex="-1" data-form-error="">
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
