use crate::api::admin::{audit_log, get_users_overview, ChangeRole, InviteUser, SetAccountDisabled};
use crate::domain::account::UserSummary;
use crate::domain::audit::describe;
use crate::domain::format::time_utc;
use crate::domain::role::Role;
use crate::error::AppError;
use crate::ui::components::form::{field_error, Field, FormError, Notice, Submit};
use crate::ui::components::layout::{Forbidden, SignInPrompt};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_query_map};

/// What to show instead of a page when loading its data failed.
fn access_problem(e: AppError) -> AnyView {
    match e {
        AppError::Unauthenticated => view! { <SignInPrompt/> }.into_any(),
        AppError::Forbidden => view! { <Forbidden/> }.into_any(),
        other => view! { <p role="alert" class="text-red-700">{other.to_string()}</p> }.into_any(),
    }
}

/// Row actions for an administrator: change a staff role, disable or
/// re-enable the account. The viewer's own row has none.
#[derive(Clone, Copy)]
pub struct ManageUsers {
    pub viewer_id: i64,
    pub change_role: ServerAction<ChangeRole>,
    pub set_disabled: ServerAction<SetAccountDisabled>,
}

#[component]
pub fn UsersTable(users: Vec<UserSummary>, #[prop(optional)] manage: Option<ManageUsers>) -> impl IntoView {
    view! {
        <div class="overflow-x-auto rounded-lg border border-slate-200 bg-white">
            <table class="min-w-full divide-y divide-slate-200 text-sm" data-testid="users">
                <thead class="bg-slate-50 text-left text-slate-600">
                    <tr>
                        <th scope="col" class="px-4 py-2 font-medium">"Name"</th>
                        <th scope="col" class="px-4 py-2 font-medium">"Email"</th>
                        <th scope="col" class="px-4 py-2 font-medium">"Role"</th>
                        <th scope="col" class="px-4 py-2 font-medium">"Organisation"</th>
                        <th scope="col" class="px-4 py-2 font-medium">"Since"</th>
                        {manage.map(|_| view! { <th scope="col" class="px-4 py-2 font-medium">"Manage"</th> })}
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100">
                    {users.into_iter().map(|u| {
                        let actions = manage.filter(|m| m.viewer_id != u.id).map(|m| view! { <td class="px-4 py-2"><UserActions user=u.clone() manage=m/></td> });
                        let own_row = manage.is_some_and(|m| m.viewer_id == u.id);
                        let email_attr = u.email.clone();
                        view! {
                        <tr data-email=email_attr>
                            <td class="whitespace-nowrap px-4 py-2">{u.display_name}</td>
                            <td class="whitespace-nowrap px-4 py-2">{u.email}</td>
                            <td class="whitespace-nowrap px-4 py-2">{u.role.label()}{u.disabled.then_some(" (disabled)")}</td>
                            <td class="px-4 py-2">{u.organisation.unwrap_or_else(|| "—".into())}</td>
                            <td class="px-4 py-2 whitespace-nowrap text-slate-500">{time_utc(u.created_at_ms)}</td>
                            {actions}
                            {own_row.then(|| view! { <td class="px-4 py-2 text-xs text-slate-500">"You"</td> })}
                        </tr>
                    }}).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn UserActions(user: UserSummary, manage: ManageUsers) -> impl IntoView {
    let id = user.id.to_string();
    let role_id = id.clone();
    let staff = user.role.is_staff();
    let button = "rounded-md border border-slate-300 px-2 py-1 text-xs font-medium text-slate-800 hover:bg-slate-100";
    view! {
        <div class="flex items-center gap-2 whitespace-nowrap">
            {staff.then(|| {
                let other = if user.role == Role::Admin { Role::Manager } else { Role::Admin };
                view! {
                    <ActionForm action=manage.change_role>
                        <input type="hidden" name="user_id" value=role_id.clone()/>
                        <input type="hidden" name="role" value=other.as_str()/>
                        <button type="submit" class=button>{format!("Make {}", other.label().to_lowercase())}</button>
                    </ActionForm>
                }
            })}
            <ActionForm action=manage.set_disabled>
                <input type="hidden" name="user_id" value=id/>
                <input type="hidden" name="disabled" value=(!user.disabled).to_string()/>
                <button type="submit" class=button>{if user.disabled { "Re-enable" } else { "Disable" }}</button>
            </ActionForm>
        </div>
    }
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let location = use_location();
    let action = ServerAction::<InviteUser>::new();
    let value = Signal::derive(move || action.value().get());
    let change_role = ServerAction::<ChangeRole>::new();
    let set_disabled = ServerAction::<SetAccountDisabled>::new();
    let role_value = Signal::derive(move || change_role.value().get());
    let disabled_value = Signal::derive(move || set_disabled.value().get());
    // Refetch after any of this page's actions, even when the redirect that
    // follows lands on the URL already shown.
    let overview = Resource::new(
        move || {
            (location.search.get(), action.version().get(), change_role.version().get(), set_disabled.version().get())
        },
        |_| get_users_overview(),
    );
    let query = use_query_map();
    let invited = move || query.read().get("invited");
    let updated = move || query.read().get("updated").is_some();
    view! {
        <Title text="Users"/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match overview.await {
                    Err(e) => access_problem(e),
                    Ok(o) => view! {
                        <h1 class="mb-6 text-2xl font-bold">"Users"</h1>
                        {move || updated().then(|| view! { <Notice text="The account has been updated."/> })}
                        <FormError value=role_value/>
                        <FormError value=disabled_value/>
                        <section class="mb-8 rounded-lg border border-slate-200 bg-white p-5" aria-labelledby="invite-heading">
                            <h2 id="invite-heading" class="mb-4 text-lg font-semibold">"Invite a colleague"</h2>
                            {move || invited().map(|e| view! { <Notice text=format!("Invitation sent to {e}.")/> })}
                            <FormError value/>
                            <ActionForm action=action>
                                <div class="grid gap-x-4 sm:grid-cols-2 lg:grid-cols-4 lg:items-start">
                                    <Field label="Email address" name="email" kind="email" autocomplete="off" error=field_error(value, "email")/>
                                    <Field label="Name" name="display_name" autocomplete="off" error=field_error(value, "display_name")/>
                                    <div class="mb-4">
                                        <label for="field-role" class="block text-sm font-medium text-slate-800">"Role"</label>
                                        <select id="field-role" name="role" class="mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2">
                                            <option value="manager" selected>"Partner manager"</option>
                                            <option value="admin">"Administrator"</option>
                                        </select>
                                        {move || field_error(value, "role").get().map(|e| view! { <p class="mt-1 text-sm text-red-700" role="alert">{e}</p> })}
                                    </div>
                                    <div class="mb-4 lg:pt-6">
                                        <Submit label="Send invitation" pending=action.pending()/>
                                    </div>
                                </div>
                            </ActionForm>
                        </section>
                        <UsersTable users=o.users manage=ManageUsers { viewer_id: o.viewer_id, change_role, set_disabled }/>
                        <h2 class="mb-3 mt-8 text-lg font-semibold">"Pending invitations"</h2>
                        {if o.invitations.is_empty() {
                            view! { <p class="text-sm text-slate-600">"No invitations are waiting."</p> }.into_any()
                        } else {
                            view! {
                                <ul class="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white text-sm" data-testid="invitations">
                                    {o.invitations.into_iter().map(|i| view! {
                                        <li class="px-4 py-2">
                                            <span class="font-medium">{i.display_name}</span> " <" {i.email} "> · " {i.role.label()}
                                            <span class="text-slate-500">" · invited by " {i.invited_by} ", expires " {time_utc(i.expires_at_ms)}</span>
                                        </li>
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let before = move || query.read().get("before").and_then(|b| b.parse::<i64>().ok());
    let page = Resource::new(before, audit_log);
    view! {
        <Title text="Audit log"/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match page.await {
                    Err(e) => access_problem(e),
                    Ok(p) => view! {
                        <h1 class="mb-6 text-2xl font-bold">"Audit log"</h1>
                        <div class="overflow-x-auto rounded-lg border border-slate-200 bg-white">
                            <table class="min-w-full divide-y divide-slate-200 text-sm" data-testid="audit">
                                <thead class="bg-slate-50 text-left text-slate-600">
                                    <tr>
                                        <th scope="col" class="px-4 py-2 font-medium">"When"</th>
                                        <th scope="col" class="px-4 py-2 font-medium">"Who"</th>
                                        <th scope="col" class="px-4 py-2 font-medium">"What"</th>
                                        <th scope="col" class="px-4 py-2 font-medium">"Subject"</th>
                                        <th scope="col" class="px-4 py-2 font-medium">"Details"</th>
                                        <th scope="col" class="px-4 py-2 font-medium">"From"</th>
                                    </tr>
                                </thead>
                                <tbody class="divide-y divide-slate-100">
                                    {p.entries.into_iter().map(|e| view! {
                                        <tr>
                                            <td class="whitespace-nowrap px-4 py-2 text-slate-500">{time_utc(e.at_ms)}</td>
                                            <td class="break-all px-4 py-2">{e.actor_email}</td>
                                            <td class="whitespace-nowrap px-4 py-2" title=e.action.clone()>{describe(&e.action)}</td>
                                            <td class="px-4 py-2">{e.subject}</td>
                                            <td class="max-w-xs break-all px-4 py-2 font-mono text-xs text-slate-600">{(e.detail != "{}").then_some(e.detail)}</td>
                                            <td class="px-4 py-2 text-slate-500">{e.client_ip}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        {p.older.map(|id| view! {
                            <p class="mt-4"><a class="text-brand underline" href=format!("/admin/audit?before={id}")>"Older entries"</a></p>
                        })}
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
