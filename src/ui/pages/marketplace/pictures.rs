//! A listing's logo and screenshots: shown beside the version they belong
//! to, and changed by plain multipart and form posts (`server::
//! marketplace_http`) that work the same with or without JavaScript and
//! come back here with what happened in the address.

use crate::domain::showcase::{alt_text, logo, preview_src, screenshots, ImageKind, ListingImage, MAX_SCREENSHOTS};
use crate::ui::components::card::Card;
use crate::ui::components::form::{error_line, Notice};
use crate::ui::components::style::{BUTTON, INPUT};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

const SMALL: &str = "rounded-md border border-slate-300 bg-white px-2 py-1 text-xs font-medium text-slate-800 \
     hover:bg-slate-50 focus:outline-none focus:ring-2 focus:ring-brand";

/// A version's pictures, read only: the logo, then the screenshots with
/// their descriptions.
#[component]
pub fn Gallery(images: Vec<ListingImage>, name: String, org: Option<i64>) -> impl IntoView {
    if images.is_empty() {
        return view! { <p class="text-sm text-slate-600" data-testid="listing-pictures">"No logo or screenshots."</p> }
            .into_any();
    }
    let logo = logo(&images).cloned();
    let shots: Vec<ListingImage> = screenshots(&images).into_iter().cloned().collect();
    view! {
        <div class="space-y-3" data-testid="listing-pictures">
            {logo.map(|l| view! {
                <img src=preview_src(l.id, org) alt=alt_text(&l, &name) width=l.width height=l.height
                    class="h-16 w-auto max-w-[12rem] rounded border border-slate-200 bg-white object-contain p-1"/>
            })}
            <ul class="grid gap-3 sm:grid-cols-3">
                {shots.into_iter().map(|s| view! {
                    <li>
                        <figure>
                            <img src=preview_src(s.id, org) alt=s.alt.clone() width=s.width height=s.height loading="lazy"
                                class="h-auto w-full rounded border border-slate-200"/>
                            <figcaption class="mt-1 text-xs text-slate-600">{s.alt.clone()}</figcaption>
                        </figure>
                    </li>
                }).collect_view()}
            </ul>
        </div>
    }
    .into_any()
}

