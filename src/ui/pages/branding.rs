//! The branding page of a white-label partner: name, colours with a live
//! preview, support contact, logo, and custom domains with their DNS record.

use crate::api::branding::{
    get_branding, AddCustomDomain, BrandingView, InviteCustomer, RemoveCustomDomain, ResetEmailTemplate, SaveBranding,
    SaveEmailTemplate, SendTestEmail, TemplateView, VerifyCustomDomain,
};
use crate::ui::components::card::Card;
use crate::ui::components::confirm::Confirm;
use crate::ui::components::form::{
    drafted, drafted_in, invalid_when, successes, FieldMessage, Form, FormError, LastResult, Notice,
};
use crate::ui::components::invite::InviteForm;
use crate::ui::components::loaded::Loaded;
use crate::ui::components::style::{BUTTON, FIELD_ERROR, INPUT, QUIET};
use crate::ui::components::time::Time;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_query_map};

const DEFAULT_PRIMARY: &str = "#1d4ed8";
const DEFAULT_ACCENT: &str = "#0f766e";

#[component]
pub fn BrandingPage() -> impl IntoView {
    let query = use_query_map();
    let location = use_location();
    let save = ServerAction::<SaveBranding>::new();
    let add = ServerAction::<AddCustomDomain>::new();
    let verify = ServerAction::<VerifyCustomDomain>::new();
    let remove = ServerAction::<RemoveCustomDomain>::new();
    let invite = ServerAction::<InviteCustomer>::new();
    let save_tpl = ServerAction::<SaveEmailTemplate>::new();
    let reset_tpl = ServerAction::<ResetEmailTemplate>::new();
    let test_tpl = ServerAction::<SendTestEmail>::new();
    let org = move || query.read().get("org").and_then(|v| v.parse::<i64>().ok());
    let (saved, added, invited, saved_tpl) = (successes(save), successes(add), successes(invite), successes(save_tpl));
    let data = Resource::new(
        move || {
            (
                org(),
                location.search.get(),
                saved.get(),
                added.get(),
                verify.version().get(),
                remove.version().get(),
                invited.get(),
                (saved_tpl.get(), reset_tpl.version().get(), test_tpl.version().get()),
            )
        },
        |(o, ..)| get_branding(o),
    );
    view! {
        <Title text="Branding"/>
        <Loaded data let:v>
            {
                let v_emails = v.clone();
                view! {
                    <Branding v save add verify remove invite/>
                    <Emails v=v_emails save_tpl reset_tpl test_tpl/>
                }
            }
        </Loaded>
    }
}

