use crate::api::auth::{invitation, AcceptInvitation};
use crate::ui::components::card::CentredCard;
use crate::ui::components::form::{field_error, Field, Form, Submit};
use crate::ui::pages::password::password_hint;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn InvitationPage() -> impl IntoView {
    let action = ServerAction::<AcceptInvitation>::new();
    let value = Signal::derive(move || action.value().get());
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let details = Resource::new(token, invitation);
    view! {
        <Title text="Accept your invitation"/>
        <CentredCard title="Accept your invitation">
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match details.await {
                        Ok(inv) => view! {
                            <p class="mb-4 text-sm text-slate-700">
                                "Welcome, " <strong>{inv.display_name.clone()}</strong> ". You are invited as "
                                <strong>{inv.role.label()}</strong> " with the address " <strong>{inv.email.clone()}</strong>
                                ". Choose a password to finish."
                            </p>
                            <Form action=action>
                                <input type="hidden" name="token" value=token/>
                                <Field label="Password" name="password" kind="password" autocomplete="new-password" hint=password_hint() error=field_error(value, "password")/>
                                <Field label="Repeat the password" name="confirm" kind="password" autocomplete="new-password" error=field_error(value, "confirm")/>
                                <Submit label="Create my account" pending=action.pending()/>
                            </Form>
                        }.into_any(),
                        Err(e) => view! {
                            <div class="rounded-md border border-red-300 bg-red-50 px-4 py-3 text-sm text-red-800" role="alert">{e.to_string()}</div>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </CentredCard>
    }
}
