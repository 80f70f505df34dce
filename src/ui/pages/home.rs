use crate::api::admin::{get_inbox, get_users_overview, InboxView};
use crate::api::certification::get_certification;
use crate::api::partners::{get_my_application, get_onboarding_plan, get_partner_home, PartnerHome};
use crate::domain::account::CurrentUser;
use crate::domain::application::ApplicationStatus;
use crate::domain::format::{count, thousands, waited};
use crate::domain::ledger::PayoutStatus;
use crate::domain::revenue::{format_money, format_totals};
use crate::domain::role::Role;
use crate::domain::support::format_duration;
use crate::error::AppError;
use crate::ui::pages::admin::UsersTable;
use crate::ui::pages::certification::CertificationCard;
use crate::ui::pages::onboarding::NextSteps;
use crate::ui::resources::UserResource;
use crate::views::certification::CertView;
use crate::views::partners::PlanView;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn HomePage() -> impl IntoView {
    let user = expect_context::<UserResource>();
    // A partner's cards read their data through resources made here, once,
    // outside the suspense below: made inside it, the server builds the
    // dashboard more than once while it waits for the user (once to find
    // what it reads, once to render) and each build read everything again.
    // Each asks the server only for whom it is: for anyone else it answers
    // "not found" itself and stays unread. (A server function refusing
    // while the page renders would set the page's status to its refusal
    // for a client that is not a browser.)
    let partner = move |u: &CurrentUser| u.role == Role::Partner && u.organisation.is_some();
    let cards = PartnerCards {
        certification: Resource::new(
            || (),
            move |_| async move {
                match user.await {
                    Ok(Some(u)) if partner(&u) => get_certification(None).await,
                    _ => Err(AppError::NotFound),
                }
            },
        ),
        plan: Resource::new(
            || (),
            move |_| async move {
                match user.await {
                    Ok(Some(u)) if partner(&u) => get_onboarding_plan(None).await,
                    _ => Err(AppError::NotFound),
                }
            },
        ),
        inbox: Resource::new(
            || (),
            move |_| async move {
                match user.await {
                    Ok(Some(u)) if u.role.is_staff() => get_inbox().await.map(Some),
                    _ => Ok(None),
                }
            },
        ),
        home: Resource::new(
            || (),
            move |_| async move {
                match user.await {
                    Ok(Some(u)) if partner(&u) && !u.is_applicant() => get_partner_home().await.map(Some),
                    _ => Ok(None),
                }
            },
        ),
    };
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(u)) => view! { <Dashboard user=u cards/> }.into_any(),
                    _ => view! { <Landing/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Landing() -> impl IntoView {
    let face = expect_context::<crate::ui::resources::BrandFaceResource>();
    view! {
        <Title text=""/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match face.await {
                    Ok(f) if !f.is_default => view! { <BrandLanding name=f.name/> }.into_any(),
                    _ => view! { <ProgramLanding/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// A white-label partner's domain: its customers sign in here.
#[component]
fn BrandLanding(name: String) -> impl IntoView {
    view! {
        <section class="mx-auto mt-10 max-w-2xl text-center">
            <h1 class="mb-4 text-3xl font-bold text-slate-900 sm:text-4xl">{name}</h1>
            <p class="mb-8 text-lg text-slate-600">"Sign in to see your account and your agents."</p>
            <a href="/login" class="inline-block rounded-md bg-brand px-6 py-3 font-semibold text-white shadow hover:opacity-90">"Sign in"</a>
        </section>
    }
}

#[component]
fn ProgramLanding() -> impl IntoView {
    view! {
        <section class="mx-auto mt-10 max-w-2xl text-center">
            <h1 class="mb-4 text-3xl font-bold text-slate-900 sm:text-4xl">"Partner Portal"</h1>
            <p class="mb-8 text-lg text-slate-600">
                "Apply to the partner program, walk your onboarding plan, certify your integration and follow your revenue share, all in one place."
            </p>
            <div class="flex justify-center gap-3">
                <a href="/apply" class="inline-block rounded-md bg-brand px-6 py-3 font-semibold text-white shadow hover:opacity-90">"Become a partner"</a>
                <a href="/login" class="inline-block rounded-md border border-slate-300 bg-white px-6 py-3 font-semibold text-slate-800 shadow-sm hover:bg-slate-50">"Sign in"</a>
            </div>
        </section>
    }
}

#[derive(Clone, Copy)]
struct PartnerCards {
    certification: Resource<Result<CertView, AppError>>,
    plan: Resource<Result<PlanView, AppError>>,
    inbox: Resource<Result<Option<InboxView>, AppError>>,
    home: Resource<Result<Option<PartnerHome>, AppError>>,
}

#[component]
fn Dashboard(user: CurrentUser, cards: PartnerCards) -> impl IntoView {
    let role = user.role;
    view! {
        <Title text="Home"/>
        <h1 class="mb-6 text-2xl font-bold">"Welcome, " {user.display_name.clone()}</h1>
        {role.is_staff().then(|| view! { <Inbox data=cards.inbox/> })}
        {(role == Role::Partner && user.organisation.is_some() && !user.is_applicant()).then(|| view! { <Earnings data=cards.home/> })}
        <div class="mb-8 grid gap-4 sm:grid-cols-2">
            <section class="rounded-lg border border-slate-200 bg-white p-5" aria-labelledby="you">
                <h2 id="you" class="mb-2 text-sm font-semibold uppercase tracking-wide text-slate-500">"You"</h2>
                <p class="font-medium">{user.display_name.clone()}</p>
                <p class="text-sm text-slate-600">{user.email.clone()}</p>
                <p class="mt-2 inline-block rounded bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-700" data-testid="role">{role.label()}</p>
            </section>
            <section class="rounded-lg border border-slate-200 bg-white p-5" aria-labelledby="org">
                <h2 id="org" class="mb-2 text-sm font-semibold uppercase tracking-wide text-slate-500">"Organisation"</h2>
                {match (&user.organisation, role) {
                    (Some(o), _) => view! {
                        <p class="font-medium">{o.name.clone()}</p>
                        <p class="text-sm text-slate-600">{format!("You are its {}.", o.org_role.as_str())}</p>
                    }.into_any(),
                    (None, Role::Admin | Role::Manager) => view! {
                        <p class="font-medium">{user.brand_name.clone()}</p>
                        <p class="text-sm text-slate-600">"Program staff"</p>
                    }.into_any(),
                    (None, Role::Customer) => view! {
                        <p class="font-medium" data-testid="customer-of">{user.brand_name.clone()}</p>
                        <p class="text-sm text-slate-600">"Your provider. Their support contact is at the foot of every page."</p>
                    }.into_any(),
                    (None, _) => view! { <p class="text-sm text-slate-600">"Not part of an organisation yet."</p> }.into_any(),
                }}
            </section>
        </div>
        {(role == Role::Partner && user.organisation.is_some()).then(|| view! { <CertificationCard data=cards.certification/> <NextSteps plan=cards.plan/> })}
        {user.is_applicant().then(|| view! { <ApplicantStatus/> })}
        {role.is_staff().then(|| view! {
            <p class="mb-8 text-sm">
                <a class="text-brand underline" href="/manager/applications">"Review applications"</a>" · "
                <a class="text-brand underline" href="/manager/partners">"Partners' onboarding progress"</a>
            </p>
        })}
        {(role == Role::Admin).then(|| view! { <AdminUsers/> })}
    }
}

/// Where an applicant's application stands, in words that fit it: waiting,
/// a question to answer (with the question), or the decision and its reason.
#[component]
fn ApplicantStatus() -> impl IntoView {
    let mine = Resource::new(|| (), |_| get_my_application());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let Ok(Some(app)) = mine.await else { return ().into_any() };
                let (tone, text): (&str, String) = match app.status {
                    ApplicationStatus::Submitted => ("border-slate-200 bg-white", "Your application is waiting for a partner manager's review.".to_owned()),
                    ApplicationStatus::InfoRequested => ("border-amber-300 bg-amber-50", format!(
                        "A partner manager asks: “{}” Answer on your application page to continue.",
                        app.info_question.clone().unwrap_or_default()
                    )),
                    ApplicationStatus::Rejected => ("border-red-300 bg-red-50", match &app.decision_reason {
                        Some(r) => format!("Your application was not accepted. The reason given: {r}"),
                        None => "Your application was not accepted.".to_owned(),
                    }),
                    ApplicationStatus::Approved => ("border-emerald-300 bg-emerald-50", "Your application is approved. Welcome aboard.".to_owned()),
                };
                let link = if app.status == ApplicationStatus::InfoRequested { "Answer the question" } else { "See your application" };
                view! {
                    <section class=format!("mb-8 rounded-lg border p-5 text-sm {tone}") aria-labelledby="application-heading" data-testid="applicant-status">
                        <h2 id="application-heading" class="mb-1 font-semibold">{format!("Application: {}", app.status.label())}</h2>
                        <p class="mb-2 whitespace-pre-wrap">{text}</p>
                        <a class="font-medium text-brand underline" href="/application">{link}</a>
                    </section>
                }.into_any()
            })}
        </Suspense>
    }
}

/// A partner's earnings at a glance, the next payout, and what needs them.
#[component]
fn Earnings(data: Resource<Result<Option<PartnerHome>, AppError>>) -> impl IntoView {
    let money = |list: &[crate::domain::revenue::Money]| format_totals(list, "Nothing yet");
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let Ok(Some(h)) = data.await else { return ().into_any() };
                let payout = match &h.next_payout {
                    Some(p) => {
                        let step = if p.status == PayoutStatus::Approved { "approved, being paid" } else { "waiting for approval" };
                        format!("{} for {}, {step}", format_money(p.amount), p.month.label())
                    }
                    None => "None waiting: payouts follow each month's closed statement.".to_owned(),
                };
                view! {
                    {(!h.alerts.is_empty()).then(|| view! {
                        <section class="mb-6 rounded-lg border border-red-300 bg-red-50 p-4" aria-labelledby="alerts-heading" data-testid="alerts">
                            <h2 id="alerts-heading" class="mb-2 font-semibold text-red-900">"Needs your attention"</h2>
                            <ul class="list-disc space-y-1 pl-5 text-sm text-red-900">
                                {h.alerts.iter().map(|a| view! { <li><a class="underline" href=a.href.clone()>{a.text.clone()}</a></li> }).collect_view()}
                            </ul>
                        </section>
                    })}
                    <section class="mb-6 grid gap-4 sm:grid-cols-3" aria-label="Earnings" data-testid="earnings">
                        <a href="/revenue" class="block rounded-lg border border-slate-200 bg-white p-4 hover:border-slate-400">
                            <span class="block text-sm text-slate-600">{format!("Earned in {}", h.month)}</span>
                            <span class="block text-xl font-bold tabular-nums" data-testid="month-earnings">{money(&h.month_to_date)}</span>
                        </a>
                        <a href="/revenue" class="block rounded-lg border border-slate-200 bg-white p-4 hover:border-slate-400">
                            <span class="block text-sm text-slate-600">{format!("Earned in {}", h.year)}</span>
                            <span class="block text-xl font-bold tabular-nums">{money(&h.year_to_date)}</span>
                        </a>
                        <a href="/revenue" class="block rounded-lg border border-slate-200 bg-white p-4 hover:border-slate-400">
                            <span class="block text-sm text-slate-600">"Next payout"</span>
                            <span class="block text-sm font-semibold" data-testid="next-payout">{payout}</span>
                        </a>
                    </section>
                }.into_any()
            })}
        </Suspense>
    }
}

