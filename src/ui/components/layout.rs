//! The page frame: header with navigation by role, the main area, footer.

use crate::api::auth::SignOut;
use crate::domain::account::CurrentUser;
use crate::domain::role::{can, Permission, Role};
use crate::ui::resources::UserResource;
use leptos::form::ActionForm;
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

#[component]
fn SignedInNav(user: CurrentUser) -> impl IntoView {
    let sign_out = ServerAction::<SignOut>::new();
    let link = "rounded-md px-3 py-2 text-sm font-medium text-slate-700 hover:bg-slate-100";
    let admin = can(user.role, Permission::ListUsers);
    let staff = can(user.role, Permission::ReviewApplications);
    let partner = user.role == Role::Partner;
    let has_org = user.organisation.is_some();
    let white_label = user.organisation.as_ref().is_some_and(|o| o.white_label);
    let funds = user.organisation.as_ref().is_some_and(|o| o.funds);
    view! {
        <ul class="flex flex-wrap items-center gap-1">
            <li><a href="/" class=link>"Home"</a></li>
            {staff.then(|| view! {
                <li><a href="/manager/applications" class=link>"Applications"</a></li>
                <li><a href="/manager/partners" class=link>"Partners"</a></li>
                <li><a href="/manager/certification" class=link>"Certification"</a></li>
                <li><a href="/manager/revenue" class=link>"Revenue"</a></li>
                <li><a href="/support/queue" class=link>"Support"</a></li>
                <li><a href="/funds/review" class=link>"Funds"</a></li>
            })}
            {(partner && has_org).then(|| view! {
                <li><a href="/plan" class=link>"Onboarding"</a></li>
                <li><a href="/certification" class=link>"Certification"</a></li>
                <li><a href="/revenue" class=link>"Revenue"</a></li>
                {funds.then(|| view! { <li><a href="/funds" class=link>"Funds"</a></li> })}
                <li><a href="/developers" class=link>"Developers"</a></li>
                <li><a href="/scorecard" class=link>"Scorecard"</a></li>
                <li><a href="/support" class=link>"Support"</a></li>
                <li><a href="/reviews" class=link>"Reviews"</a></li>
                <li><a href="/team" class=link>"Team"</a></li>
                {white_label.then(|| view! { <li><a href="/branding" class=link>"Branding"</a></li> })}
            })}
            {(user.role == Role::Customer).then(|| view! { <li><a href="/agents" class=link>"Agents"</a></li> })}
            {(partner && !has_org).then(|| view! { <li><a href="/application" class=link>"Application"</a></li> })}
            {admin.then(|| view! {
                <li><a href="/admin/users" class=link>"Users"</a></li>
                <li><a href="/admin/audit" class=link>"Audit log"</a></li>
                <li><a href="/admin/emails" class=link>"Failed emails"</a></li>
                <li><a href="/admin/onboarding-template" class=link>"Template"</a></li>
            })}
            <li><a href="/account" class=link>"Account"</a></li>
            <li class="ml-2 hidden max-w-64 truncate text-sm text-slate-500 sm:block" title=user.email.clone()>
                <span data-testid="whoami">{user.email.clone()}</span>
                " · "
                {role_label(user.role)}
            </li>
            <li>
                <ActionForm action=sign_out>
                    <button type="submit" class="rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-100">
                        "Sign out"
                    </button>
                </ActionForm>
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