/// The owners' pictures card: the version's pictures with their actions,
/// and the upload form. A refused upload comes back with its messages and
/// what was typed (`e_*`, `kind`, `alt` in the address).
#[component]
pub fn Pictures(images: Vec<ListingImage>, name: String) -> impl IntoView {
    let q = use_query_map().read_untracked();
    let error = |f: &str| q.get(&format!("e_{f}")).filter(|m| !m.is_empty());
    let (e_kind, e_alt, e_image) = (error("kind"), error("alt"), error("image"));
    let notice = match q.get("pictures").as_deref() {
        Some("added") => {
            Some("Picture added to your draft. The directory shows it once a partner manager approves this version.")
        }
        Some("removed") => {
            Some("Picture removed from your draft. The directory keeps the approved version until the next approval.")
        }
        Some("moved") => Some("Screenshot moved."),
        _ => None,
    };
    let refused = q.get("pictures").as_deref() == Some("refused");
    let kind = q.get("kind").filter(|_| refused).unwrap_or_else(|| ImageKind::Screenshot.key().to_owned());
    let alt = q.get("alt").filter(|_| refused).unwrap_or_default();
    let logo = logo(&images).cloned();
    let shots: Vec<ListingImage> = screenshots(&images).into_iter().cloned().collect();
    let count = shots.len();
    let last = count.saturating_sub(1);
    let kind_described = e_kind.is_some().then_some("picture-kind-error");
    let (image_invalid, alt_invalid) = (e_image.is_some(), e_alt.is_some());
    view! {
        <Card title="Logo and screenshots" id="listing-pictures" margin="mb-6">
            {notice.map(|n| view! { <Notice text=n/> })}
            <p class="mb-3 text-sm text-slate-600">
                "Pictures belong to the version you are writing: changing one makes a new draft, and the directory shows the approved pictures until a partner manager approves it."
            </p>
            <h3 class="mb-2 text-sm font-semibold">"Logo"</h3>
            {match logo {
                Some(l) => view! {
                    <div class="mb-4 flex flex-wrap items-center gap-3" data-testid="listing-logo">
                        <img src=preview_src(l.id, None) alt=alt_text(&l, &name) width=l.width height=l.height
                            class="h-16 w-auto max-w-[12rem] rounded border border-slate-200 bg-white object-contain p-1"/>
                        <form method="post" action="/listing/images/remove">
                            <input type="hidden" name="position" value=l.position.to_string()/>
                            <button type="submit" class=SMALL>"Remove logo"</button>
                        </form>
                    </div>
                }.into_any(),
                None => view! { <p class="mb-4 text-sm text-slate-600">"No logo yet."</p> }.into_any(),
            }}
            <h3 class="mb-2 text-sm font-semibold">{format!("Screenshots ({count} of {MAX_SCREENSHOTS})")}</h3>
            {if shots.is_empty() {
                view! { <p class="mb-4 text-sm text-slate-600">"No screenshots yet."</p> }.into_any()
            } else {
                view! {
                    <ol class="mb-4 grid gap-4 sm:grid-cols-2 lg:grid-cols-3" data-testid="listing-screenshots">
                        {shots.into_iter().enumerate().map(|(i, s)| {
                            let position = s.position.to_string();
                            let label = |what: &str| format!("{what} screenshot {}", i + 1);
                            view! {
                                <li class="rounded-md border border-slate-200 p-2">
                                    <figure>
                                        <img src=preview_src(s.id, None) alt=s.alt.clone() width=s.width height=s.height loading="lazy"
                                            class="h-auto w-full rounded border border-slate-100"/>
                                        <figcaption class="mt-1 text-xs text-slate-700">{format!("{}. {}", i + 1, s.alt)}</figcaption>
                                    </figure>
                                    <div class="mt-2 flex flex-wrap gap-2">
                                        {(i > 0).then(|| view! {
                                            <form method="post" action="/listing/images/move">
                                                <input type="hidden" name="position" value=position.clone()/>
                                                <button type="submit" name="direction" value="earlier" class=SMALL aria-label=label("Move earlier")>"Earlier"</button>
                                            </form>
                                        })}
                                        {(i < last).then(|| view! {
                                            <form method="post" action="/listing/images/move">
                                                <input type="hidden" name="position" value=position.clone()/>
                                                <button type="submit" name="direction" value="later" class=SMALL aria-label=label("Move later")>"Later"</button>
                                            </form>
                                        })}
                                        <form method="post" action="/listing/images/remove">
                                            <input type="hidden" name="position" value=position.clone()/>
                                            <button type="submit" class=SMALL aria-label=label("Remove")>"Remove"</button>
                                        </form>
                                    </div>
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
            <form method="post" action="/listing/images" enctype="multipart/form-data" class="border-t border-slate-200 pt-4" data-testid="picture-form">
                <fieldset class="mb-3" aria-describedby=kind_described>
                    <legend class="text-sm font-medium text-slate-800">"This picture is"</legend>
                    <div class="mt-1 flex flex-wrap gap-4">
                        {ImageKind::ALL.iter().map(|k| {
                            let id = format!("picture-kind-{}", k.key());
                            view! {
                                <label class="flex items-center gap-2 text-sm">
                                    <input id=id type="radio" name="kind" value=k.key() checked=kind == k.key() class="h-4 w-4"/>
                                    {match k { ImageKind::Logo => "The logo (replaces the current one)", ImageKind::Screenshot => "A screenshot" }}
                                </label>
                            }
                        }).collect_view()}
                    </div>
                    <div id="picture-kind-error">{error_line(e_kind)}</div>
                </fieldset>
                <div class="mb-3">
                    <label for="picture-file" class="block text-sm font-medium">"Image"</label>
                    <p id="picture-file-hint" class="text-xs text-slate-600">"PNG, JPEG or WebP; at most 512 KB and 2048×2048 pixels."</p>
                    <input id="picture-file" type="file" name="image" accept="image/png,image/jpeg,image/webp" required
                        class="mt-1 block w-full text-sm text-slate-700 file:mr-3 file:rounded-md file:border file:border-slate-300 file:bg-white file:px-3 file:py-1.5 file:text-sm file:font-medium file:text-slate-800 hover:file:bg-slate-50" aria-invalid=image_invalid.then_some("true")
                        aria-describedby=if image_invalid { "picture-file-hint picture-file-error" } else { "picture-file-hint" }/>
                    <div id="picture-file-error">{error_line(e_image)}</div>
                </div>
                <div class="mb-3">
                    <label for="picture-alt" class="block text-sm font-medium">"What the screenshot shows"</label>
                    <p id="picture-alt-hint" class="text-xs text-slate-600">"Read aloud to people who cannot see it, and shown under it. Not needed for the logo."</p>
                    <input id="picture-alt" type="text" name="alt" maxlength="160" value=alt class=INPUT
                        aria-invalid=alt_invalid.then_some("true")
                        aria-describedby=if alt_invalid { "picture-alt-hint picture-alt-error" } else { "picture-alt-hint" }/>
                    <div id="picture-alt-error">{error_line(e_alt)}</div>
                </div>
                <button type="submit" class=BUTTON>"Upload picture"</button>
                {(count >= MAX_SCREENSHOTS).then(|| view! {
                    <p class="mt-2 text-xs text-slate-600">"Six screenshots is the most a listing shows: remove one to add another."</p>
                })}
            </form>
        </Card>
    }
}
