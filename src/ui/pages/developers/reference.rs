//! /developers/api: the API reference, read from the OpenAPI document the
//! server publishes, so it cannot drift from the API.

use super::shared::DevHeader;
use crate::api::integration::get_openapi;
use crate::ui::components::loaded::Loaded;
use crate::ui::components::style::CARD;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ApiReferencePage() -> impl IntoView {
    let doc = Resource::new(|| (), |_| get_openapi());
    view! {
        <Title text="API reference"/>
        <DevHeader current="/developers/api"/>
        <Loaded data=doc let:text>
            {
                let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
                let description = v["info"]["description"].as_str().unwrap_or_default().to_owned();
                let events: Vec<(String, String)> = v["x-webhook-events"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|e| (e["type"].as_str().unwrap_or_default().to_owned(), e["description"].as_str().unwrap_or_default().to_owned()))
                            .collect()
                    })
                    .unwrap_or_default();
                let mut ops = Vec::new();
                if let Some(paths) = v["paths"].as_object() {
                    for (path, item) in paths {
                        if let Some(methods) = item.as_object() {
                            for (method, op) in methods {
                                ops.push((path.clone(), method.to_uppercase(), op.clone()));
                            }
                        }
                    }
                }
                view! {
                    <p class="mb-4 max-w-3xl text-sm text-slate-700">{inline_code(&description)}</p>
                    <p class="mb-6 text-sm"><a class="text-brand underline" href="/api/v1/openapi.json">"OpenAPI 3 document (JSON)"</a></p>
                    <div class="space-y-4" data-testid="operations">
                        {ops.into_iter().map(|(path, method, op)| {
                            let summary = op["summary"].as_str().or(op["description"].as_str()).unwrap_or_default().to_owned();
                            let responses = op["responses"].as_object().map(|r| r.keys().cloned().collect::<Vec<_>>().join(", ")).unwrap_or_default();
                            let body = schema_name(&op["requestBody"]["content"]["application/json"]["schema"]);
                            let answer = op["responses"].as_object().and_then(|r| {
                                r.iter().find(|(code, _)| code.starts_with('2')).and_then(|(_, a)| schema_name(&a["content"]["application/json"]["schema"]))
                            });
                            view! {
                                <section class=CARD>
                                    <h2 class="font-mono text-sm font-semibold"><span class="mr-2 rounded bg-slate-900 px-2 py-0.5 text-white">{method}</span>{path}</h2>
                                    <p class="mt-2 text-sm">{inline_code(&summary)}</p>
                                    {body.map(|b| schema_fields("Request body", &v, &b))}
                                    {answer.map(|b| schema_fields("Answer", &v, &b))}
                                    <p class="mt-2 text-xs text-slate-600">"Statuses: " {responses}</p>
                                </section>
                            }
                        }).collect_view()}
                    </div>
                    <section class=format!("{CARD} mt-6") aria-labelledby="webhook-events">
                        <h2 id="webhook-events" class="font-semibold">"Webhook events"</h2>
                        <p class="mt-1 text-sm text-slate-700">"Each delivery is signed as Standard Webhooks describes; subscribe to a name, a family such as " <code class="rounded bg-slate-100 px-1 text-xs">"deal.*"</code> ", or " <code class="rounded bg-slate-100 px-1 text-xs">"*"</code> "."</p>
                        <dl class="mt-3 grid gap-x-4 text-sm sm:grid-cols-[max-content_1fr] sm:gap-y-2" data-testid="webhook-events">
                            {events.into_iter().map(|(t, d)| view! {
                                <dt class="font-mono text-xs font-semibold">{t}</dt>
                                // On a phone a name sits on its description, apart from the next.
                                <dd class="mb-3 text-slate-700 sm:mb-0">{inline_code(&d)}</dd>
                            }).collect_view()}
                        </dl>
                    </section>
                }.into_any()
            }
        </Loaded>
    }
}

/// Text with `backticked` parts set as code.
fn inline_code(text: &str) -> impl IntoView {
    text.split('`')
        .enumerate()
        .map(|(i, part)| {
            let part = part.to_owned();
            if i % 2 == 1 {
                view! { <code class="rounded bg-slate-100 px-1 text-xs">{part}</code> }.into_any()
            } else {
                part.into_any()
            }
        })
        .collect_view()
}

/// The name of a `$ref`ed schema.
fn schema_name(schema: &serde_json::Value) -> Option<String> {
    schema["$ref"].as_str().and_then(|r| r.rsplit('/').next()).map(str::to_owned)
}

/// A schema's fields: name, type and description, one line each.
fn schema_fields(title: &'static str, doc: &serde_json::Value, name: &str) -> impl IntoView {
    let schema = &doc["components"]["schemas"][name];
    let required: Vec<String> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    let fields: Vec<(String, String, String, bool)> = schema["properties"]
        .as_object()
        .map(|props| {
            props
                .iter()
                .map(|(k, p)| {
                    let kind = match (&p["type"], schema_name(p), schema_name(&p["items"])) {
                        (_, Some(r), _) => r,
                        (t, _, Some(item)) if t == "array" => format!("array of {item}"),
                        (serde_json::Value::String(t), ..) => t.clone(),
                        (serde_json::Value::Array(ts), ..) => {
                            ts.iter().filter_map(|t| t.as_str()).collect::<Vec<_>>().join(" or ")
                        }
                        _ => "object".to_owned(),
                    };
                    let about = p["description"].as_str().unwrap_or_default().to_owned();
                    (k.clone(), kind, about, required.contains(k))
                })
                .collect()
        })
        .unwrap_or_default();
    let one_of = schema["oneOf"].as_array().map(|_| "One of several shapes; see the description above.");
    view! {
        <div class="mt-2">
            <p class="text-xs font-semibold text-slate-700">{title} ": " <code>{name.to_owned()}</code></p>
            {one_of.map(|t| view! { <p class="text-xs text-slate-600">{t}</p> })}
            <ul class="mt-1 space-y-0.5 text-xs">
                {fields.into_iter().map(|(k, kind, about, req)| view! {
                    <li><code class="font-semibold">{k}</code> " " <span class="text-slate-500">{kind}{if req { "" } else { ", optional" }}</span>
                        {(!about.is_empty()).then(|| view! { " · " {inline_code(&about)} })}
                    </li>
                }).collect_view()}
            </ul>
        </div>
    }
}