#[component]
fn Branding(
    v: BrandingView,
    save: ServerAction<SaveBranding>,
    add: ServerAction<AddCustomDomain>,
    verify: ServerAction<VerifyCustomDomain>,
    remove: ServerAction<RemoveCustomDomain>,
    invite: ServerAction<InviteCustomer>,
) -> impl IntoView {
    let query = use_query_map();
    let save_value: LastResult<()> = Signal::derive(move || save.value().get());
    let add_value: LastResult<()> = Signal::derive(move || add.value().get());
    let remove_value: LastResult<()> = Signal::derive(move || remove.value().get());
    let b = v.brand.clone();
    // A refused save comes back as typed; otherwise "try these colours"
    // values, else the saved ones.
    let q = |k: &str| drafted_in(SaveBranding::PATH, k).or_else(|| query.read_untracked().get(k));
    // The preview starts from "try these colours" values, else the saved ones.
    let primary = RwSignal::new(
        q("primary")
            .or_else(|| b.as_ref().and_then(|b| b.primary_colour.clone()))
            .unwrap_or_else(|| DEFAULT_PRIMARY.into()),
    );
    let accent = RwSignal::new(
        q("accent")
            .or_else(|| b.as_ref().and_then(|b| b.accent_colour.clone()))
            .unwrap_or_else(|| DEFAULT_ACCENT.into()),
    );
    let name = RwSignal::new(
        q("name").or_else(|| b.as_ref().map(|b| b.name.clone())).unwrap_or_else(|| v.organisation.clone()),
    );
    let preview_href = move || {
        let enc = |s: String| crate::ui::components::layout::js_free_encode(&s);
        format!("/brand.css?primary={}&accent={}", enc(primary.get()), enc(accent.get()))
    };
    let org_value: Option<i64> = query.read_untracked().get("org").is_some().then_some(v.organisation_id);
    let hidden_org = move || org_value.map(|o| view! { <input type="hidden" name="org" value=o.to_string()/> });
    let notice = move || {
        let q = query.read();
        match (q.get("saved"), q.get("logo"), q.get("domain").as_deref()) {
            (Some(_), _, _) => Some("Brand saved.".to_owned()),
            (_, Some(_), _) => Some("Logo saved.".to_owned()),
            (_, _, Some("added")) => Some("Domain added. Create the TXT record below, then verify.".to_owned()),
            (_, _, Some("verified")) => Some("Domain verified: it now serves your brand.".to_owned()),
            (_, _, Some("removed")) => Some("Domain removed.".to_owned()),
            _ if q.get("invited").is_some() => Some("Invitation sent.".to_owned()),
            _ if q.get("template").is_some() => Some("Email saved.".to_owned()),
            _ if q.get("test_sent").is_some() => Some("Test email sent to you.".to_owned()),
            _ => None,
        }
    };
    let failed = move || query.read().get("domain").as_deref() == Some("failed");
    let logo_error = move || query.read().get("logo_error");
    let field = move |id: &'static str, label: &'static str, hint: &'static str, value: RwSignal<String>| {
        view! {
            <div class="mb-3">
                <label for=format!("brand-{id}") class="block text-sm font-medium">{label}</label>
                {(!hint.is_empty()).then(|| view! { <p class="text-xs text-slate-500">{hint}</p> })}
                <input id=format!("brand-{id}") name=id class=INPUT value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))
                    aria-invalid=invalid_when(save_value, id).0 aria-describedby=invalid_when(save_value, id).1 autofocus=invalid_when(save_value, id).2/>
                <FieldMessage value=save_value field=id/>
            </div>
        }
    };
    let support_email = RwSignal::new(
        q("support_email").or_else(|| b.as_ref().and_then(|b| b.support_email.clone())).unwrap_or_default(),
    );
    let support_url =
        RwSignal::new(q("support_url").or_else(|| b.as_ref().and_then(|b| b.support_url.clone())).unwrap_or_default());
    let can_edit = v.can_edit;
    let has_brand = v.brand.is_some();
    view! {
        <h1 class="mb-1 text-2xl font-bold">"Branding"</h1>
        <p class="mb-4 text-sm text-slate-600">{v.organisation.clone()} " · what your customers see on your domain"</p>
        {move || notice().map(|t| view! { <Notice text=t/> })}
        <link rel="stylesheet" href=preview_href/>
        <div class="mb-6 grid gap-4 lg:grid-cols-2">
            <Card title="Name, colours and support" id="look">
                <Form action=save>
                    {hidden_org()}
                    {field("name", "Display name", "Shown in page titles, the header and as the email sender.", name)}
                    <div class="grid gap-3 sm:grid-cols-2">
                        {field("primary", "Primary colour", "Hex, like #1d4ed8. White text sits on it.", primary)}
                        {field("accent", "Accent colour", "Hex; highlights on white.", accent)}
                    </div>
                    {field("support_email", "Support email", "", support_email)}
                    {field("support_url", "Support page", "An https:// address.", support_url)}
                    {can_edit.then(|| view! { <button type="submit" class=BUTTON>"Save brand"</button> })}
                </Form>
                <form method="get" action="/branding" class="mt-4 border-t border-slate-100 pt-3 text-sm">
                    {hidden_org()}
                    <p class="mb-1 text-slate-600">"Without JavaScript, try colours in the preview before saving:"</p>
                    <div class="flex flex-wrap items-end gap-2">
                        <label class="text-xs">"Primary" <input name="primary" value=move || primary.get() class="block w-28 rounded border border-slate-300 px-2 py-1"/></label>
                        <label class="text-xs">"Accent" <input name="accent" value=move || accent.get() class="block w-28 rounded border border-slate-300 px-2 py-1"/></label>
                        <button type="submit" class="rounded-md border border-slate-300 px-3 py-1">"Preview"</button>
                    </div>
                </form>
            </Card>
            <Card title="Preview" id="preview">
                <div class="brand-preview overflow-hidden rounded-md border border-slate-200" data-testid="brand-preview">
                    <div class="flex items-center justify-between bg-brand px-4 py-3 text-white">
                        <strong>{move || name.get()}</strong>
                        <span class="text-sm">"Sign out"</span>
                    </div>
                    <div class="bg-slate-50 p-4">
                        <p class="mb-2 text-sm">"Your agents · " <a class="text-brand underline" href="#preview">"View trust scores"</a></p>
                        <p class="mb-3 border-l-4 border-brand-accent pl-2 text-sm">"A highlighted note in your accent colour."</p>
                        <span class="inline-block rounded-md bg-brand px-4 py-2 text-sm font-semibold text-white">"Primary button"</span>
                    </div>
                </div>
            </Card>
        </div>
        <Card title="Logo" id="logo" margin="mb-6">
            {v.has_logo.then(|| view! { <img src=format!("/branding/logo?org={}&v={}", v.organisation_id, v.brand.as_ref().map(|b| b.updated_at_ms).unwrap_or_default()) alt="Current logo" class="mb-3 max-h-16" data-testid="current-logo"/> })}
            {move || logo_error().map(|m| view! { <p class="mb-2 text-sm text-red-700" role="alert">{m}</p> })}
            {if has_brand && can_edit {
                view! {
                    <form method="post" action="/branding/logo" enctype="multipart/form-data" class="flex flex-wrap items-end gap-3">
                        {hidden_org()}
                        <label for="brand-logo" class="block text-sm font-medium">"PNG, JPEG or WebP; at most 512 KB and 2048×2048 pixels."
                            <input id="brand-logo" type="file" name="logo" accept="image/png,image/jpeg,image/webp" required class="mt-1 block text-sm"/>
                        </label>
                        <button type="submit" class=BUTTON>"Upload logo"</button>
                    </form>
                }.into_any()
            } else {
                view! { <p class="text-sm text-slate-600">"Save the brand first, then upload a logo."</p> }.into_any()
            }}
        </Card>
        <Card title="Custom domains" id="domains">
            {move || failed().then(|| view! { <p class="mb-2 text-sm text-red-700" role="alert">"Verification failed; see the domain's status below."</p> })}
            <FormError value=remove_value/>
            {if v.domains.is_empty() {
                view! { <p class="mb-3 text-sm text-slate-600">"No domain yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="mb-4 divide-y divide-slate-100 text-sm" data-testid="domains">
                        {v.domains.iter().map(|d| {
                            let r = d.record.clone();
                            let status = match (r.verified_at_ms, &r.last_error) {
                                (Some(t), _) => view! { "Verified " <Time ms=t/> }.into_any(),
                                (None, Some(e)) => format!("Not verified: {e}").into_any(),
                                (None, None) => "Not verified yet".into_any(),
                            };
                            let domain = r.domain.clone();
                            let domain2 = r.domain.clone();
                            let domain3 = r.domain.clone();
                            view! {
                                <li class="py-3">
                                    <p class="font-semibold">{r.domain.clone()}</p>
                                    <p data-testid="domain-status">{status}</p>
                                    {r.verified_at_ms.is_none().then(|| view! {
                                        <p class="mt-1 text-slate-700">"Create this DNS record, then verify:"</p>
                                        <dl class="mt-1 grid grid-cols-[auto_1fr] gap-x-3 font-mono text-xs">
                                            <dt>"Type"</dt><dd>"TXT"</dd>
                                            <dt>"Name"</dt><dd data-testid="txt-name">{d.record_name.clone()}</dd>
                                            <dt>"Value"</dt><dd data-testid="txt-value">{r.token.clone()}</dd>
                                        </dl>
                                        <p class="mt-1 text-slate-700">"Also point the domain itself (a CNAME or A record) at this portal."</p>
                                    })}
                                    {can_edit.then(|| view! {
                                        <div class="mt-2 flex gap-2">
                                            <Form action=verify anchored=false banner=false>
                                                {hidden_org()}
                                                <input type="hidden" name="domain" value=domain/>
                                                <button type="submit" class=BUTTON>"Verify now"</button>
                                            </Form>
                                            <Form action=remove anchored=false banner=false>
                                                {hidden_org()}
                                                <input type="hidden" name="domain" value=domain2/>
                                                <Confirm
                                                    label="Remove"
                                                    aria_label=format!("Remove {domain3}")
                                                    what=format!("Remove {domain3}? The portal stops serving your brand there; using it again means adding and verifying it again.")
                                                    confirm="Remove domain"
                                                    class=QUIET
                                                />
                                            </Form>
                                        </div>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {(has_brand && can_edit).then(|| view! {
                <Form action=add>
                    {hidden_org()}
                    <label for="brand-domain" class="block text-sm font-medium">"Add a domain"</label>
                    <div class="flex flex-wrap gap-2">
                        <input id="brand-domain" name="domain" placeholder="partners.example.com" class="mt-1 block w-72 max-w-full rounded-md border border-slate-300 px-3 py-2"
                            value=drafted("domain") aria-invalid=invalid_when(add_value, "domain").0 aria-describedby=invalid_when(add_value, "domain").1 autofocus=invalid_when(add_value, "domain").2/>
                        <button type="submit" class=format!("{BUTTON} mt-1")>"Add domain"</button>
                    </div>
                    <FieldMessage value=add_value field="domain"/>
                </Form>
            })}
        </Card>
        <Card title="Customers" id="customers" margin="mt-6">
            <p class="mb-3 text-sm text-slate-600">"Your customers sign in on your verified domain and see only your brand and their own account."</p>
            {if v.customers.is_empty() {
                view! { <p class="mb-3 text-sm text-slate-600">"No customers yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="mb-4 divide-y divide-slate-100 text-sm" data-testid="customers">
                        {v.customers.iter().map(|c| view! {
                            <li class="py-2">{format!("{} · {}", c.display_name, c.email)}{c.disabled.then_some(" · disabled")}</li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {(has_brand && can_edit).then(|| view! {
                <InviteForm action=invite email_label="Customer's email" name_label="Customer's name" submit="Invite customer">
                    {hidden_org()}
                </InviteForm>
            })}
        </Card>
    }
}

#[component]
fn Emails(
    v: BrandingView,
    save_tpl: ServerAction<SaveEmailTemplate>,
    reset_tpl: ServerAction<ResetEmailTemplate>,
    test_tpl: ServerAction<SendTestEmail>,
) -> impl IntoView {
    let value: LastResult<()> = Signal::derive(move || save_tpl.value().get());
    let test_value: LastResult<()> = Signal::derive(move || test_tpl.value().get());
    let query = use_query_map();
    let org_value: Option<i64> = query.read_untracked().get("org").is_some().then_some(v.organisation_id);
    let hidden_org = move || org_value.map(|o| view! { <input type="hidden" name="org" value=o.to_string()/> });
    let open_kind = query.read_untracked().get("template");
    let can_edit = v.can_edit;
    (!v.templates.is_empty()).then(|| view! {
        <Card title="Emails" id="emails" heading="mb-1 font-semibold" margin="mt-6">
            <p class="mb-3 text-sm text-slate-600">"What your customers and your team receive, in your name. Placeholders in {{ }} are filled in when sent; values are escaped."</p>
            <FormError value/>
            <FormError value=test_value/>
            {v.templates.into_iter().map(|t: TemplateView| {
                let kind = t.kind.key();
                let error_for = move |field: &str| {
                    let name = format!("{kind}_{field}");
                    value.get().and_then(|r| r.err()).and_then(|e| e.message_for(&name))
                };
                let open = open_kind.as_deref() == Some(kind) || error_for("subject").is_some() || error_for("body").is_some();
                let subject_id = format!("tpl-{kind}-subject");
                let body_id = format!("tpl-{kind}-body");
                view! {
                    <details class="border-t border-slate-100 py-3" open=open data-testid=format!("template-{kind}")>
                        <summary class="cursor-pointer font-medium">{t.kind.label()} {(!t.custom).then_some(" (built-in wording)")}</summary>
                        <div class="mt-3 grid gap-4 lg:grid-cols-2">
                            <div>
                                <Form action=save_tpl key=kind anchored=false banner=false>
                                    {hidden_org()}
                                    <input type="hidden" name="kind" value=kind/>
                                    <label for=subject_id.clone() class="block text-sm font-medium">{format!("{} subject", t.kind.label())}</label>
                                    <input id=subject_id name="subject" value=drafted("subject").unwrap_or_else(|| t.subject.clone()) class=INPUT/>
                                    <label for=body_id.clone() class="mt-3 block text-sm font-medium">{format!("{} body", t.kind.label())}</label>
                                    <textarea id=body_id name="body" rows="8" class=format!("{INPUT} font-mono text-xs")>{drafted("body").unwrap_or_else(|| t.body.clone())}</textarea>
                                    <p class="mt-1 text-xs text-slate-500">{format!("Placeholders: {}", t.placeholders.iter().map(|p| format!("{{{{ {p} }}}}")).collect::<Vec<_>>().join(", "))}</p>
                                    {move || error_for("subject").map(|m| view! { <p class=FIELD_ERROR role="alert">{m}</p> })}
                                    {move || error_for("body").map(|m| view! { <p class=FIELD_ERROR role="alert">{m}</p> })}
                                    {can_edit.then(|| view! { <button type="submit" class=format!("{BUTTON} mt-2")>{format!("Save {}", t.kind.label().to_lowercase())}</button> })}
                                </Form>
                                {can_edit.then(|| view! {
                                    <div class="mt-2 flex gap-2">
                                        <Form action=test_tpl anchored=false banner=false>
                                            {hidden_org()}
                                            <input type="hidden" name="kind" value=kind/>
                                            <button type="submit" class="rounded-md border border-slate-300 px-3 py-1 text-sm">"Send me a test"</button>
                                        </Form>
                                        {t.custom.then(|| view! {
                                            <Form action=reset_tpl anchored=false banner=false>
                                                {hidden_org()}
                                                <input type="hidden" name="kind" value=kind/>
                                                <button type="submit" class="rounded-md border border-slate-300 px-3 py-1 text-sm">"Back to the built-in wording"</button>
                                            </Form>
                                        })}
                                    </div>
                                })}
                            </div>
                            <div class="rounded-md bg-slate-50 p-3 text-sm" data-testid=format!("preview-{kind}")>
                                <p class="mb-1 text-xs uppercase tracking-wide text-slate-500">"Preview with sample data"</p>
                                <p class="font-semibold">{t.preview_subject.clone()}</p>
                                <p class="mt-2 whitespace-pre-wrap">{t.preview_text.clone()}</p>
                            </div>
                        </div>
                    </details>
                }
            }).collect_view()}
        </Card>
    })
}
