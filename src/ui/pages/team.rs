//! A partner organisation's people: owners invite colleagues and remove them.

use crate::api::partners::{get_team, InviteColleague, RemoveColleague};
use crate::ui::components::confirm::Confirm;
use crate::ui::components::form::{successes, Form, FormError, LastResult, Notice};
use crate::ui::components::invite::{InviteForm, InviteRole};
use crate::ui::components::loaded::Loaded;
use crate::ui::components::style::{TD_BOXED, TD_BOXED_NOWRAP};
use crate::ui::components::table::{DataTable, Head, TableLook};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_query_map};

/// The roles an owner gives a colleague they invite.
const TEAM_ROLES: InviteRole =
    InviteRole { id: "field-org-role", name: "org_role", options: &[("member", "Member"), ("owner", "Owner")] };

#[component]
pub fn TeamPage() -> impl IntoView {
    let location = use_location();
    let invite = ServerAction::<InviteColleague>::new();
    let remove = ServerAction::<RemoveColleague>::new();
    let remove_value: LastResult<()> = Signal::derive(move || remove.value().get());
    let sent = successes(invite);
    let team = Resource::new(move || (location.search.get(), sent.get(), remove.version().get()), |_| get_team());
    let query = use_query_map();
    let invited = move || query.read().get("invited");
    let removed = move || query.read().get("removed").is_some();
    view! {
        <Title text="Team"/>
        {move || invited().map(|e| view! { <Notice text=format!("Invitation sent to {e}.")/> })}
        {move || removed().then(|| view! { <Notice text="The colleague has been removed and signed out."/> })}
        <FormError value=remove_value/>
        <Loaded data=team let:t>
            {
                let manage = t.can_manage;
                let viewer = t.viewer_id;
                let rows = t.members.into_iter().map(|m| {
                    let removable = manage && m.id != viewer && !m.removed;
                    let label = format!("Remove {}", m.email);
                    let email_attr = m.email.clone();
                    let email = m.email.clone();
                    view! {
                        <tr data-email=email_attr>
                            <td class=TD_BOXED_NOWRAP>{m.display_name}</td>
                            <td class=TD_BOXED_NOWRAP>{m.email}</td>
                            <td class=TD_BOXED_NOWRAP>{m.org_role.as_str()}{m.removed.then_some(" (removed)")}</td>
                            {manage.then(|| view! {
                                <td class=TD_BOXED>
                                    {removable.then(|| view! {
                                        <Form action=remove anchored=false banner=false>
                                            <input type="hidden" name="user_id" value=m.id.to_string()/>
                                            <Confirm
                                                label="Remove"
                                                aria_label=label.clone()
                                                what=format!("Remove {email} from your team? They are signed out and can no longer see your organisation.")
                                                confirm="Remove from team"
                                            />
                                        </Form>
                                    })}
                                </td>
                            })}
                        </tr>
                    }
                }).collect_view();
                view! {
                    <h1 class="mb-1 text-2xl font-bold">"Team"</h1>
                    <p class="mb-4 text-sm text-slate-600">{t.organisation.clone()}</p>
                    <DataTable
                        look=TableLook::Boxed
                        margin="mb-6"
                        testid="team"
                        head=vec!["Name".into(), "Email".into(), "Role".into(), Head::quiet("Actions").when(manage)]
                        rows
                    />
                    {(!t.invitations.is_empty()).then(|| view! {
                        <h2 class="mb-2 text-lg font-semibold">"Pending invitations"</h2>
                        <ul class="mb-6 divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white text-sm" data-testid="team-invitations">
                            {t.invitations.into_iter().map(|i| view! { <li class="px-4 py-2">{i.display_name} " <" {i.email} ">"</li> }).collect_view()}
                        </ul>
                    })}
                    {manage.then(|| view! {
                        <section class="rounded-lg border border-slate-200 bg-white p-5" aria-labelledby="invite-colleague">
                            <h2 id="invite-colleague" class="mb-3 text-lg font-semibold">"Invite a colleague"</h2>
                            <InviteForm action=invite role=TEAM_ROLES submit="Send invitation"/>
                        </section>
                    })}
                }.into_any()
            }
        </Loaded>
    }
}
