use crate::api::auth::ChangePassword;
use crate::ui::components::form::{field_error, Field, Form, Notice, Submit};
use crate::ui::components::layout::SignInPrompt;
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
