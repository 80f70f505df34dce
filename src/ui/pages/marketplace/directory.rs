//! The public directory of listed partners and each partner's page, the
//! integration showcase. Plain links and a GET form: they work without
//! JavaScript, can be bookmarked, and search engines read them whole.

use super::leads::ContactForm;
use crate::api::marketplace::{get_directory, get_public_listing, DirectoryPage, PublicListing};
use crate::domain::application::{Category, IntegrationOption, PartnerKind};
use crate::domain::certification::support_tier;
use crate::domain::listing::query as address_query;
use crate::domain::marketplace::{badge_label, DirectoryEntry, Industry, Region};
use crate::domain::showcase::{alt_text, logo, public_src, screenshots, ListingImage};
use crate::ui::components::form::options;
use crate::ui::components::loaded::Loaded;
use crate::ui::components::pager::Pager;
use crate::ui::components::style::{CARD, INPUT};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn MarketplacePage() -> impl IntoView {
    let query = use_query_map();
    let keys = ["q", "type", "category", "integration", "region", "industry", "page"];
    let data = Resource::new(
        move || {
            let q = query.read();
            keys.map(|k| q.get(k).filter(|v| !v.is_empty()))
        },
        |[q, kind, category, integration, region, industry, page]| {
            get_directory(q, kind, category, integration, region, industry, page.and_then(|p| p.parse().ok()))
        },
    );
    // The title stays outside the data: a transition redrawing the list
    // with JavaScript would take it away with it.
    view! {
        <Title text="Partner directory"/>
        <Loaded data let:d>
            <Directory d/>
        </Loaded>
    }
}

/// A select of the directory's filter form, on "Any" unless chosen.
#[component]
fn Filter(
    label: &'static str,
    name: &'static str,
    options: Vec<(&'static str, &'static str)>,
    chosen: Option<String>,
) -> impl IntoView {
    let id = format!("filter-{name}");
    view! {
        <div class="min-w-0">
            <label for=id.clone() class="block text-sm font-medium">{label}</label>
            <select id=id name=name class=format!("{INPUT} bg-white")>
                <option value="">"Any"</option>
                {options.into_iter().map(|(k, l)| view! { <option value=k selected=chosen.as_deref() == Some(k)>{l}</option> }).collect_view()}
            </select>
        </div>
    }
}

#[component]
fn Directory(d: DirectoryPage) -> impl IntoView {
    let f = d.filter.clone();
    let params = f.params();
    let query = address_query(&params.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>());
    let filtered = !f.is_empty();
    // One element: a fragment redrawn by the page's transition
    // would be drawn again beside the old one.
    view! {
        <div>
            <h1 class="mb-1 text-2xl font-bold">"Partner directory"</h1>
            <p class="mb-4 text-sm text-slate-600">{format!("Certified partners and their integrations with {}.", d.program)}</p>
            <form method="get" role="search" class="mb-6 grid gap-3 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-3 lg:grid-cols-6" aria-label="Find a partner">
                <div class="min-w-0 sm:col-span-3 lg:col-span-6">
                    <label for="directory-q" class="block text-sm font-medium">"Search by name or description"</label>
                    <input id="directory-q" name="q" type="search" maxlength="100" class=INPUT value=f.q.clone()/>
                </div>
                <Filter label="Partner type" name="type" options=PartnerKind::TYPES.to_vec() chosen=f.partner_type.clone()/>
                <Filter label="Category" name="category" options=options(Category::ALL, Category::key, Category::label) chosen=f.category.map(|c| c.key().to_owned())/>
                <Filter label="Integration" name="integration" options=options(IntegrationOption::ALL, IntegrationOption::key, IntegrationOption::label) chosen=f.integration.map(|c| c.key().to_owned())/>
                <Filter label="Region" name="region" options=options(Region::ALL, Region::key, Region::label) chosen=f.region.map(|c| c.key().to_owned())/>
                <Filter label="Industry" name="industry" options=options(Industry::ALL, Industry::key, Industry::label) chosen=f.industry.map(|c| c.key().to_owned())/>
                <div class="flex items-end gap-2">
                    <button type="submit" class="rounded-md bg-brand px-4 py-2 text-sm font-semibold text-white hover:opacity-90">"Find partners"</button>
                    {filtered.then(|| view! { <a class="px-1 py-2 text-sm text-brand underline" href="/marketplace">"Clear"</a> })}
                </div>
            </form>
            {if d.entries.is_empty() {
                view! {
                    <p class="rounded-lg border border-slate-200 bg-white p-6 text-sm text-slate-700" data-testid="directory-empty">
                        {if filtered { "No partner matches these filters. Clear some to see more." } else { "No partners are listed yet." }}
                    </p>
                }.into_any()
            } else {
                view! {
                    <ul class="grid gap-4 sm:grid-cols-2 lg:grid-cols-3" data-testid="directory">
                        {d.entries.into_iter().map(|e| view! { <EntryCard e/> }).collect_view()}
                    </ul>
                    {(d.pages > 1).then(|| view! { <Pager page=d.page pages=d.pages count=d.total.max(0) as usize what="partners" query=query/> })}
                }.into_any()
            }}
            <ContactForm slug=String::new() partner=String::new() program=d.program.clone() started=d.form_started.clone()/>
        </div>
    }
}

