//! /developers/graphql: the GraphQL explorer. The query and environment
//! travel in the address (a GET form, the same with or without
//! JavaScript), so a result can be bookmarked and what was typed stays.

use super::shared::{hidden_org, org_param, DevHeader};
use crate::api::integration::run_graphql;
use crate::ui::components::card::Card;
use crate::ui::components::style::{BUTTON, INPUT};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

const EXAMPLE: &str = "{\n  me { organisation environment scopes }\n  agents(first: 5) {\n    edges { cursor node { id name trustScore history(last: 3) { outcome scoreAfter at } } }\n    pageInfo { hasNextPage endCursor }\n  }\n}";

#[component]
pub fn GraphqlPage() -> impl IntoView {
    let query = use_query_map();
    let org = org_param();
    let asked = move || {
        let q = query.read();
        (q.get("env").unwrap_or_else(|| "sandbox".into()), q.get("query").unwrap_or_default())
    };
    let result = Resource::new(asked, move |(env, q)| async move {
        if q.trim().is_empty() {
            None
        } else {
            Some(run_graphql(org, env, q).await)
        }
    });
    let typed = move || {
        let q = asked().1;
        if q.is_empty() {
            EXAMPLE.to_owned()
        } else {
            q
        }
    };
    view! {
        <Title text="GraphQL explorer"/>
        <DevHeader current="/developers/graphql"/>
        <p class="mb-4 max-w-3xl text-sm text-slate-600">
            "Read your agents, trust history, certification and webhooks in one request at "
            <code>"POST /api/graphql"</code> " with your key or access token. Here the query runs as you, with the read scopes. "
            <a class="text-brand underline" href="/api/graphql/schema.graphql" download="schema.graphql">"Download the schema"</a>
        </p>
        <div class="grid gap-4 lg:grid-cols-2">
            <Card title="Query" id="graphql-query">
                <form method="get" action="/developers/graphql">
                    {hidden_org(org)}
                    <label for="graphql-text" class="sr-only">"GraphQL query"</label>
                    <textarea id="graphql-text" name="query" rows="14" class=format!("{INPUT} font-mono text-xs")>{typed}</textarea>
                    <div class="mt-3 flex flex-wrap items-end gap-3">
                        <div>
                            <label for="graphql-env" class="block text-sm font-medium">"Environment"</label>
                            <select id="graphql-env" name="env" class=INPUT>
                                <option value="sandbox">"Sandbox"</option>
                                <option value="production" selected=move || asked().0 == "production">"Production"</option>
                            </select>
                        </div>
                        <button type="submit" class=BUTTON>"Run query"</button>
                    </div>
                </form>
            </Card>
            <Card title="Result" id="graphql-result">
                <Suspense fallback=|| view! { <p class="text-sm text-slate-600">"Running…"</p> }>
                    {move || Suspend::new(async move {
                        match result.await {
                            None => view! { <p class="text-sm text-slate-600">"Run a query to see its answer here."</p> }.into_any(),
                            Some(Ok(json)) => view! {
                                <pre class="max-h-[32rem] overflow-auto rounded bg-slate-900 p-3 text-xs text-slate-100" data-testid="graphql-result" tabindex="0" aria-label="The answer">{json}</pre>
                            }.into_any(),
                            Some(Err(e)) => view! { <p class="text-sm text-red-700" role="alert" data-testid="graphql-error">{e.to_string()}</p> }.into_any(),
                        }
                    })}
                </Suspense>
            </Card>
        </div>
    }
}
