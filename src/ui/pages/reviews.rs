//! Quarterly reviews: a partner's saved reviews, the form staff use to
//! generate one, and a review's page.

use crate::api::scorecard::{get_review, get_reviews, GenerateReview};
use crate::ui::components::card::Card;
use crate::ui::components::form::{FieldMessage, Form, LastResult, Notice};
use crate::ui::components::loaded::Loaded;
use crate::ui::components::style::{BUTTON, INPUT};
use crate::ui::components::time::Time;
use crate::ui::pages::scorecard::pill;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn ReviewsPage() -> impl IntoView {
    let query = use_query_map();
    let generate = ServerAction::<GenerateReview>::new();
    let value: LastResult<()> = Signal::derive(move || generate.value().get());
    let data = Resource::new(move || query.read().get("org").and_then(|v| v.parse::<i64>().ok()), get_reviews);
    view! {
        <Title text="Quarterly reviews"/>
        <h1 class="mb-4 text-2xl font-bold">"Quarterly reviews"</h1>
        <Loaded data let:v>
            <p class="mb-4 text-sm text-slate-600">{v.organisation.clone()}</p>
            <div class="grid gap-6 lg:grid-cols-[3fr_2fr]">
                <Card title="Reviews" id="saved">
                    {if v.reviews.is_empty() {
                        view! { <p class="text-sm text-slate-600">"No quarterly review yet. Your partner manager prepares one each quarter."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="space-y-2 text-sm" data-testid="review-list">
                                {v.reviews.iter().map(|r| view! {
                                    <li>
                                        <a class="text-brand underline" href=format!("/reviews/{}", r.id)>{r.snapshot.quarter_label.clone()}</a>
                                        <span class="text-slate-600">{format!(" · by {} · ", r.created_by)} <Time ms=r.updated_at_ms/></span>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                </Card>
                {(!v.quarters.is_empty()).then(|| {
                    let org = v.organisation_id.to_string();
                    view! {
                        <Card title="Generate a review" id="generate" heading="mb-2 font-semibold">
                            <p class="mb-3 text-xs text-slate-600">"Takes the scorecard and business figures of the quarter as they stand now. Generating a quarter again replaces its review."</p>
                            <Form action=generate>
                                <input type="hidden" name="org" value=org/>
                                <label for="review-quarter" class="block text-sm font-medium">"Quarter"</label>
                                <select id="review-quarter" name="quarter" class=INPUT>
                                    {v.quarters.iter().map(|(k, label)| view! { <option value=k.clone()>{label.clone()}</option> }).collect_view()}
                                </select>
                                <FieldMessage value field="quarter"/>
                                <label for="review-recommendations" class="mt-3 block text-sm font-medium">"Recommendations"</label>
                                <textarea id="review-recommendations" name="recommendations" rows="6" class=INPUT></textarea>
                                <FieldMessage value field="recommendations"/>
                                <button type="submit" class=format!("{BUTTON} mt-3")>"Generate and save"</button>
                            </Form>
                        </Card>
                    }
                })}
            </div>
        </Loaded>
    }
}

#[component]
pub fn ReviewDetailPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let data = Resource::new(
        move || params.read().get("id").and_then(|v| v.parse::<i64>().ok()).unwrap_or_default(),
        get_review,
    );
    view! {
        <Title text="Quarterly review"/>
        {move || query.read().get("saved").map(|_| view! { <Notice text="Review saved. The partner can read it now."/> })}
        <Loaded data let:r>
            <p class="mb-2 text-sm"><a class="text-brand underline" href=format!("/reviews?org={}", r.organisation_id)>"← All reviews"</a></p>
            <h1 class="mb-1 text-2xl font-bold" data-testid="review-title">{format!("{} · {}", r.organisation, r.snapshot.quarter_label)}</h1>
            <p class="mb-4 text-sm text-slate-600">
                {format!("Prepared by {} · ", r.created_by)} <Time ms=r.updated_at_ms/>
                {r.snapshot.partial.then_some(" · the quarter was still running; figures up to that moment")}
            </p>
            <div class="grid gap-6 lg:grid-cols-2">
                <Card title="Scorecard for the quarter" id="technical" heading="mb-2 font-semibold">
                    <p class="mb-2 text-xs text-slate-600">{format!("API figures from {} traffic.", r.snapshot.environment.to_lowercase())}</p>
                    <table class="w-full text-sm" data-testid="review-scorecard">
                        <tbody>
                            {r.snapshot.measures.iter().map(|m| view! {
                                <tr class="border-b border-slate-100" data-testid=format!("measure-{}", m.key)>
                                    <td class="py-2 pr-2 font-medium">{m.label.clone()}</td>
                                    <td class="py-2 pr-2">{m.value.clone()}</td>
                                    <td class="py-2 pr-2 text-slate-600">{m.target.clone()}</td>
                                    <td class="py-2"><span class=pill(m.rating)>{m.rating.label()}</span></td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </Card>
                <Card title="Business figures" id="business" heading="mb-2 font-semibold">
                    <dl class="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm" data-testid="review-business">
                        {r.snapshot.business.iter().map(|(k, v)| view! {
                            <dt class="text-slate-600">{k.clone()}</dt>
                            <dd class="font-medium">{v.clone()}</dd>
                        }).collect_view()}
                    </dl>
                </Card>
            </div>
            <Card title="Recommendations" id="recommendations" heading="mb-2 font-semibold" margin="mt-6">
                <p class="whitespace-pre-wrap text-sm" data-testid="review-recommendations">{r.recommendations.clone()}</p>
            </Card>
        </Loaded>
    }
}