/// The certification level and support tier, as badges.
#[component]
fn Badges(e: DirectoryEntry) -> impl IntoView {
    let level = match e.state {
        crate::domain::certification::CertState::Premier => {
            "rounded-full bg-amber-100 px-2 py-0.5 text-xs font-semibold text-amber-900"
        }
        crate::domain::certification::CertState::Featured => {
            "rounded-full bg-indigo-100 px-2 py-0.5 text-xs font-semibold text-indigo-900"
        }
        _ => "rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-semibold text-emerald-900",
    };
    let state = badge_label(e.state);
    view! {
        <span class="flex flex-wrap gap-1" data-testid="badges">
            <span class=level>{state}</span>
            <span class="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-800">{format!("{} support", support_tier(e.state).label())}</span>
        </span>
    }
}

#[component]
fn EntryCard(e: DirectoryEntry) -> impl IntoView {
    let href = format!("/marketplace/{}", e.slug);
    let c = e.content.clone();
    view! {
        <li class=format!("{CARD} flex flex-col gap-2")>
            // A whole page load (`rel="external"` keeps the router out): the
            // directory and partner pages are documents for visitors and
            // search engines, and each is drawn whole by the server.
            <div class="flex items-center gap-3">
                // Beside the name it repeats: described as decoration.
                {logo(&e.images).map(|l| view! {
                    <img src=public_src(&e.slug, l.id) alt="" width=l.width height=l.height loading="lazy"
                        class="h-10 w-10 shrink-0 rounded border border-slate-200 bg-white object-contain p-0.5"/>
                })}
                <h2 class="min-w-0 break-words text-lg font-semibold"><a class="text-brand underline" href=href rel="external">{c.name.clone()}</a></h2>
            </div>
            <Badges e=e.clone()/>
            <p class="text-sm text-slate-700">{c.short_description.clone()}</p>
            <p class="mt-auto text-xs text-slate-600">
                {c.kind.label()} " · " {c.integrations.iter().map(|i| i.label()).collect::<Vec<_>>().join(", ")}
            </p>
        </li>
    }
}

#[component]
pub fn MarketplacePartnerPage() -> impl IntoView {
    let params = use_params_map();
    let data = Resource::new(move || params.read().get("slug").unwrap_or_default(), get_public_listing);
    // A title outside the data as well: the partner's own, set inside, is
    // the later and wins; this one holds while the page is redrawn.
    view! {
        <Title text="Partner directory"/>
        <Loaded data let:p>
            <Showcase p/>
        </Loaded>
    }
}

