//! The page frame: header with navigation by role, the main area, footer.

use crate::api::auth::SignOut;
use crate::domain::account::CurrentUser;
use crate::domain::role::{can, Permission, Role};
use crate::ui::components::form::Form;
use crate::ui::resources::UserResource;
use leptos::prelude::*;

#[component]
pub fn Header() -> impl IntoView {
    let user = expect_context::<UserResource>();
    let face = expect_context::<crate::ui::resources::BrandFaceResource>();
    view! {
        <header class="border-b border-slate-200 bg-white">
            <nav class="mx-auto flex max-w-6xl flex-wrap items-center justify-between gap-3 px-4 py-3" aria-label="Main">
                <Transition fallback=|| view! { <a href="/" class="text-lg font-bold text-brand">"Partner Portal"</a> }>
                    {move || Suspend::new(async move {
                        let f = face.await.ok();
                        let name = f.as_ref().map(|f| f.name.clone()).filter(|_| f.as_ref().is_some_and(|f| !f.is_default)).unwrap_or_else(|| "Partner Portal".to_owned());
                        let logo = f.and_then(|f| f.logo);
                        view! {
                            <a href="/" class="flex items-center gap-2 text-lg font-bold text-brand" data-testid="brand-name">
                                {logo.map(|src| view! { <img src=src alt="" class="h-8 w-auto"/> })}
                                {name}
                            </a>
                        }
                    })}
                </Transition>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        match user.await {
                            Ok(Some(u)) => view! { <SignedInNav user=u/> }.into_any(),
                            _ => view! {
                                <div class="flex gap-1">
                                    <Transition fallback=|| ()>
                                        {move || Suspend::new(async move {
                                            face.await.ok().filter(|f| f.is_default).map(|_| view! {
                                                <a href="/apply" class="rounded-md px-3 py-2 text-sm font-medium text-slate-700 hover:bg-slate-100">"Become a partner"</a>
                                            })
                                        })}
                                    </Transition>
                                    <a href="/login" class="rounded-md px-3 py-2 text-sm font-medium text-slate-700 hover:bg-slate-100">"Sign in"</a>
                                </div>
                            }.into_any(),
                        }
                    })}
                </Transition>
            </nav>
        </header>
    }
}

/// Whether a navigation link leads to the page shown or to the section it
/// is in: "/" only to itself, any other link to its own path and to what
/// lies under it (`/revenue` for `/revenue/statements/3`, not `/revenues`).
fn leads_to(href: &str, path: &str) -> bool {
    if href == "/" {
        return path == "/";
    }
    path.strip_prefix(href).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// A link of the main navigation. The one for the page shown says so to
/// screen readers (`aria-current`) and to the eye with more than colour: a
/// filled background, heavier type and an underline.
#[component]
fn NavItem(href: &'static str, label: &'static str) -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    let current = move || leads_to(href, &location.pathname.get());
    view! {
        <li>
            <a
                href=href
                class=move || if current() { NAV_CURRENT } else { NAV_LINK }
                aria-current=move || current().then_some("page")
            >
                {label}
            </a>
        </li>
    }
}

const NAV_LINK: &str = "rounded-md px-3 py-2 text-sm font-medium text-slate-700 hover:bg-slate-100";
const NAV_CURRENT: &str = "rounded-md bg-slate-100 px-3 py-2 text-sm font-semibold text-slate-900 underline \
                           decoration-2 underline-offset-4";