/// Staff's work queue: a tile per queue with what waits and what is late,
/// each leading to its queue, then the work itself, late first.
#[component]
fn Inbox(data: Resource<Result<Option<InboxView>, AppError>>) -> impl IntoView {
    view! {
        <section class="mb-8" aria-labelledby="inbox-heading">
            <h2 id="inbox-heading" class="mb-3 text-lg font-semibold">"Waiting for you"</h2>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(Some(v)) => view! { <InboxBody v/> }.into_any(),
                        Ok(None) => ().into_any(),
                        Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn InboxBody(v: InboxView) -> impl IntoView {
    let now = v.now_ms;
    let tiles = v.lines.iter().map(|l| {
        let late = l.late > 0;
        let tile = if late {
            "block rounded-lg border border-red-300 bg-red-50 p-4 hover:border-red-500 focus:outline-none focus:ring-2 focus:ring-brand"
        } else {
            "block rounded-lg border border-slate-200 bg-white p-4 hover:border-slate-400 focus:outline-none focus:ring-2 focus:ring-brand"
        };
        let detail = match (l.waiting, l.late, l.oldest_ms) {
            (0, _, _) => "Nothing waiting".to_owned(),
            (_, 0, Some(t)) => format!("Oldest {}", waited(t, now)),
            (_, n, _) => format!("{} late", thousands(n as u64)),
        };
        view! {
            <li>
                <a href=l.queue.href() class=tile data-testid=format!("queue-{}", l.queue.key())>
                    <span class="block text-sm font-medium text-slate-700">{l.queue.label()}</span>
                    <span class="block text-3xl font-bold tabular-nums text-slate-900" data-testid="waiting">{l.waiting}</span>
                    <span class=if late { "block text-xs font-semibold text-red-800" } else { "block text-xs text-slate-600" }>{detail}</span>
                </a>
            </li>
        }
    }).collect_view();
    let items = v.items.iter().map(|i| {
        let late = i.is_late(now);
        let when = match (i.target_ms, late) {
            (Some(t), false) => format!("Respond within {}", format_duration(t - now)),
            (Some(t), true) => format!("Response overdue by {}", format_duration(now - t)),
            (None, _) => {
                let w = waited(i.waiting_since_ms, now);
                format!("{}{}", w[..1].to_uppercase(), &w[1..])
            }
        };
        view! {
            <li class="flex flex-wrap items-baseline justify-between gap-x-4 gap-y-1 px-4 py-3" data-testid="work-item">
                <div class="min-w-0">
                    <span class="mr-2 inline-block rounded bg-slate-100 px-1.5 py-0.5 text-xs font-medium text-slate-700">{i.queue.label()}</span>
                    <a class="font-medium text-brand underline" href=i.href.clone()>{i.organisation.clone()}</a>
                    <span class="block text-sm text-slate-700 sm:inline">{format!(" {}", i.title)}</span>
                </div>
                <span class=if late { "text-sm font-semibold text-red-800" } else { "text-sm text-slate-600" }>
                    {late.then_some("Late · ")}{when}
                </span>
            </li>
        }
    }).collect_view();
    let empty = v.items.is_empty();
    view! {
        <ul class="mb-4 grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-5" data-testid="inbox">{tiles}</ul>
        {if empty {
            view! { <p class="rounded-lg border border-slate-200 bg-white p-4 text-sm text-slate-700">"All clear: nothing waits for staff."</p> }.into_any()
        } else {
            view! {
                <ul class="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white" aria-label="Work waiting, late first">{items}</ul>
                {(v.more > 0).then(|| view! { <p class="mt-2 text-sm text-slate-600">{format!("and {} more in the queues above.", count(v.more, "item", "items"))}</p> })}
            }.into_any()
        }}
    }
}

#[component]
fn AdminUsers() -> impl IntoView {
    let overview = Resource::new(|| (), |_| get_users_overview(None, None, None, None));
    view! {
        <section aria-labelledby="users-heading">
            <div class="mb-3 flex items-center justify-between">
                <h2 id="users-heading" class="text-lg font-semibold">"Users"</h2>
                <a href="/admin/users" class="text-sm text-brand underline">"Invite and manage"</a>
            </div>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match overview.await {
                        Ok(o) => view! { <UsersTable users=o.users/> }.into_any(),
                        Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