#[component]
fn Showcase(p: PublicListing) -> impl IntoView {
    let c = p.entry.content.clone();
    let title = format!("{} · Partner directory", c.name);
    let shots: Vec<ListingImage> = screenshots(&p.entry.images).into_iter().cloned().collect();
    let industries = if c.industries.is_empty() {
        "Every industry".to_owned()
    } else {
        c.industries.iter().map(|i| i.label()).collect::<Vec<_>>().join(", ")
    };
    // One element: a fragment redrawn by the page's transition
    // would be drawn again beside the old one.
    view! {
        <div>
            <Title text=title/>
            <nav class="mb-3 text-sm" aria-label="Breadcrumb"><a class="text-brand underline" href="/marketplace" rel="external">"Partner directory"</a></nav>
            <div class="mb-6 flex flex-wrap items-start justify-between gap-3">
                <div class="flex min-w-0 items-start gap-4">
                    {logo(&p.entry.images).map(|l| view! {
                        <img src=public_src(&p.entry.slug, l.id) alt=alt_text(l, &c.name) width=l.width height=l.height
                            class="h-16 w-16 shrink-0 rounded-md border border-slate-200 bg-white object-contain p-1"/>
                    })}
                    <div class="min-w-0">
                        <h1 class="break-words text-2xl font-bold">{c.name.clone()}</h1>
                        <p class="mt-1 text-slate-700">{c.short_description.clone()}</p>
                    </div>
                </div>
                <Badges e=p.entry.clone()/>
            </div>
            <div class="grid gap-4 lg:grid-cols-3">
                <section class=format!("{CARD} lg:col-span-2") aria-labelledby="showcase-what">
                    <h2 id="showcase-what" class="mb-2 font-semibold">"What it does"</h2>
                    <p class="whitespace-pre-wrap text-sm text-slate-800">{c.long_description.clone()}</p>
                    <h2 class="mb-2 mt-6 font-semibold">"Set it up"</h2>
                    <ol class="list-decimal space-y-1 pl-5 text-sm" data-testid="setup-steps">
                        {c.steps().into_iter().map(|s| view! { <li>{s.to_owned()}</li> }).collect_view()}
                    </ol>
                    {c.docs_url.clone().map(|u| view! {
                        <p class="mt-4 text-sm"><a class="text-brand underline" href=u rel="noopener nofollow">"Read the documentation"</a></p>
                    })}
                </section>
                <section class=CARD aria-labelledby="showcase-facts">
                    <h2 id="showcase-facts" class="mb-2 font-semibold">"At a glance"</h2>
                    <dl class="space-y-2 text-sm">
                        <div><dt class="text-slate-500">"Partner type"</dt><dd>{c.kind.label()}</dd></div>
                        <div><dt class="text-slate-500">"Category"</dt><dd>{c.category.label()}</dd></div>
                        <div><dt class="text-slate-500">"Integrations"</dt><dd>{c.integrations.iter().map(|i| i.label()).collect::<Vec<_>>().join(", ")}</dd></div>
                        <div><dt class="text-slate-500">"Regions"</dt><dd>{c.regions.iter().map(|r| r.label()).collect::<Vec<_>>().join(", ")}</dd></div>
                        <div><dt class="text-slate-500">"Industries"</dt><dd>{industries}</dd></div>
                        <div><dt class="text-slate-500">"Support"</dt><dd>{format!("{} tier, first answer within {} hours", p.support_tier.label(), p.support_tier.response_hours())}</dd></div>
                        <div><dt class="text-slate-500">"Website"</dt><dd class="break-all"><a class="text-brand underline" href=c.website.clone() rel="noopener nofollow">{c.website.clone()}</a></dd></div>
                        <div><dt class="text-slate-500">"Support contact"</dt><dd class="break-all"><a class="text-brand underline" href=format!("mailto:{}", c.support_email)>{c.support_email.clone()}</a></dd></div>
                    </dl>
                </section>
            </div>
            {(!shots.is_empty()).then(|| view! {
                <section class=format!("{CARD} mt-4") aria-labelledby="showcase-screens">
                    <h2 id="showcase-screens" class="mb-3 font-semibold">"Screenshots"</h2>
                    <ul class="grid gap-4 sm:grid-cols-2 lg:grid-cols-3" data-testid="showcase-screenshots">
                        {shots.iter().map(|s| {
                            let src = public_src(&p.entry.slug, s.id);
                            let href = src.clone();
                            view! {
                                <li>
                                    <figure>
                                        // The full picture, as a plain link: it opens without JavaScript.
                                        <a href=href rel="external">
                                            <img src=src alt=s.alt.clone() width=s.width height=s.height loading="lazy"
                                                class="h-auto w-full rounded border border-slate-200"/>
                                        </a>
                                        <figcaption class="mt-1 text-sm text-slate-700">{s.alt.clone()}</figcaption>
                                    </figure>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </section>
            })}
            <ContactForm slug=p.entry.slug.clone() partner=c.name.clone() program=p.program.clone() started=p.form_started.clone()/>
        </div>
    }
}
