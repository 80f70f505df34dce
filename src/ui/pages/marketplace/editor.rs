//! A partner's marketplace listing: its owners write it and send it for
//! review; a manager opening it for the partner (`?org=`) approves it or
//! sends it back with a note.

use super::pictures::{Gallery, Pictures};
use crate::api::marketplace::{get_listing, DecideListing, ListingPage, SaveListing, SubmitListing};
use crate::domain::application::{Category, IntegrationOption, PartnerKind};
use crate::domain::marketplace::{
    can_submit, Industry, ListingDecision, ListingInput, ListingStatus, ListingVersion, Region,
};
use crate::ui::components::card::Card;
use crate::ui::components::form::{
    drafted, drafted_choice, field_error, invalid_when, options, Choice, Field, FieldMessage, Form, LastResult, Notice,
    TextArea,
};
use crate::ui::components::loaded::Loaded;
use crate::ui::components::style::{BUTTON, INPUT, SECONDARY};
use crate::ui::components::time::Time;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_query_map};

#[component]
pub fn ListingEditorPage() -> impl IntoView {
    let query = use_query_map();
    let location = use_location();
    let save = ServerAction::<SaveListing>::new();
    let submit = ServerAction::<SubmitListing>::new();
    let decide = ServerAction::<DecideListing>::new();
    let org = move || query.read().get("org").and_then(|v| v.parse::<i64>().ok());
    let data = Resource::new(move || (org(), location.search.get()), |(o, _)| get_listing(o));
    view! {
        <Title text="Marketplace listing"/>
        <Loaded data let:page>
            {
                let q = query.read_untracked();
                let notice = if q.get("submitted").is_some() {
                    Some("Sent for review. A partner manager reads it and approves it or sends it back with a note.".to_owned())
                } else if q.get("saved").is_some() {
                    Some("Saved as a draft. Send it for review when it is ready.".to_owned())
                } else {
                    q.get("decided").and_then(|d| ListingStatus::parse(&d)).map(|s| match s {
                        ListingStatus::Approved => "Approved. The partner's owners have been emailed.".to_owned(),
                        _ => "Sent back with your note. The partner's owners have been emailed.".to_owned(),
                    })
                };
                view! { <Editor page save submit decide notice/> }
            }
        </Loaded>
    }
}

#[component]
fn Editor(
    page: ListingPage,
    save: ServerAction<SaveListing>,
    submit: ServerAction<SubmitListing>,
    decide: ServerAction<DecideListing>,
    notice: Option<String>,
) -> impl IntoView {
    let latest = page.listing.as_ref().map(|l| l.latest.status);
    let in_review = latest == Some(ListingStatus::InReview);
    let staff_decides = page.staff && in_review;
    // One element: a fragment redrawn by the page's transition
    // would be drawn again beside the old one.
    view! {
        <div>
            <h1 class="mb-1 text-2xl font-bold">"Marketplace listing"</h1>
            <p class="mb-4 text-sm text-slate-600">{page.organisation.clone()}</p>
            {notice.map(|n| view! { <Notice text=n/> })}
            {page.not_yet.clone().map(|m| view! { <p class="mb-4 rounded-md border border-amber-300 bg-amber-50 px-4 py-3 text-sm" data-testid="listing-not-yet">{m}</p> })}
            <Status page=page.clone()/>
            {staff_decides.then(|| {
                let l = page.listing.clone().expect("a listing in review");
                view! { <Decision org=page.organisation_id version=l.latest decide/> }
            })}
            {page.listing.clone().filter(|_| page.can_write && !in_review).map(|l| view! {
                <Pictures images=l.latest.images.clone() name=l.latest.content.name.clone()/>
            })}
            {if page.can_write && !in_review {
                view! { <ListingForm draft=page.draft.clone() save submit latest/> }.into_any()
            } else {
                page.listing.clone().map(|l| view! {
                    <Card title=format!("Version {}: {}", l.latest.number, l.latest.status.label()) id="listing-latest" margin="mb-6">
                        <Preview version=l.latest.clone() org=page.staff.then_some(page.organisation_id)/>
                    </Card>
                }).into_any()
            }}
        </div>
    }
}

