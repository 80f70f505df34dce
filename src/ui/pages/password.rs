use crate::api::auth::{welcome_address, ConfirmApplication, RequestPasswordReset, ResetPassword};
use crate::domain::password::MIN_CHARS;
use crate::ui::components::card::CentredCard;
use crate::ui::components::form::{field_error, Field, Form, Notice, Submit};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let action = ServerAction::<RequestPasswordReset>::new();
    let value = Signal::derive(move || action.value().get());
    let query = use_query_map();
    let sent = move || query.read().get("sent").is_some();
    view! {
        <Title text="Reset your password"/>
        <CentredCard title="Reset your password">
            <Show
                when=sent
                fallback=move || view! {
                    <p class="mb-4 text-sm text-slate-600">"Enter the email address of your account and we will send you a link to choose a new password."</p>
                    <Form action=action>
                        <Field label="Email address" name="email" kind="email" autocomplete="username" error=field_error(value, "email")/>
                        <Submit label="Send reset link" pending=action.pending()/>
                    </Form>
                }
            >
                <Notice text="If an account exists for that address, we have sent it a link to reset the password. The link works once, within one hour."/>
            </Show>
            <p class="mt-4 text-center text-sm"><a href="/login" class="text-brand underline">"Back to sign in"</a></p>
        </CentredCard>
    }
}

pub fn password_hint() -> &'static str {
    // A const fn would be nicer, but format! is not const.
    match MIN_CHARS {
        12 => "At least 12 characters. A few unrelated words make a good password.",
        _ => "Long enough and not a common password.",
    }
}

/// Where an application's emailed link leads: it thanks the applicant,
/// names the address it confirms, and asks for the account's first
/// password (not a "new" one: they never had one).
#[component]
pub fn WelcomePage() -> impl IntoView {
    let action = ServerAction::<ConfirmApplication>::new();
    let value = Signal::derive(move || action.value().get());
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let address = Resource::new(token, welcome_address);
    view! {
        <Title text="Confirm your address"/>
        <CentredCard title="Welcome">
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match address.await {
                        Ok(email) => view! {
                            <p class="mb-4 text-sm text-slate-700" data-testid="welcome">
                                "Thank you for applying. Following this link confirms your address, "
                                <strong>{email}</strong>
                                ". Choose a password for your account; with it you sign in to follow your application."
                            </p>
                            <Form action=action>
                                <input type="hidden" name="token" value=token/>
                                <Field label="Password" name="password" kind="password" autocomplete="new-password" hint=password_hint() error=field_error(value, "password")/>
                                <Field label="Repeat the password" name="confirm" kind="password" autocomplete="new-password" error=field_error(value, "confirm")/>
                                <Submit label="Confirm and set password" pending=action.pending()/>
                            </Form>
                        }.into_any(),
                        Err(e) => view! {
                            <div class="rounded-md border border-red-300 bg-red-50 px-4 py-3 text-sm text-red-800" role="alert">
                                {e.to_string()}
                                " If you have set your password already, "
                                <a class="underline" href="/login">"sign in"</a>
                                "; otherwise "
                                <a class="underline" href="/forgot-password">"ask for a new link"</a>
                                "."
                            </div>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </CentredCard>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let action = ServerAction::<ResetPassword>::new();
    let value = Signal::derive(move || action.value().get());
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    view! {
        <Title text="Choose a new password"/>
        <CentredCard title="Choose a new password">
            <Form action=action>
                <input type="hidden" name="token" value=token/>
                <Field label="New password" name="password" kind="password" autocomplete="new-password" hint=password_hint() error=field_error(value, "password")/>
                <Field label="Repeat the new password" name="confirm" kind="password" autocomplete="new-password" error=field_error(value, "confirm")/>
                <Submit label="Set new password" pending=action.pending()/>
            </Form>
        </CentredCard>
    }
}
