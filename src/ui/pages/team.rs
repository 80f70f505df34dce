//! A partner organisation's people: owners invite colleagues and remove them.

use crate::api::partners::{get_team, InviteColleague, RemoveColleague};
use crate::ui::components::form::{field_error, Field, FormError, LastResult, Notice, Submit};
use crate::ui::pages::review::access_problem;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_query_map};

#[component]
pub fn TeamPage() -> impl IntoView {
    let location = use_location();
    let invite = ServerAction::<InviteColleague>::new();
    let remove = ServerAction::<RemoveColleague>::new();
    let invite_value: LastResult<()> = Signal::derive(move || invite.value().get());
    let remove_value: LastResult<()> = Signal::derive(move || remove.value().get());
    let team =
        Resource::new(move || (location.search.get(), invite.version().get(), remove.version().get()), |_| get_team());
    let query = use_query_map();
    let invited = move || query.read().get("invited");
    let removed = move || query.read().get("removed").is_some();
    view! {
        <Title text="Team"/>
        {move || invited().map(|e| view! { <Notice text=format!("Invitation sent to {e}.")/> })}
        {move || removed().then(|| view! { <Notice text="The colleague has been removed and signed out."/> })}
        <FormError value=remove_value/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let t = match team.await {
                    Ok(t) => t,
                    Err(e) => return access_problem(e),
                };
                let manage = t.can_manage;
                let viewer = t.viewer_id;
                view! {
                    <h1 class="mb-1 text-2xl font-bold">"Team"</h1>
                    <p class="mb-4 text-sm text-slate-600">{t.organisation.clone()}</p>
                    <div class="mb-6 overflow-x-auto rounded-lg border border-slate-200 bg-white">
                        <table class="min-w-full divide-y divide-slate-200 text-sm" data-testid="team">
                            <thead class="bg-slate-50 text-left text-slate-600">
                                <tr>
                                    <th scope="col" class="px-4 py-2 font-medium">"Name"</th>
                                    <th scope="col" class="px-4 py-2 font-medium">"Email"</th>
                                    <th scope="col" class="px-4 py-2 font-medium">"Role"</th>
                                    {manage.then(|| view! { <th scope="col" class="px-4 py-2 font-medium"><span class="sr-only">"Actions"</span></th> })}
                                </tr>
                            </thead>
                            <tbody class="divide-y divide-slate-100">
                                {t.members.into_iter().map(|m| {
                                    let removable = manage && m.id != viewer && !m.removed;
                                    let label = format!("Remove {}", m.email);
                                    let email_attr = m.email.clone();
                                    view! {
                                        <tr data-email=email_attr>
                                            <td class="whitespace-nowrap px-4 py-2">{m.display_name}</td>
                                            <td class="whitespace-nowrap px-4 py-2">{m.email}</td>
                                            <td class="whitespace-nowrap px-4 py-2">{m.org_role.as_str()}{m.removed.then_some(" (removed)")}</td>
                                            {manage.then(|| view! {
                                                <td class="px-4 py-2">
                                                    {removable.then(|| view! {
                                                        <ActionForm action=remove>
                                                            <input type="hidden" name="user_id" value=m.id.to_string()/>
                                                            <button type="submit" class="rounded-md border border-red-300 px-2 py-1 text-xs font-medium text-red-800" aria-label=label>"Remove"</button>
                                                        </ActionForm>
                                                    })}
                                                </td>
                                            })}
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                    {(!t.invitations.is_empty()).then(|| view! {
                        <h2 class="mb-2 text-lg font-semibold">"Pending invitations"</h2>
                        <ul class="mb-6 divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white text-sm" data-testid="team-invitations">
                            {t.invitations.into_iter().map(|i| view! { <li class="px-4 py-2">{i.display_name} " <" {i.email} ">"</li> }).collect_view()}
                        </ul>
                    })}
                    {manage.then(|| view! {
                        <section class="rounded-lg border border-slate-200 bg-white p-5" aria-labelledby="invite-colleague">
                            <h2 id="invite-colleague" class="mb-3 text-lg font-semibold">"Invite a colleague"</h2>
                            <FormError value=invite_value/>
                            <ActionForm action=invite>
                                <div class="grid gap-x-4 sm:grid-cols-2 lg:grid-cols-4 lg:items-start">
                                    <Field label="Email address" name="email" kind="email" autocomplete="off" error=field_error(invite_value, "email")/>
                                    <Field label="Name" name="display_name" autocomplete="off" error=field_error(invite_value, "display_name")/>
                                    <div class="mb-4">
                                        <label for="field-org-role" class="block text-sm font-medium text-slate-800">"Role"</label>
                                        <select id="field-org-role" name="org_role" class="mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2">
                                            <option value="member" selected>"Member"</option>
                                            <option value="owner">"Owner"</option>
                                        </select>
                                    </div>
                                    <div class="mb-4 lg:pt-6"><Submit label="Send invitation" pending=invite.pending()/></div>
                                </div>
                            </ActionForm>
                        </section>
                    })}
                }.into_any()
            })}
        </Suspense>
    }
}
