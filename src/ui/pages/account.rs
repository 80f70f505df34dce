use crate::api::auth::{ChangePassword, SetTimeZone};
use crate::domain::format::zone_names;
use crate::ui::components::form::{drafted, field_error, Field, Form, Notice, Submit};
use crate::ui::components::layout::SignInPrompt;
use crate::ui::components::style::FIELD_ERROR;
use crate::ui::pages::password::password_hint;
use crate::ui::resources::UserResource;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn AccountPage() -> impl IntoView {
    let user = expect_context::<UserResource>();
    let action = ServerAction::<ChangePassword>::new();
    let value = Signal::derive(move || action.value().get());
    let query = use_query_map();
    let changed = move || query.read().get("changed").is_some();
    view! {
        <Title text="Your account"/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(u)) => view! {
                        <div class="mx-auto max-w-xl">
                            <h1 class="mb-4 text-2xl font-bold">"Your account"</h1>
                            <dl class="mb-8 grid grid-cols-3 gap-2 rounded-lg border border-slate-200 bg-white p-4 text-sm">
                                <dt class="text-slate-500">"Name"</dt><dd class="col-span-2">{u.display_name.clone()}</dd>
                                <dt class="text-slate-500">"Email"</dt><dd class="col-span-2">{u.email.clone()}</dd>
                                <dt class="text-slate-500">"Role"</dt><dd class="col-span-2">{u.role.label()}</dd>
                            </dl>
                            <TimeZoneForm current=u.time_zone.clone()/>
                            <section class="rounded-lg border border-slate-200 bg-white p-6">
                                <h2 class="mb-4 text-lg font-semibold">"Change password"</h2>
                                {move || changed().then(|| view! { <Notice text="Your password has been changed. Other sessions have been signed out."/> })}
                                <Form action=action>
                                    <Field label="Current password" name="current" kind="password" autocomplete="current-password" error=field_error(value, "current")/>
                                    <Field label="New password" name="password" kind="password" autocomplete="new-password" hint=password_hint() error=field_error(value, "password")/>
                                    <Field label="Repeat the new password" name="confirm" kind="password" autocomplete="new-password" error=field_error(value, "confirm")/>
                                    <Submit label="Change password" pending=action.pending()/>
                                </Form>
                            </section>
                        </div>
                    }.into_any(),
                    _ => view! { <SignInPrompt/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The zone the person reads times in. Until they choose one, times show
/// in UTC; a browser running the page offers its own zone, preselected.
#[component]
fn TimeZoneForm(current: Option<String>) -> impl IntoView {
    let action = ServerAction::<SetTimeZone>::new();
    let value = Signal::derive(move || action.value().get());
    let error = field_error(value, "zone");
    let query = use_query_map();
    let saved = move || query.read().get("zone").is_some();
    // Filled in the browser only, after hydration: the server cannot know.
    let detected = RwSignal::new(None::<String>);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| detected.set(browser_zone()));
    let chosen = StoredValue::new(drafted("zone").or(current.clone()));
    let selected = move |name: &str| match (chosen.get_value(), detected.get()) {
        (Some(c), _) => c == name,
        (None, Some(d)) => d == name,
        (None, None) => false,
    };
    let unset = current.is_none();
    view! {
        <section class="mb-8 rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="zone-heading">
            <h2 id="zone-heading" class="mb-2 text-lg font-semibold">"Time zone"</h2>
            {move || saved().then(|| view! { <Notice text="Times now show in your time zone."/> })}
            <p class="mb-4 text-sm text-slate-600">
                {match &current {
                    Some(z) => format!("Times show in {z}; hover over one to see it in UTC."),
                    None => "Times show in UTC until you choose your zone.".to_owned(),
                }}
                {move || (unset).then(|| detected.get().map(|d| format!(" Your browser is set to {d}, chosen below.")))}
            </p>
            <Form action=action>
                <label for="field-zone" class="block text-sm font-medium text-slate-800">"Show times in"</label>
                <select id="field-zone" name="zone" class="mt-1 mb-4 block w-full rounded-md border border-slate-300 bg-white px-3 py-2"
                    aria-invalid=move || error.get().is_some().then_some("true")
                    aria-describedby=move || error.get().is_some().then_some("field-zone-error")>
                    <option value="">"UTC"</option>
                    {zone_names().into_iter().map(|z| view! { <option value=z selected=move || selected(z)>{z}</option> }).collect_view()}
                </select>
                {move || error.get().map(|e| view! { <p id="field-zone-error" class=FIELD_ERROR role="alert">{e}</p> })}
                <Submit label="Save time zone" pending=action.pending()/>
            </Form>
        </section>
    }
}

/// The zone the browser runs in (`Intl`), if it says.
#[cfg(feature = "hydrate")]
fn browser_zone() -> Option<String> {
    let format = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new());
    js_sys::Reflect::get(&format.resolved_options(), &"timeZone".into()).ok()?.as_string()
}
