//! /developers/apps: the partner's OAuth apps. An app gets access tokens
//! instead of holding an API key: by client credentials (a server of the
//! partner's) or by the authorization code with PKCE (an app an owner
//! allows on the consent screen).

use super::shared::{hidden_org, org_param, DevHeader, ScopeChoices};
use crate::api::oauth::{get_oauth_apps, OAuthAppsView, OAuthClientView, RegisterOauthApp, RevokeOauthApp};
use crate::domain::integration::Scope;
use crate::domain::oauth::ClientKind;
use crate::ui::components::card::Card;
use crate::ui::components::confirm::Confirm;
use crate::ui::components::form::{
    drafted, drafted_choice, invalid_when, FieldMessage, Form, FormError, LastResult, Notice,
};
use crate::ui::components::loaded::Loaded;
use crate::ui::components::style::{BUTTON, INPUT, TD_RULED};
use crate::ui::components::table::{DataTable, Head, TableLook};
use crate::ui::components::time::Time;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_query_map};

#[component]
pub fn OAuthAppsPage() -> impl IntoView {
    let location = use_location();
    let register = ServerAction::<RegisterOauthApp>::new();
    let revoke = ServerAction::<RevokeOauthApp>::new();
    // Only the address: a second load would find the shown-once secret taken.
    let data = Resource::new(move || location.search.get(), |_| get_oauth_apps(org_param()));
    view! {
        <Title text="OAuth apps"/>
        <DevHeader current="/developers/apps"/>
        <Loaded data let:v>
            <Apps v register revoke/>
        </Loaded>
    }
}

