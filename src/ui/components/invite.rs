//! The form that invites someone by email: administrators invite staff,
//! partner owners invite colleagues, white-label partners invite customers.
//! Every invitation server function takes `email` and `display_name`, and
//! some a role.

use crate::error::AppError;
use crate::ui::components::form::{field_error, Field, FieldMessage, Form, LastResult, Submit};
use leptos::prelude::*;
use leptos::server_fn::client::Client;
use leptos::server_fn::codec::PostUrl;
use leptos::server_fn::request::ClientReq;
use leptos::server_fn::{Http, ServerFn};
use serde::de::DeserializeOwned;

/// The role the invited person gets, chosen from a closed list.
#[derive(Clone, Copy, Debug)]
pub struct InviteRole {
    /// The select's id; its label reads "Role".
    pub id: &'static str,
    /// The server function's argument.
    pub name: &'static str,
    /// Value and label of each choice; the first is preselected.
    pub options: &'static [(&'static str, &'static str)],
}

#[component]
pub fn InviteForm<S, P>(
    action: ServerAction<S>,
    #[prop(default = "Email address")] email_label: &'static str,
    #[prop(default = "Name")] name_label: &'static str,
    #[prop(optional)] role: Option<InviteRole>,
    submit: &'static str,
    /// Hidden inputs sent along, such as the organisation staff act for.
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView
where
    // What `ActionForm` needs of a server function, for one that answers
    // nothing but may fail with the portal's error.
    S: DeserializeOwned
        + ServerFn<Protocol = Http<PostUrl, P>, Output = (), Error = AppError>
        + Clone
        + Send
        + Sync
        + 'static,
    S::Client: Client<AppError>,
    <<S::Client as Client<AppError>>::Request as ClientReq<AppError>>::FormData: From<leptos::web_sys::FormData>,
    P: 'static,
{
    let value: LastResult<()> = Signal::derive(move || action.value().get());
    view! {
        <Form action=action>
            {children.map(|c| c())}
            <div class="grid gap-x-4 sm:grid-cols-2 lg:grid-cols-4 lg:items-start">
                <Field label=email_label name="email" kind="email" autocomplete="off" error=field_error(value, "email")/>
                <Field label=name_label name="display_name" autocomplete="off" error=field_error(value, "display_name")/>
                {role.map(|r| view! {
                    <div class="mb-4">
                        <label for=r.id class="block text-sm font-medium text-slate-800">"Role"</label>
                        <select id=r.id name=r.name class="mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2">
                            {r.options.iter().enumerate().map(|(i, (value, label))| view! {
                                <option value=*value selected=i == 0>{*label}</option>
                            }).collect_view()}
                        </select>
                        <FieldMessage value field=r.name/>
                    </div>
                })}
                <div class="mb-4 lg:pt-6">
                    <Submit label=submit pending=action.pending()/>
                </div>
            </div>
        </Form>
    }
}
