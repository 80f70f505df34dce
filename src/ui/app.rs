//! The application shell and routes.

use crate::api::auth::get_current_user;
use crate::api::branding::get_brand_face;
use crate::domain::brand::Brand;
use crate::ui::components::layout::{Footer, Header};
use crate::ui::pages;
use crate::ui::resources::{BrandFaceResource, UserResource};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::hooks::use_location;
use leptos_router::{path, SsrMode};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    let stylesheet = format!("/{}/{}.css", options.site_pkg_dir, options.output_name);
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
                // In the document head the server alone renders, so it may
                // name the stylesheet under the build's version (`server::assets`).
                <link rel="stylesheet" id="leptos" href=stylesheet/>
                // The brand's colours, after the main stylesheet.
                <link rel="stylesheet" href="/brand.css"/>
            </head>
            <body class="min-h-screen bg-slate-50 text-slate-900 antialiased">
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    crate::ui::components::form::provide_drafts();
    view! {
        <Router>
            <Frame/>
        </Router>
    }
}

/// The title suffix of the program's own pages.
const DEFAULT_TITLE: &str = "Partner Portal";

/// The name page titles end with: a white-label brand's own, else the
/// program's. The server provides the request's `Brand` as context.
fn title_brand_name(brand: Option<&Brand>) -> String {
    match brand {
        Some(b) if !b.is_default => b.name.clone(),
        _ => DEFAULT_TITLE.to_owned(),
    }
}

