use crate::api::admin::{
    audit_log, get_failed_emails, get_users_overview, ChangeRole, InviteUser, ResendEmail, SetAccountDisabled,
};
use crate::domain::account::{UserSummary, USER_COLUMNS};
use crate::domain::audit::{describe, readable_detail, readable_subject, AREAS};
use crate::domain::listing::query as listing_query;
use crate::domain::role::Role;
use crate::ui::components::confirm::Confirm;
use crate::ui::components::form::{successes, Form, FormError, Notice};
use crate::ui::components::invite::{InviteForm, InviteRole};
use crate::ui::components::loaded::Loaded;
use crate::ui::components::pager::Pager as PageLinks;
use crate::ui::components::style::{INPUT, TD_BOXED, TD_BOXED_NOWRAP};
use crate::ui::components::table::{DataTable, Head, ListChoices, Pager, SearchBox, Sorting, TableLook};
use crate::ui::components::time::Time;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_query_map};

/// The roles an administrator gives a colleague they invite.
const STAFF_ROLES: InviteRole = InviteRole {
    id: "field-role",
    name: "role",
    options: &[("manager", "Partner manager"), ("admin", "Administrator")],
};

/// Row actions for an administrator: change a staff role, disable or
/// re-enable the account. The viewer's own row has none.
#[derive(Clone, Copy)]
pub struct ManageUsers {
    pub viewer_id: i64,
    pub change_role: ServerAction<ChangeRole>,
    pub set_disabled: ServerAction<SetAccountDisabled>,
}

#[component]
pub fn UsersTable(
    users: Vec<UserSummary>,
    #[prop(optional)] manage: Option<ManageUsers>,
    /// The order shown, for headers that change it (the full user list).
    #[prop(optional)]
    sorting: Option<Sorting>,
) -> impl IntoView {
    let rows = users
        .into_iter()
        .map(|u| {
            let actions = manage
                .filter(|m| m.viewer_id != u.id)
                .map(|m| view! { <td class=TD_BOXED><UserActions user=u.clone() manage=m/></td> });
            let own_row = manage.is_some_and(|m| m.viewer_id == u.id);
            let email_attr = u.email.clone();
            view! {
                <tr data-email=email_attr>
                    <td class=TD_BOXED_NOWRAP>{u.display_name}</td>
                    <td class=TD_BOXED_NOWRAP>{u.email}</td>
                    <td class=TD_BOXED_NOWRAP>{u.role.label()}{u.disabled.then_some(" (disabled)")}</td>
                    <td class=TD_BOXED>{u.organisation.unwrap_or_else(|| "—".into())}</td>
                    <td class="px-4 py-2 whitespace-nowrap text-slate-500"><Time ms=u.created_at_ms/></td>
                    {actions}
                    {own_row.then(|| view! { <td class="px-4 py-2 text-xs text-slate-500">"You"</td> })}
                </tr>
            }
        })
        .collect::<Vec<_>>();
    let [email, name, role, organisation, since] = USER_COLUMNS;
    view! {
        <DataTable
            look=TableLook::Boxed
            testid="users"
            sorting
            head=vec![
                Head::from("Name").sorts(name),
                Head::from("Email").sorts(email),
                Head::from("Role").sorts(role),
                Head::from("Organisation").sorts(organisation),
                Head::from("Since").sorts(since),
                Head::from("Manage").when(manage.is_some()),
            ]
            rows
        />
    }
}