#[component]
fn Apps(
    v: OAuthAppsView,
    register: ServerAction<RegisterOauthApp>,
    revoke: ServerAction<RevokeOauthApp>,
) -> impl IntoView {
    let query = use_query_map();
    let org = org_param();
    let register_value: LastResult<()> = Signal::derive(move || register.value().get());
    let revoke_value: LastResult<()> = Signal::derive(move || revoke.value().get());
    let notice = move || {
        let q = query.read();
        if q.get("registered").is_some() {
            Some("App registered.")
        } else if q.get("revoked").is_some() {
            Some("App revoked. Its tokens stopped working at once.")
        } else {
            None
        }
    };
    let can_manage = v.can_manage;
    let issuer = v.issuer.clone();
    let redirects_described = invalid_when(register_value, "redirect_uris").1;
    let rows = v.clients.iter().cloned().map(|c| view! { <AppRow c org can_manage revoke/> }).collect_view();
    view! {
        <p class="mb-4 text-sm text-slate-600">
            {v.organisation.clone()} " · OAuth apps get short-lived access tokens for " <code>"/api/v1"</code>
            " with the same scopes and limits as keys. Use a key for your own scripts, client credentials for a server of yours, and the authorization code for an app people sign in to."
        </p>
        {move || notice().map(|t| view! { <Notice text=t/> })}
        {v.new_client.clone().map(|(id, secret)| view! {
            <section class="mb-6 rounded-lg border border-amber-300 bg-amber-50 p-5" aria-labelledby="new-app-title">
                <h2 id="new-app-title" class="font-semibold">"Your new app"</h2>
                <p class="mb-2 text-sm">"Client id:"</p>
                <code class="mb-3 block break-all rounded bg-white p-3 font-mono text-sm" data-testid="new-client-id">{id}</code>
                {secret.map(|s| view! {
                    <p class="mb-2 text-sm">"Client secret: copy it now. It is shown only this once; we keep only a hash of it."</p>
                    <code class="block break-all rounded bg-white p-3 font-mono text-sm" data-testid="new-client-secret">{s}</code>
                })}
            </section>
        })}
        <Card title="Apps" id="apps" margin="mb-6">
            <FormError value=revoke_value/>
            <DataTable
                look=TableLook::Ruled
                testid="apps"
                stacked=true
                empty="No apps yet."
                head=vec![
                    "Name".into(), "Client id".into(), "Type".into(), "Environment".into(), "Scopes".into(),
                    "Redirect addresses".into(), "Last used".into(), "Status".into(), Head::from("Actions").when(can_manage),
                ]
                rows
            />
        </Card>
        <div class="mb-6 grid gap-4 lg:grid-cols-2">
            {can_manage.then(|| view! {
                <Card title="Register an app" id="new-app">
                    <Form action=register>
                        {hidden_org(org)}
                        <div class="grid gap-3 sm:grid-cols-2">
                            <div>
                                <label for="app-name" class="block text-sm font-medium">"Name"</label>
                                <input id="app-name" name="name" class=INPUT placeholder="Billing sync" required value=drafted("name")
                                    aria-invalid=invalid_when(register_value, "name").0 aria-describedby=invalid_when(register_value, "name").1 autofocus=invalid_when(register_value, "name").2/>
                                <FieldMessage value=register_value field="name"/>
                            </div>
                            <div>
                                <label for="app-env" class="block text-sm font-medium">"Environment"</label>
                                <select id="app-env" name="environment" class=INPUT>
                                    <option value="sandbox">"Sandbox"</option>
                                    <option value="production" selected=drafted("environment").as_deref() == Some("production")>"Production"</option>
                                </select>
                                {v.production_refusal.clone().map(|m| view! { <p class="mt-1 text-xs text-slate-500">{m}</p> })}
                                <FieldMessage value=register_value field="environment"/>
                            </div>
                        </div>
                        <fieldset class="mt-3">
                            <legend class="text-sm font-medium">"Type"</legend>
                            {ClientKind::ALL.iter().map(|k| {
                                let checked = drafted("kind").map_or(*k == ClientKind::Confidential, |d| d == k.key());
                                view! {
                                    <label class="mt-1 flex items-center gap-2 text-sm">
                                        <input type="radio" name="kind" value=k.key() checked=checked/>
                                        {k.label()}
                                    </label>
                                }
                            }).collect_view()}
                            <FieldMessage value=register_value field="kind"/>
                        </fieldset>
                        <label class="mt-3 flex items-start gap-2 text-sm">
                            <input type="checkbox" class="mt-1" name="cert_bound" value="on" checked=drafted_choice("cert_bound", "on").unwrap_or(false)/>
                            <span>"Bind its tokens to the app's TLS client certificate (mutual TLS through the portal's proxy, RFC 8705)"</span>
                        </label>
                        <div class="mt-3">
                            <label for="app-redirects" class="block text-sm font-medium">"Redirect addresses"</label>
                            <p id="app-redirects-help" class="text-xs text-slate-600">"One per line, matched exactly; https://, or http:// on 127.0.0.1 or localhost. Leave empty for a server that only uses client credentials."</p>
                            <textarea id="app-redirects" name="redirect_uris" rows="3" class=format!("{INPUT} font-mono text-xs")
                                placeholder="https://app.example.com/oauth/callback"
                                aria-invalid=invalid_when(register_value, "redirect_uris").0
                                aria-describedby=move || redirects_described().unwrap_or_else(|| "app-redirects-help".into())
                                autofocus=invalid_when(register_value, "redirect_uris").2
                            >{drafted("redirect_uris")}</textarea>
                            <FieldMessage value=register_value field="redirect_uris"/>
                        </div>
                        <ScopeChoices legend="Scopes the app may ask for" value=register_value default_on=|s| s == Scope::AgentsRead/>
                        <button type="submit" class=format!("{BUTTON} mt-4")>"Register app"</button>
                    </Form>
                </Card>
            })}
            <Card title="Endpoints" id="endpoints">
                <dl class="grid gap-1 text-sm">
                    <dt class="font-medium">"Server metadata (RFC 8414)"</dt>
                    <dd class="break-all font-mono text-xs">{format!("{issuer}/.well-known/oauth-authorization-server")}</dd>
                    <dt class="font-medium">"Authorization"</dt>
                    <dd class="break-all font-mono text-xs">{format!("{issuer}/oauth/authorize")}</dd>
                    <dt class="font-medium">"Token"</dt>
                    <dd class="break-all font-mono text-xs">{format!("{issuer}/oauth/token")}</dd>
                    <dt class="font-medium">"Signing keys (JWKS)"</dt>
                    <dd class="break-all font-mono text-xs">{format!("{issuer}/.well-known/jwks.json")}</dd>
                </dl>
                <p class="mt-3 text-sm text-slate-600">
                    "Access tokens last 10 minutes. Refresh tokens last 30 days and change on every use; a refresh token used twice ends the whole grant, as someone else holds a copy. The authorization code grant needs PKCE with S256."
                </p>
                <pre class="mt-3 overflow-x-auto rounded bg-slate-900 p-3 text-xs text-slate-100"><code>{format!("curl -u \"$CLIENT_ID:$CLIENT_SECRET\" \\\n  -d grant_type=client_credentials \\\n  {issuer}/oauth/token")}</code></pre>
            </Card>
        </div>
    }
}