/// Where the listing stands: its latest version, the one the directory
/// shows, and a manager's note.
#[component]
fn Status(page: ListingPage) -> impl IntoView {
    let Some(l) = page.listing else {
        return view! {
            <p class="mb-6 text-sm text-slate-700" data-testid="listing-status">"No listing yet."</p>
        }
        .into_any();
    };
    let live = match (&l.published, &page.public_path) {
        (Some(p), Some(path)) => view! {
            <p class="text-sm">"Version " {p.number} " shows in the directory: "
                <a class="text-brand underline" href=path.clone()>{path.clone()}</a></p>
        }
        .into_any(),
        (Some(p), None) => view! {
            <p class="text-sm">"Version " {p.number} " is approved. It shows in the directory while the partner is listed (now: "
                {l.state.label()} ")."</p>
        }
        .into_any(),
        (None, _) => view! { <p class="text-sm">"Nothing is published yet: a partner manager approves a version first."</p> }.into_any(),
    };
    let sent_back = (l.latest.status == ListingStatus::SentBack).then(|| l.latest.note.clone()).flatten();
    view! {
        <section class="mb-6 rounded-lg border border-slate-200 bg-white p-5" aria-labelledby="listing-status-heading">
            <h2 id="listing-status-heading" class="mb-1 font-semibold">
                "Version " {l.latest.number} ": " <span data-testid="listing-status">{l.latest.status.label()}</span>
            </h2>
            <p class="mb-2 text-sm text-slate-600">"Saved by " {l.latest.written_by.clone()} " · " <Time ms=l.latest.written_at_ms/></p>
            {live}
            {sent_back.map(|n| view! {
                <div class="mt-3 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm" data-testid="listing-note">
                    <p class="font-semibold">"Your partner manager asks for changes"</p>
                    <p class="whitespace-pre-wrap">{n}</p>
                </div>
            })}
        </section>
    }
    .into_any()
}

/// A manager's decision on the version in review.
#[component]
fn Decision(org: i64, version: ListingVersion, decide: ServerAction<DecideListing>) -> impl IntoView {
    let value: LastResult<()> = Signal::derive(move || decide.value().get());
    let (invalid, described, focus) = invalid_when(value, "note");
    view! {
        <Card title=format!("Review version {}", version.number) id="listing-review" margin="mb-6">
            <Preview version=version.clone() org=Some(org)/>
            <Form action=decide class="mt-4 border-t border-slate-200 pt-4">
                <input type="hidden" name="org" value=org.to_string()/>
                <input type="hidden" name="number" value=version.number.to_string()/>
                <label for="listing-note" class="block text-sm font-medium">"Note to the partner (required to send it back)"</label>
                <textarea id="listing-note" name="note" rows="3" class=INPUT aria-invalid=invalid aria-describedby=described autofocus=focus>{drafted("note")}</textarea>
                <FieldMessage value field="note"/>
                <div class="mt-3 flex flex-wrap gap-2">
                    <button type="submit" name="decision" value=ListingDecision::Approve.key() class=BUTTON>"Approve"</button>
                    <button type="submit" name="decision" value=ListingDecision::SendBack.key() class=SECONDARY>"Send back"</button>
                </div>
            </Form>
        </Card>
    }
}

/// A version's content and pictures as the directory will show them;
/// `org` names the partner for a manager fetching its pictures.
#[component]
fn Preview(version: ListingVersion, org: Option<i64>) -> impl IntoView {
    let content = version.content;
    let list = |v: Vec<&'static str>| if v.is_empty() { "Every industry".to_owned() } else { v.join(", ") };
    view! {
        <dl class="grid gap-x-4 gap-y-2 text-sm sm:grid-cols-4" data-testid="listing-preview">
            <dt class="text-slate-500">"Name"</dt><dd class="sm:col-span-3 font-semibold">{content.name.clone()}</dd>
            <dt class="text-slate-500">"In one line"</dt><dd class="sm:col-span-3">{content.short_description.clone()}</dd>
            <dt class="text-slate-500">"Description"</dt><dd class="sm:col-span-3 whitespace-pre-wrap">{content.long_description.clone()}</dd>
            <dt class="text-slate-500">"Partner type"</dt><dd class="sm:col-span-3">{content.kind.label()}</dd>
            <dt class="text-slate-500">"Category"</dt><dd class="sm:col-span-3">{content.category.label()}</dd>
            <dt class="text-slate-500">"Integrations"</dt><dd class="sm:col-span-3">{content.integrations.iter().map(|i| i.label()).collect::<Vec<_>>().join(", ")}</dd>
            <dt class="text-slate-500">"Regions"</dt><dd class="sm:col-span-3">{content.regions.iter().map(|r| r.label()).collect::<Vec<_>>().join(", ")}</dd>
            <dt class="text-slate-500">"Industries"</dt><dd class="sm:col-span-3">{list(content.industries.iter().map(|i| i.label()).collect())}</dd>
            <dt class="text-slate-500">"Website"</dt><dd class="sm:col-span-3 break-all">{content.website.clone()}</dd>
            <dt class="text-slate-500">"Support"</dt><dd class="sm:col-span-3 break-all">{content.support_email.clone()}</dd>
            <dt class="text-slate-500">"Documentation"</dt><dd class="sm:col-span-3 break-all">{content.docs_url.clone().unwrap_or_else(|| "—".into())}</dd>
            <dt class="text-slate-500">"Setup steps"</dt>
            <dd class="sm:col-span-3"><ol class="list-decimal pl-5">{content.steps().into_iter().map(|s| view! { <li>{s.to_owned()}</li> }).collect_view()}</ol></dd>
            <dt class="text-slate-500">"Pictures"</dt>
            <dd class="sm:col-span-3"><Gallery images=version.images.clone() name=content.name.clone() org/></dd>
        </dl>
    }
}

