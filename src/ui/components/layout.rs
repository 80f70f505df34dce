//! The page frame: header with navigation by role, the main area, footer.

use crate::api::auth::SignOut;
use crate::domain::account::CurrentUser;
use crate::domain::navigation::{leads_to, menu, NavGroup};
use crate::domain::role::Role;
use crate::ui::components::form::Form;
use crate::ui::resources::UserResource;
use leptos::prelude::*;

#[component]
pub fn Header() -> impl IntoView {
    let user = expect_context::<UserResource>();
    let face = expect_context::<crate::ui::resources::BrandFaceResource>();
    view! {
        <header class="border-b border-slate-200 bg-white print:hidden">
            <nav class="mx-auto flex max-w-6xl items-center gap-3 px-4 py-3" aria-label="Main">
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
                                <div class="flex flex-wrap justify-end gap-1">
                                    <Transition fallback=|| ()>
                                        {move || Suspend::new(async move {
                                            face.await.ok().filter(|f| f.is_default).map(|_| view! {
                                                <a href="/marketplace" class="rounded-md px-3 py-2 text-sm font-medium text-slate-700 hover:bg-slate-100">"Partner directory"</a>
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

/// A link of the main navigation. The one for the page shown says so to
/// screen readers (`aria-current`) and to the eye with more than colour: a
/// filled background, heavier type and an underline.
#[component]
fn NavItem(href: String, label: &'static str, #[prop(optional)] menu: bool) -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    let target = href.clone();
    let current = Memo::new(move |_| leads_to(&target, &location.pathname.get()));
    let (plain, lit) = if menu { (MENU_LINK, MENU_CURRENT) } else { (NAV_LINK, NAV_CURRENT) };
    view! {
        <li>
            <a href=href class=move || if current.get() { lit } else { plain } aria-current=move || current.get().then_some("page")>
                {label}
            </a>
        </li>
    }
}

const NAV_LINK: &str = "block rounded-md px-3 py-2 text-sm font-medium text-slate-700 hover:bg-slate-100";
const NAV_CURRENT: &str = "block rounded-md bg-slate-100 px-3 py-2 text-sm font-semibold text-slate-900 underline \
                           decoration-2 underline-offset-4";
const MENU_LINK: &str = "block whitespace-nowrap px-4 py-2 text-sm text-slate-700 hover:bg-slate-100";
const MENU_CURRENT: &str = "block whitespace-nowrap bg-slate-100 px-4 py-2 text-sm font-semibold text-slate-900 \
                            underline decoration-2 underline-offset-4";

/// One task's pages behind a disclosure (`<details>`), which opens and
/// closes without JavaScript and by keyboard. The group of the page shown
/// is marked like a current link.
#[component]
fn NavMenu(group: NavGroup, path: String) -> impl IntoView {
    let here = group.holds(&path);
    view! {
        <li>
            <details class="group relative">
                <summary
                    class=format!("{} flex cursor-pointer list-none items-center gap-1", if here { NAV_CURRENT } else { NAV_LINK })
                    aria-current=here.then_some("true")
                >
                    {group.label}
                    <span aria-hidden="true" class="text-xs transition-transform group-open:rotate-180">"▾"</span>
                </summary>
                <ul class="absolute left-0 z-30 mt-1 min-w-52 rounded-md border border-slate-200 bg-white py-1 shadow-lg">
                    {group.links.into_iter().map(|l| view! { <NavItem href=l.href label=l.label menu=true/> }).collect_view()}
                </ul>
            </details>
        </li>
    }
}

#[component]
fn SignedInNav(user: CurrentUser) -> impl IntoView {
    let sign_out = ServerAction::<SignOut>::new();
    let location = leptos_router::hooks::use_location();
    let groups = menu(&user);
    // Drawn again on every navigation, so an open menu closes once its
    // link has been followed (a page load closes it without JavaScript).
    let desktop = {
        let groups = groups.clone();
        move || {
            let path = location.pathname.get();
            groups.iter().cloned().map(|g| view! { <NavMenu group=g path=path.clone()/> }).collect_view()
        }
    };
    let phone = move || {
        let _ = location.pathname.get();
        let groups = groups.clone();
        view! {
            <details class="relative md:hidden" data-testid="phone-menu">
                <summary class="flex cursor-pointer list-none items-center gap-1 rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium text-slate-800">
                    "Menu" <span aria-hidden="true">"☰"</span>
                </summary>
                <div class="absolute right-0 z-30 mt-2 w-72 max-w-[calc(100vw-2rem)] rounded-md border border-slate-200 bg-white py-2 shadow-lg">
                    <ul><NavItem href="/".to_owned() label="Home" menu=true/></ul>
                    {groups.into_iter().map(|g| view! {
                        <p class="mt-2 px-4 text-xs font-semibold uppercase tracking-wide text-slate-600">{g.label}</p>
                        <ul>{g.links.into_iter().map(|l| view! { <NavItem href=l.href label=l.label menu=true/> }).collect_view()}</ul>
                    }).collect_view()}
                    <ul class="mt-2 border-t border-slate-100 pt-2"><NavItem href="/account".to_owned() label="Account" menu=true/></ul>
                </div>
            </details>
        }
    };
    view! {
        <ul class="hidden flex-1 items-center gap-1 md:flex">
            <NavItem href="/".to_owned() label="Home"/>
            {desktop}
        </ul>
        <div class="ml-auto flex items-center gap-2">
            <span class="hidden max-w-64 truncate text-sm text-slate-600 xl:block" title=user.email.clone()>
                <span data-testid="whoami">{user.email.clone()}</span>
                " · "
                {role_label(user.role)}
            </span>
            <ul class="hidden md:block"><NavItem href="/account".to_owned() label="Account"/></ul>
            {phone}
            <Form action=sign_out anchored=false banner=false>
                <button type="submit" class="rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-100">
                    "Sign out"
                </button>
            </Form>
        </div>
    }
}

pub fn role_label(role: Role) -> &'static str {
    role.label()
}

#[component]
pub fn Footer() -> impl IntoView {
    let face = expect_context::<crate::ui::resources::BrandFaceResource>();
    view! {
        <footer class="mx-auto max-w-6xl px-4 py-8 text-center text-xs text-slate-500 print:hidden">
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
    // The query too: a page such as the consent screen is its query.
    let next = move || {
        let (path, search) = (location.pathname.get(), location.search.get());
        let whole = if search.is_empty() { path } else { format!("{path}?{search}") };
        format!("/login?next={}", js_free_encode(&whole))
    };
    view! {
        <div class="mx-auto mt-8 max-w-md rounded-lg border border-slate-200 bg-white p-6 text-center shadow-sm">
            <p class="mb-4 text-slate-700">"Please sign in to see this page."</p>
            // A full page load (the router leaves `rel="external"` links to
            // the browser): the sign-in page starts a session, and the way
            // there must not depend on this page having hydrated.
            <a href=next rel="external" class="inline-block rounded-md bg-brand px-4 py-2 font-semibold text-white">"Sign in"</a>
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