#[component]
fn AppRow(
    c: OAuthClientView,
    org: Option<i64>,
    can_manage: bool,
    revoke: ServerAction<RevokeOauthApp>,
) -> impl IntoView {
    let live = c.revoked_at_ms.is_none();
    let id = c.id.to_string();
    let revoke_what = format!(
        "Revoke “{}”? Every token it holds stops working at once, and a revoked app cannot be restored.",
        c.name
    );
    let revoke_name = format!("Revoke {}", c.name);
    view! {
        <tr class="border-b border-slate-100" data-testid="app-row">
            <td class=TD_RULED>{c.name.clone()}</td>
            <td class=format!("{TD_RULED} break-all font-mono text-xs")>{cell("Client id")}{c.client_id.clone()}</td>
            <td class=TD_RULED>{cell("Type")}{match c.kind { ClientKind::Confidential => "Confidential", ClientKind::Public => "Public" }}
                {c.cert_bound.then(|| view! { <br/><span class="text-xs text-slate-600">"Certificate-bound"</span> })}
            </td>
            <td class=TD_RULED>{cell("Environment")}{c.environment.label()}</td>
            <td class=format!("{TD_RULED} text-xs")>{cell("Scopes")}{c.scopes.iter().map(|s| s.key()).collect::<Vec<_>>().join(", ")}</td>
            <td class=format!("{TD_RULED} whitespace-pre-line break-all font-mono text-xs")>{cell("Redirect addresses")}
                {if c.redirect_uris.is_empty() { "None (client credentials only)".to_owned() } else { c.redirect_uris.join("\n") }}
            </td>
            <td class=format!("{TD_RULED} text-xs")>{cell("Last used")}{match c.last_used_at_ms { Some(t) => view! { <Time ms=t/> }.into_any(), None => "Never".into_any() }}</td>
            <td class=TD_RULED data-testid="app-status">{cell("Status")}{if live { "Active" } else { "Revoked" }}</td>
            {can_manage.then(|| view! {
                <td class=TD_RULED>
                    {live.then(|| view! {
                        <Form action=revoke anchored=false banner=false>
                            {hidden_org(org)}
                            <input type="hidden" name="id" value=id.clone()/>
                            <Confirm label="Revoke" what=revoke_what.clone() confirm="Revoke app" aria_label=revoke_name.clone()/>
                        </Form>
                    })}
                </td>
            })}
        </tr>
    }
}

/// A cell's name, shown only when the table stacks on a phone.
fn cell(name: &'static str) -> impl IntoView {
    view! { <span class="text-xs font-medium text-slate-600 sm:hidden">{name} ": "</span> }
}
