//! The public "Become a partner" form and the applicant's own status page.

use crate::api::partners::{get_my_application, AnswerApplication, SubmitApplication};
use crate::domain::application::{ApplicationStatus, Category, IntegrationOption, PartnerKind, RevenueModel};
use crate::ui::components::card::CentredCard;
use crate::ui::components::form::{field_error, options, Choice, Field, Form, LastResult, Notice, Submit, TextArea};
use crate::ui::components::layout::SignInPrompt;
use crate::ui::components::time::Time;
use crate::ui::resources::UserResource;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_query_map};

#[component]
pub fn ApplyPage() -> impl IntoView {
    let action = ServerAction::<SubmitApplication>::new();
    let value: LastResult<()> = Signal::derive(move || action.value().get());
    let query = use_query_map();
    let submitted = move || query.read().get("submitted").is_some();
    let e = move |f| field_error(value, f);
    view! {
        <Title text="Become a partner"/>
        <Show when=submitted fallback=move || view! {
            <div class="mx-auto max-w-3xl rounded-lg border border-slate-200 bg-white p-6 shadow-sm sm:p-8">
                <h1 class="mb-2 text-2xl font-bold">"Become a partner"</h1>
                <p class="mb-6 text-sm text-slate-600">"Tell us about your company and how you want to work with us. A partner manager reviews every application."</p>
                <Form action=action>
                    <div class="grid gap-x-6 sm:grid-cols-2">
                        <Field label="Company" name="company" autocomplete="organization" error=e("company")/>
                        <Field label="Website" name="website" autocomplete="url" hint="For example https://example.com" error=e("website")/>
                        <Field label="Your name" name="contact_name" autocomplete="name" error=e("contact_name")/>
                        <Field label="Your work email" name="email" kind="email" autocomplete="email" error=e("email")/>
                        <Choice label="Partner type" name="kind" options=options(PartnerKind::ALL, PartnerKind::key, PartnerKind::label) error=e("kind")/>
                        <Choice label="Category" name="category" options=options(Category::ALL, Category::key, Category::label) error=e("category")/>
                        <Choice label="Integration option" name="integration" options=options(IntegrationOption::ALL, IntegrationOption::key, IntegrationOption::label) error=e("integration")/>
                        <Choice label="Revenue model" name="revenue_model" options=options(RevenueModel::ALL, RevenueModel::key, RevenueModel::label) error=e("revenue_model")/>
                    </div>
                    <TextArea label="Why partner with us?" name="pitch" hint="What you offer, who your customers are, what you want to build." error=e("pitch")/>
                    <Submit label="Submit application" pending=action.pending()/>
                </Form>
            </div>
        }>
            <CentredCard title="Thank you for applying">
                <Notice text="We have received your application. Check your email: the message we sent has a link to confirm your address and choose a password, so you can sign in and follow your application."/>
            </CentredCard>
        </Show>
    }
}

#[component]
pub fn ApplicationPage() -> impl IntoView {
    let user = expect_context::<UserResource>();
    let location = use_location();
    let action = ServerAction::<AnswerApplication>::new();
    let value: LastResult<()> = Signal::derive(move || action.value().get());
    let mine = Resource::new(move || (location.search.get(), action.version().get()), |_| get_my_application());
    view! {
        <Title text="Your application"/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                if !matches!(user.await, Ok(Some(_))) {
                    return view! { <SignInPrompt/> }.into_any();
                }
                match mine.await {
                    Ok(Some(app)) => {
                        let asked = app.status == ApplicationStatus::InfoRequested;
                        view! {
                            <div class="mx-auto max-w-2xl rounded-lg border border-slate-200 bg-white p-6">
                                <h1 class="mb-4 text-2xl font-bold">"Your application"</h1>
                                <dl class="mb-6 grid grid-cols-3 gap-2 text-sm">
                                    <dt class="text-slate-500">"Company"</dt><dd class="col-span-2">{app.company.clone()}</dd>
                                    <dt class="text-slate-500">"Submitted"</dt><dd class="col-span-2"><Time ms=app.created_at_ms/></dd>
                                    <dt class="text-slate-500">"Status"</dt><dd class="col-span-2 font-semibold" data-testid="application-status">{app.status.label()}</dd>
                                </dl>
                                {app.decision_reason.clone().map(|r| view! { <p class="mb-4 text-sm">"Reason: " {r}</p> })}
                                {asked.then(|| view! {
                                    <section class="rounded-md border border-amber-300 bg-amber-50 p-4">
                                        <h2 class="mb-2 font-semibold">"A partner manager asks"</h2>
                                        <p class="mb-4 whitespace-pre-wrap text-sm">{app.info_question.clone().unwrap_or_default()}</p>
                                        <Form action=action>
                                            <TextArea label="Your answer" name="answer" error=field_error(value, "answer")/>
                                            <Submit label="Send answer" pending=action.pending()/>
                                        </Form>
                                    </section>
                                })}
                                {(app.status == ApplicationStatus::Approved).then(|| view! {
                                    <p class="text-sm">"Welcome aboard. Your "<a class="text-brand underline" href="/plan">"onboarding plan"</a>" is ready."</p>
                                })}
                            </div>
                        }.into_any()
                    }
                    Ok(None) => view! {
                        <CentredCard title="No application">
                            <p class="text-sm">"You have not applied yet. "<a class="text-brand underline" href="/apply">"Become a partner"</a></p>
                        </CentredCard>
                    }.into_any(),
                    Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