#[component]
fn UserActions(user: UserSummary, manage: ManageUsers) -> impl IntoView {
    // The list's search, order and page, so the change returns there.
    let list = use_location().search.get_untracked();
    let role_list = list.clone();
    let id = user.id.to_string();
    let role_id = id.clone();
    let staff = user.role.is_staff();
    let button = "rounded-md border border-slate-300 px-2 py-1 text-xs font-medium text-slate-800 hover:bg-slate-100";
    view! {
        <div class="flex items-center gap-2 whitespace-nowrap">
            {staff.then(|| {
                let other = if user.role == Role::Admin { Role::Manager } else { Role::Admin };
                view! {
                    <Form action=manage.change_role anchored=false banner=false>
                        <input type="hidden" name="user_id" value=role_id.clone()/>
                        <input type="hidden" name="role" value=other.as_str()/>
                        <input type="hidden" name="list" value=role_list.clone()/>
                        <button type="submit" class=button>{format!("Make {}", other.label().to_lowercase())}</button>
                    </Form>
                }
            })}
            <Form action=manage.set_disabled anchored=false banner=false>
                <input type="hidden" name="user_id" value=id/>
                <input type="hidden" name="disabled" value=(!user.disabled).to_string()/>
                <input type="hidden" name="list" value=list.clone()/>
                {if user.disabled {
                    view! { <button type="submit" class=button>"Re-enable"</button> }.into_any()
                } else {
                    view! {
                        <Confirm
                            label="Disable"
                            what=format!("Disable {}? They are signed out at once and cannot sign in until re-enabled.", user.email)
                            confirm="Disable account"
                            class=button
                        />
                    }
                    .into_any()
                }}
            </Form>
        </div>
    }
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let location = use_location();
    let action = ServerAction::<InviteUser>::new();
    let change_role = ServerAction::<ChangeRole>::new();
    let set_disabled = ServerAction::<SetAccountDisabled>::new();
    let role_value = Signal::derive(move || change_role.value().get());
    let disabled_value = Signal::derive(move || set_disabled.value().get());
    // Refetch after any of this page's actions, even when the redirect that
    // follows lands on the URL already shown.
    let sent = successes(action);
    let query = use_query_map();
    let param = move |k: &str| query.read().get(k);
    let overview = Resource::new(
        move || {
            let list = (param("sort"), param("dir"), param("q"), param("page").and_then(|p| p.parse::<usize>().ok()));
            (list, location.search.get(), sent.get(), change_role.version().get(), set_disabled.version().get())
        },
        |((sort, dir, q, page), ..)| get_users_overview(sort, dir, q, page),
    );
    let invited = move || query.read().get("invited");
    let updated = move || query.read().get("updated").is_some();
    view! {
        <Title text="Users"/>
        <Loaded data=overview let:o>
            <h1 class="mb-6 text-2xl font-bold">"Users"</h1>
            {move || updated().then(|| view! { <Notice text="The account has been updated."/> })}
            <FormError value=role_value/>
            <FormError value=disabled_value/>
            <section class="mb-8 rounded-lg border border-slate-200 bg-white p-5" aria-labelledby="invite-heading">
                <h2 id="invite-heading" class="mb-4 text-lg font-semibold">"Invite a colleague"</h2>
                {move || invited().map(|e| view! { <Notice text=format!("Invitation sent to {e}.")/> })}
                <InviteForm action role=STAFF_ROLES submit="Send invitation"/>
            </section>
            <h2 class="mb-3 text-lg font-semibold">"People"</h2>
            {
                let list = ListChoices::new(&o.order, o.search.as_ref());
                let (sorting, keep, clear, pager_query) =
                    (list.sorting(), list.search_keep(), list.clear(), list.pager_query());
                let search = list.search;
                view! {
                    <SearchBox label="Search by name, email or organisation" value=o.search.clone() keep clear/>
                    {if o.users.is_empty() {
                        view! { <p class="mb-4 text-slate-600" data-testid="users-empty">{format!("Nobody’s name, email or organisation contains “{search}”.")}</p> }.into_any()
                    } else {
                        view! { <UsersTable users=o.users manage=ManageUsers { viewer_id: o.viewer_id, change_role, set_disabled } sorting/> }.into_any()
                    }}
                    <PageLinks page=o.page pages=o.pages count=o.total what="accounts" query=pager_query/>
                }
            }
            <h2 class="mb-3 mt-8 text-lg font-semibold">"Pending invitations"</h2>
            {if o.invitations.is_empty() {
                view! { <p class="text-sm text-slate-600">"No invitations are waiting."</p> }.into_any()
            } else {
                view! {
                    <ul class="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white text-sm" data-testid="invitations">
                        {o.invitations.into_iter().map(|i| view! {
                            <li class="px-4 py-2">
                                <span class="font-medium">{i.display_name}</span> " <" {i.email} "> · " {i.role.label()}
                                <span class="text-slate-500">" · invited by " {i.invited_by} ", expires " <Time ms=i.expires_at_ms/></span>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </Loaded>
    }
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |k: &str| query.read().get(k);
    let before = move || param("before").and_then(|b| b.parse::<i64>().ok());
    let org = move || param("org").and_then(|o| o.parse::<i64>().ok());
    let page =
        Resource::new(move || (before(), param("area"), param("q"), org()), |(b, a, q, o)| audit_log(b, a, q, o));
    view! {
        <Title text="Audit log"/>
        <Loaded data=page let:p>
            <h1 class="mb-6 text-2xl font-bold">{if p.organisation_id.is_some() { "Audit log of this partner" } else { "Audit log" }}</h1>
            {
                let area = p.area.clone().unwrap_or_default();
                let search = p.search.clone().unwrap_or_default();
                let org = p.organisation_id.map(|o| o.to_string()).unwrap_or_default();
                let older = p.older.map(|id| {
                    let pairs = [("org", org.as_str()), ("area", &area), ("q", &search), ("before", &id.to_string())];
                    format!("/admin/audit?{}", listing_query(&pairs))
                });
                let clear = if org.is_empty() { "/admin/audit".to_owned() } else { format!("/admin/audit?org={org}") };
                let keep = vec![("org", org.clone())];
                let filtered = p.area.is_some() || p.search.is_some();
                let rows = p.entries.into_iter().map(|e| view! {
                            <tr>
                                <td class="whitespace-nowrap px-4 py-2 text-slate-500"><Time ms=e.at_ms/></td>
                                <td class="break-all px-4 py-2">{e.actor_email}</td>
                                <td class=TD_BOXED_NOWRAP title=e.action.clone()>{describe(&e.action)}</td>
                                <td class=TD_BOXED>{match readable_subject(&e.subject) {
                                    (label, Some(href)) => view! { <a class="text-brand underline" href=href title=e.subject.clone()>{label}</a> }.into_any(),
                                    (label, None) => view! { <span title=e.subject.clone()>{label}</span> }.into_any(),
                                }}</td>
                                <td class="max-w-sm px-4 py-2 text-xs text-slate-700">
                                    <dl class="grid grid-cols-[auto_1fr] gap-x-2">
                                        {readable_detail(&e.detail).into_iter().map(|(k, v)| view! {
                                            <dt class="font-semibold">{k}</dt>
                                            <dd class="break-all">{v}</dd>
                                        }).collect_view()}
                                    </dl>
                                </td>
                                <td class="px-4 py-2 text-slate-500">{e.client_ip}</td>
                            </tr>
                        }).collect::<Vec<_>>();
                view! {
                    <SearchBox label="Search by who, what or subject" value=p.search.clone() keep clear filtered=p.area.is_some()>
                        <div>
                            <label for="audit-area" class="block text-sm font-medium">"Area"</label>
                            <select id="audit-area" name="area" class=format!("{INPUT} h-[2.625rem]")>
                                <option value="">"All areas"</option>
                                {AREAS.iter().map(|(key, label)| view! { <option value=*key selected=area == *key>{*label}</option> }).collect_view()}
                            </select>
                        </div>
                    </SearchBox>
                    <DataTable
                        look=TableLook::Boxed
                        testid="audit"
                        empty=filtered.then_some("No entries match: try another area or fewer words.")
                        head=vec!["When".into(), "Who".into(), "What".into(), "Subject".into(), "Details".into(), "From".into()]
                        rows
                        pager=Pager { older, newer: None }
                    />
                }
            }
        </Loaded>
    }
}

/// Emails the outbox gave up on after its delivery window, with what went
/// wrong last, and a way to send each again.
#[component]
pub fn FailedEmailsPage() -> impl IntoView {
    let location = use_location();
    let resend = ServerAction::<ResendEmail>::new();
    let resend_value = Signal::derive(move || resend.value().get());
    let emails = Resource::new(move || (location.search.get(), resend.version().get()), |_| get_failed_emails());
    let query = use_query_map();
    let resent = move || query.read().get("resent").is_some();
    view! {
        <Title text="Failed emails"/>
        <Loaded data=emails let:list>
            <h1 class="mb-2 text-2xl font-bold">"Failed emails"</h1>
            <p class="mb-6 max-w-2xl text-sm text-slate-600">
                "The outbox retries an email with growing pauses and gives up after its delivery window. \
                 These are the ones it gave up on. Fix what the last error points at (often the SMTP settings), \
                 then send them again."
            </p>
            {move || resent().then(|| view! { <Notice text="The email is queued again."/> })}
            <FormError value=resend_value/>
            <DataTable
                look=TableLook::Boxed
                testid="failed-emails"
                empty="No email has failed."
                head=vec!["To".into(), "Subject".into(), "Tries".into(), "Last error".into(), "Given up".into(), Head::quiet("Action")]
                rows=list.into_iter().map(|m| {
                    let id = m.id.to_string();
                    let label = format!("Send again to {}", m.to);
                    view! {
                        <tr>
                            <td class=TD_BOXED_NOWRAP>{m.to}</td>
                            <td class=TD_BOXED>{m.subject}</td>
                            <td class=TD_BOXED_NOWRAP>{m.attempts}</td>
                            <td class="max-w-xs px-4 py-2 text-xs text-slate-600">{m.last_error}</td>
                            <td class="whitespace-nowrap px-4 py-2 text-slate-500"><Time ms=m.failed_at_ms/></td>
                            <td class=TD_BOXED>
                                <Form action=resend anchored=false banner=false>
                                    <input type="hidden" name="id" value=id/>
                                    <button type="submit" class="rounded-md border border-slate-300 px-2 py-1 text-xs font-medium text-slate-800 hover:bg-slate-100" aria-label=label>"Send again"</button>
                                </Form>
                            </td>
                        </tr>
                    }
                }).collect_view()
            />
        </Loaded>
    }
}