#[component]
fn SignedInNav(user: CurrentUser) -> impl IntoView {
    let sign_out = ServerAction::<SignOut>::new();
    let admin = can(user.role, Permission::ListUsers);
    let staff = can(user.role, Permission::ReviewApplications);
    let partner = user.role == Role::Partner;
    let has_org = user.organisation.is_some();
    let white_label = user.organisation.as_ref().is_some_and(|o| o.white_label);
    let funds = user.organisation.as_ref().is_some_and(|o| o.funds);
    view! {
        <ul class="flex flex-wrap items-center gap-1">
            <NavItem href="/" label="Home"/>
            {staff.then(|| view! {
                <NavItem href="/manager/applications" label="Applications"/>
                <NavItem href="/manager/partners" label="Partners"/>
                <NavItem href="/manager/certification" label="Certification"/>
                <NavItem href="/manager/revenue" label="Revenue"/>
                <NavItem href="/support/queue" label="Support"/>
                <NavItem href="/funds/review" label="Funds"/>
            })}
            {(partner && has_org).then(|| view! {
                <NavItem href="/plan" label="Onboarding"/>
                <NavItem href="/certification" label="Certification"/>
                <NavItem href="/revenue" label="Revenue"/>
                {funds.then(|| view! { <NavItem href="/funds" label="Funds"/> })}
                <NavItem href="/developers" label="Developers"/>
                <NavItem href="/scorecard" label="Scorecard"/>
                <NavItem href="/support" label="Support"/>
                <NavItem href="/reviews" label="Reviews"/>
                <NavItem href="/team" label="Team"/>
                {white_label.then(|| view! { <NavItem href="/branding" label="Branding"/> })}
            })}
            {(user.role == Role::Customer).then(|| view! { <NavItem href="/agents" label="Agents"/> })}
            {user.is_applicant().then(|| view! { <NavItem href="/application" label="Application"/> })}
            {admin.then(|| view! {
                <NavItem href="/admin/users" label="Users"/>
                <NavItem href="/admin/audit" label="Audit log"/>
                <NavItem href="/admin/emails" label="Failed emails"/>
                <NavItem href="/admin/onboarding-template" label="Template"/>
            })}
            <NavItem href="/account" label="Account"/>
            <li class="ml-2 hidden max-w-64 truncate text-sm text-slate-500 sm:block" title=user.email.clone()>
                <span data-testid="whoami">{user.email.clone()}</span>
                " · "
                {role_label(user.role)}
            </li>
            <li>
                <Form action=sign_out anchored=false banner=false>
                    <button type="submit" class="rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-100">
                        "Sign out"
                    </button>
                </Form>
            </li>
        </ul>
    }
}

pub fn role_label(role: Role) -> &'static str {
    role.label()
}

#[component]
pub fn Footer() -> impl IntoView {
    let face = expect_context::<crate::ui::resources::BrandFaceResource>();
    view! {
        <footer class="mx-auto max-w-6xl px-4 py-8 text-center text-xs text-slate-500">
            <Transition fallback=|| "Partner Portal">
                {move || Suspend::new(async move {
                    match face.await {
                        Ok(f) if !f.is_default => view! {
                            <span data-testid="brand-support">
                                {f.name.clone()}
                                {f.support_email.map(|e| view! { " · Support: " <a class="underline" href=format!("mailto:{e}")>{e.clone()}</a> })}
                                {f.support_url.map(|u| view! { " · " <a class="underline" href=u.clone() rel="noopener">"Help centre"</a> })}
                            </span>
                        }.into_any(),
                        _ => "Partner Portal".into_any(),
                    }
                })}
            </Transition>
        </footer>
    }
}

/// Shown where a page needs a signed-in user and there is none.
#[component]
pub fn SignInPrompt() -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    let next = move || {
        let path = location.pathname.get();
        let q: String = js_free_encode(&path);
        format!("/login?next={q}")
    };
    view! {
        <div class="mx-auto mt-8 max-w-md rounded-lg border border-slate-200 bg-white p-6 text-center shadow-sm">
            <p class="mb-4 text-slate-700">"Please sign in to see this page."</p>
            <a href=next class="inline-block rounded-md bg-brand px-4 py-2 font-semibold text-white">"Sign in"</a>
        </div>
    }
}

/// Shown when a signed-in user lacks the permission for a page.
#[component]
pub fn Forbidden() -> impl IntoView {
    view! {
        <div class="mx-auto mt-8 max-w-md rounded-lg border border-amber-300 bg-amber-50 p-6 text-center text-amber-900">
            "You don't have access to this page."
        </div>
    }
}

/// Percent-encodes a path for a query value without browser APIs.
pub(crate) fn js_free_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::leads_to;

    #[test]
    fn a_link_is_current_on_its_page_and_the_pages_under_it_and_home_only_on_itself() {
        assert!(leads_to("/", "/"));
        assert!(!leads_to("/", "/revenue"));
        assert!(leads_to("/revenue", "/revenue"));
        assert!(leads_to("/manager/revenue", "/manager/revenue/imports/3"));
        assert!(!leads_to("/revenue", "/revenues"));
        assert!(!leads_to("/support", "/support-desk"));
        assert!(!leads_to("/funds", "/manager/funds"));
    }
}
