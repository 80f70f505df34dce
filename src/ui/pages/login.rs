use crate::api::auth::SignIn;
use crate::ui::components::card::CentredCard;
use crate::ui::components::form::{field_error, Field, Form, Notice, Submit};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LoginPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let value = Signal::derive(move || action.value().get());
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let notice = move || {
        let q = query.read();
        if q.get("reset").is_some() {
            Some("Your password has been changed. Sign in with your new password.")
        } else if q.get("welcome").is_some() {
            Some("Your account is ready. Sign in with the password you chose.")
        } else if q.get("confirmed").is_some() {
            Some("Thank you: your email address is confirmed and your password is set. Sign in to follow your application.")
        } else if q.get("signed_out").is_some() {
            Some("You have signed out.")
        } else {
            None
        }
    };
    view! {
        <Title text="Sign in"/>
        <CentredCard title="Sign in">
            {move || notice().map(|t| view! { <Notice text=t/> })}
            <Form action=action>
                <input type="hidden" name="next" value=next/>
                <Field label="Email address" name="email" kind="email" autocomplete="username" error=field_error(value, "email")/>
                <Field label="Password" name="password" kind="password" autocomplete="current-password" error=field_error(value, "password")/>
                <Submit label="Sign in" pending=action.pending()/>
            </Form>
            <p class="mt-4 text-center text-sm">
                <a href="/forgot-password" class="text-brand underline">"Forgot your password?"</a>
            </p>
        </CentredCard>
    }
}