/// Ticks for one list of choices, posted as `name[]`; the saved choices
/// start ticked unless a refused draft says otherwise.
#[component]
fn Ticks(
    legend: &'static str,
    name: &'static str,
    field: &'static str,
    choices: Vec<(&'static str, &'static str)>,
    saved: Vec<String>,
    value: LastResult<i64>,
    #[prop(optional)] hint: Option<&'static str>,
) -> impl IntoView {
    let (_, described, _) = invalid_when(value, field);
    view! {
        <fieldset class="mb-4" aria-describedby=described>
            <legend class="text-sm font-medium text-slate-800">{legend}</legend>
            {hint.map(|h| view! { <p class="text-xs text-slate-500">{h}</p> })}
            <div class="mt-1 grid gap-1 sm:grid-cols-2">
                {choices.into_iter().map(|(key, label)| {
                    let checked = drafted_choice(name, key).unwrap_or_else(|| saved.iter().any(|s| s == key));
                    let id = format!("{field}-{key}");
                    view! {
                        <label class="flex items-center gap-2 text-sm">
                            <input id=id type="checkbox" name=name value=key checked=checked class="h-4 w-4"/>
                            {label}
                        </label>
                    }
                }).collect_view()}
            </div>
            <FieldMessage value field/>
        </fieldset>
    }
}

#[component]
fn ListingForm(
    draft: ListingInput,
    save: ServerAction<SaveListing>,
    submit: ServerAction<SubmitListing>,
    latest: Option<ListingStatus>,
) -> impl IntoView {
    let value: LastResult<i64> = Signal::derive(move || save.value().get());
    let e = move |f| field_error(value, f);
    let d = draft;
    let ready = can_submit(latest).is_ok();
    view! {
        <Card title="Write your listing" id="listing-form" margin="mb-6">
            <p class="mb-4 text-sm text-slate-600">
                "Saving keeps a draft. The directory goes on showing the approved version until a partner manager approves the new one."
            </p>
            <Form action=save>
                <div class="grid gap-x-6 sm:grid-cols-2">
                    <Field label="Name in the directory" name="name" value=d.name.clone() hint="Up to 80 characters." error=e("name")/>
                    <Field label="Website" name="website" kind="text" value=d.website.clone() hint="For example https://example.com" error=e("website")/>
                    <Choice label="Partner type" name="kind" value=d.kind.clone() options=options(PartnerKind::ALL, PartnerKind::key, PartnerKind::label) error=e("kind")/>
                    <Choice label="Category" name="category" value=d.category.clone() options=options(Category::ALL, Category::key, Category::label) error=e("category")/>
                    <Field label="Support email" name="support_email" kind="email" value=d.support_email.clone() error=e("support_email")/>
                    <Field label="Documentation link (optional)" name="docs_url" value=d.docs_url.clone() required=false error=e("docs_url")/>
                </div>
                <Field label="In one line" name="short_description" value=d.short_description.clone() hint="Up to 160 characters, shown under the name in the directory." error=e("short_description")/>
                <TextArea label="Description" name="long_description" value=d.long_description.clone() rows=6 hint="What the integration does and for whom." error=e("long_description")/>
                <TextArea label="Setup steps" name="setup_steps" value=d.setup_steps.clone() rows=5 hint="One step per line, in order." error=e("setup_steps")/>
                <Ticks legend="Ways to integrate" name="integrations[]" field="integrations" saved=d.integrations.clone()
                    choices=options(IntegrationOption::ALL, IntegrationOption::key, IntegrationOption::label) value/>
                <Ticks legend="Regions you serve" name="regions[]" field="regions" saved=d.regions.clone()
                    choices=options(Region::ALL, Region::key, Region::label) value/>
                <Ticks legend="Industries" name="industries[]" field="industries" saved=d.industries.clone()
                    hint="Leave all unticked if you serve every industry."
                    choices=options(Industry::ALL, Industry::key, Industry::label) value/>
                <button type="submit" class=BUTTON>"Save draft"</button>
            </Form>
            {ready.then(|| view! {
                <Form action=submit class="mt-4 border-t border-slate-200 pt-4">
                    <p class="mb-2 text-sm text-slate-700">"Your latest version is saved. Send it when it is ready; you cannot change it while it is reviewed."</p>
                    <button type="submit" class=SECONDARY>"Send for review"</button>
                </Form>
            })}
        </Card>
    }
}