#[component]
fn Frame() -> impl IntoView {
    let location = use_location();
    let user: UserResource =
        Resource::new(move || (location.pathname.get(), location.search.get()), |_| get_current_user());
    provide_context(user);
    let face: BrandFaceResource = Resource::new(|| (), |_| get_brand_face());
    provide_context(face);
    // Titles carry the brand the page is served under. leptos_meta renders
    // `<title>` after the page, outside the request's reactive owner and its
    // arena, so the formatter must not read arena-held values such as `face`:
    // under concurrent requests that read another request's arena and
    // panicked. It reads a reference-counted signal instead, filled on the
    // server from the request's brand and in the browser from `face`.
    let title_brand = ArcRwSignal::new(title_brand_name(use_context::<Brand>().as_ref()));
    Effect::new({
        let title_brand = title_brand.clone();
        move |_| {
            if let Some(Ok(f)) = face.get() {
                let name = if f.is_default { DEFAULT_TITLE.to_owned() } else { f.name };
                if title_brand.get_untracked() != name {
                    title_brand.set(name);
                }
            }
        }
    });
    // Set once the browser has hydrated the page; tests wait for it.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    view! {
        <Title formatter=move |page: String| {
            let brand = title_brand.get();
            if page.is_empty() { brand } else { format!("{page} · {brand}") }
        }/>
        <a href="#main" class="sr-only focus:not-sr-only">"Skip to content"</a>
        <Header/>
        <main id="main" class="mx-auto max-w-6xl px-4 py-6" data-hydrated=move || hydrated.get().then_some("true")>
            <pages::partner::PartnerBar/>
            <Routes fallback=|| view! { <pages::not_found::NotFound/> }>
                <Route path=path!("/") view=pages::home::HomePage ssr=SsrMode::Async/>
                <Route path=path!("/login") view=pages::login::LoginPage ssr=SsrMode::Async/>
                <Route path=path!("/forgot-password") view=pages::password::ForgotPasswordPage ssr=SsrMode::Async/>
                <Route path=path!("/reset-password") view=pages::password::ResetPasswordPage ssr=SsrMode::Async/>
                <Route path=path!("/welcome") view=pages::password::WelcomePage ssr=SsrMode::Async/>
                <Route path=path!("/invitation") view=pages::invitation::InvitationPage ssr=SsrMode::Async/>
                <Route path=path!("/account") view=pages::account::AccountPage ssr=SsrMode::Async/>
                <Route path=path!("/admin/users") view=pages::admin::UsersPage ssr=SsrMode::Async/>
                <Route path=path!("/admin/audit") view=pages::admin::AuditPage ssr=SsrMode::Async/>
                <Route path=path!("/admin/emails") view=pages::admin::FailedEmailsPage ssr=SsrMode::Async/>
                <Route path=path!("/admin/onboarding-template") view=pages::onboarding::TemplatePage ssr=SsrMode::Async/>
                <Route path=path!("/apply") view=pages::apply::ApplyPage ssr=SsrMode::Async/>
                <Route path=path!("/application") view=pages::apply::ApplicationPage ssr=SsrMode::Async/>
                <Route path=path!("/manager/applications") view=pages::review::QueuePage ssr=SsrMode::Async/>
                <Route path=path!("/manager/applications/:id") view=pages::review::ReviewPage ssr=SsrMode::Async/>
                <Route path=path!("/manager/partners") view=pages::onboarding::PartnersPage ssr=SsrMode::Async/>
                <Route path=path!("/manager/partners/:id") view=pages::partner::PartnerOverviewPage ssr=SsrMode::Async/>
                <Route path=path!("/plan") view=pages::onboarding::PlanPage ssr=SsrMode::Async/>
                <Route path=path!("/team") view=pages::team::TeamPage ssr=SsrMode::Async/>
                <Route path=path!("/certification") view=pages::certification::CertificationPage ssr=SsrMode::Async/>
                <Route path=path!("/branding") view=pages::branding::BrandingPage ssr=SsrMode::Async/>
                <Route path=path!("/revenue") view=pages::revenue::RevenuePage ssr=SsrMode::Async/>
                <Route path=path!("/statements/:id") view=pages::revenue::StatementPage ssr=SsrMode::Async/>
                <Route path=path!("/statements/:id/print") view=pages::revenue::StatementPrintPage ssr=SsrMode::Async/>
                <Route path=path!("/manager/revenue") view=pages::revenue::ProgramPage ssr=SsrMode::Async/>
                <Route path=path!("/manager/statements") view=pages::revenue::StatementListPage ssr=SsrMode::Async/>
                <Route path=path!("/manager/revenue/imports") view=pages::revenue::ImportsPage ssr=SsrMode::Async/>
                <Route path=path!("/manager/revenue/check") view=pages::revenue::ImportCheckPage ssr=SsrMode::Async/>
                <Route path=path!("/manager/revenue/billing") view=pages::revenue::BillingPage ssr=SsrMode::Async/>
                <Route path=path!("/manager/revenue/imports/:id") view=pages::revenue::ImportPage ssr=SsrMode::Async/>
                <Route path=path!("/developers") view=pages::developers::DevelopersPage ssr=SsrMode::Async/>
                <Route path=path!("/developers/apps") view=pages::developers::OAuthAppsPage ssr=SsrMode::Async/>
                <Route path=path!("/developers/agents") view=pages::developers::AgentsPage ssr=SsrMode::Async/>
                <Route path=path!("/developers/agents/:id") view=pages::developers::AgentPage ssr=SsrMode::Async/>
                <Route path=path!("/developers/traffic") view=pages::developers::TrafficPage ssr=SsrMode::Async/>
                <Route path=path!("/developers/webhooks") view=pages::developers::WebhooksPage ssr=SsrMode::Async/>
                <Route path=path!("/developers/webhooks/:id") view=pages::developers::WebhookPage ssr=SsrMode::Async/>
                <Route path=path!("/developers/api") view=pages::developers::ApiReferencePage ssr=SsrMode::Async/>
                <Route path=path!("/developers/changelog") view=pages::developers::ApiChangelogPage/>
                <Route path=path!("/developers/graphql") view=pages::developers::GraphqlPage ssr=SsrMode::Async/>
                <Route path=path!("/developers/verify") view=pages::developers::VerifyPage ssr=SsrMode::Async/>
                <Route path=path!("/scorecard") view=pages::scorecard::ScorecardPage ssr=SsrMode::Async/>
                <Route path=path!("/support") view=pages::support::SupportPage ssr=SsrMode::Async/>
                <Route path=path!("/support/tickets/:id") view=pages::support::TicketDetailPage ssr=SsrMode::Async/>
                <Route path=path!("/support/queue") view=pages::support::SupportQueuePage ssr=SsrMode::Async/>
                <Route path=path!("/support/report") view=pages::support::SlaReportPage ssr=SsrMode::Async/>
                <Route path=path!("/reviews") view=pages::reviews::ReviewsPage ssr=SsrMode::Async/>
                <Route path=path!("/reviews/:id") view=pages::reviews::ReviewDetailPage ssr=SsrMode::Async/>
                <Route path=path!("/funds") view=pages::funds::FundsPage ssr=SsrMode::Async/>
                <Route path=path!("/funds/review") view=pages::funds::FundReviewPage ssr=SsrMode::Async/>
                <Route path=path!("/agents") view=pages::developers::CustomerAgentsPage ssr=SsrMode::Async/>
                <Route path=path!("/oauth/authorize") view=pages::consent::ConsentPage ssr=SsrMode::Async/>
                <Route path=path!("/manager/certification") view=pages::certification::CertificationOverviewPage ssr=SsrMode::Async/>
                <Route path=path!("/listing") view=pages::marketplace::ListingEditorPage ssr=SsrMode::Async/>
                <Route path=path!("/manager/listings") view=pages::marketplace::ListingQueuePage ssr=SsrMode::Async/>
                <Route path=path!("/leads") view=pages::marketplace::LeadsPage ssr=SsrMode::Async/>
                <Route path=path!("/manager/leads") view=pages::marketplace::ProgramLeadsPage ssr=SsrMode::Async/>
                <Route path=path!("/deals") view=pages::marketplace::DealsPage ssr=SsrMode::Async/>
                <Route path=path!("/manager/deals") view=pages::marketplace::ProgramDealsPage ssr=SsrMode::Async/>
                <Route path=path!("/marketplace") view=pages::marketplace::MarketplacePage ssr=SsrMode::Async/>
                <Route path=path!("/marketplace/:slug") view=pages::marketplace::MarketplacePartnerPage ssr=SsrMode::Async/>
            </Routes>
        </main>
        <Footer/>
    }
}
