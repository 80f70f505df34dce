//! /oauth/authorize: the consent screen. An app sends a partner's owner
//! here to ask for access; the page says which app, for which partner and
//! environment, what it may do, and where the answer goes. The answer is a
//! plain form to `/oauth/authorize` (see `server::oauth_http`), since it
//! ends in a redirect to the app's own site.

use crate::api::oauth::{get_consent, AuthorizeRequest, ConsentAsk, ConsentView};
use crate::ui::components::card::Card;
use crate::ui::components::loaded::Loaded;
use crate::ui::components::style::{BUTTON, QUIET};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn ConsentPage() -> impl IntoView {
    let query = use_query_map();
    let request = move || {
        let q = query.read();
        AuthorizeRequest::from_fields(|k| q.get(k).unwrap_or_default())
    };
    let data = Resource::new(request, get_consent);
    view! {
        <Title text="Allow access"/>
        <Loaded data let:v>
            <Consent v/>
        </Loaded>
    }
}

#[component]
fn Consent(v: ConsentView) -> impl IntoView {
    match v {
        ConsentView::Refused { message } => view! {
            <div class="mx-auto mt-8 max-w-lg">
                <Card title="This request cannot be answered" id="consent-refused">
                    <p class="text-sm" data-testid="consent-refused">{message}</p>
                </Card>
            </div>
        }
        .into_any(),
        ConsentView::Return { url } => view! {
            <div class="mx-auto mt-8 max-w-lg">
                <Card title="Back to the app" id="consent-return">
                    <p class="text-sm">"The app's request was not valid. "
                        <a class="text-brand underline" href=url rel="noreferrer">"Return to the app"</a>
                    </p>
                </Card>
            </div>
        }
        .into_any(),
        ConsentView::Ask(ask) => {
            let ConsentAsk { app, partner, environment, scopes, redirect_uri, refusal, request } = *ask;
            let hidden: Vec<(&'static str, String)> =
                request.fields().into_iter().map(|(n, v)| (n, v.to_owned())).collect();
            let may = refusal.is_none();
            view! {
                <div class="mx-auto mt-8 max-w-lg">
                    <section class="rounded-lg border border-slate-200 bg-white p-6" aria-labelledby="consent-title">
                        <h1 id="consent-title" class="mb-1 text-xl font-bold">
                            "Allow " <span data-testid="consent-app">{app.clone()}</span> " to use your account?"
                        </h1>
                        <p class="mb-4 text-sm text-slate-600">
                            "For " <strong>{partner}</strong> " · " {environment.label()} " environment"
                        </p>
                        <h2 class="mb-1 text-sm font-semibold">"It will be able to:"</h2>
                        <ul class="mb-4 list-disc pl-5 text-sm" data-testid="consent-scopes">
                            {scopes.into_iter().map(|s| view! { <li>{s.label()} " " <code class="text-xs text-slate-600">{s.key()}</code></li> }).collect_view()}
                        </ul>
                        <p class="mb-4 break-all text-xs text-slate-600">"Your answer goes to " <code>{redirect_uri}</code></p>
                        {refusal.map(|m| view! {
                            <p class="mb-4 rounded border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900" role="alert" data-testid="consent-refusal">{m}</p>
                        })}
                        <form method="post" action="/oauth/authorize" class="flex flex-wrap gap-2">
                            {hidden.into_iter().map(|(n, v)| view! { <input type="hidden" name=n value=v/> }).collect_view()}
                            {may.then(|| view! {
                                <button type="submit" name="decision" value="allow" class=BUTTON>{format!("Allow {app}")}</button>
                            })}
                            <button type="submit" name="decision" value="deny" class=QUIET>"Deny"</button>
                        </form>
                        <p class="mt-4 text-xs text-slate-600">"You can revoke the app later on Developers → OAuth apps."</p>
                    </section>
                </div>
            }
            .into_any()
        }
    }
}
