//! A page's data, shown once it has loaded, or in its place what kept it
//! from loading: a prompt to sign in, a refusal, or the error.

use crate::error::AppError;
use crate::ui::components::layout::{Forbidden, SignInPrompt};
use crate::ui::resources::UserResource;
use leptos::prelude::*;

/// What to show instead of a page when loading its data failed. The page's
/// status says the same: a page that is not there, or not for this visitor,
/// is not a 200.
/// An applicant (a partner's account whose application is not yet approved)
/// is told when a partner's page will open, rather than "Not found.".
fn access_problem(e: AppError, applicant: bool) -> AnyView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(e.status());
    }
    match e {
        AppError::Unauthenticated => view! { <SignInPrompt/> }.into_any(),
        AppError::Forbidden => view! { <Forbidden/> }.into_any(),
        AppError::NotFound if applicant => view! {
            <div class="mx-auto mt-8 max-w-md rounded-lg border border-slate-300 bg-white p-6 text-center text-slate-800" role="alert" data-testid="not-yet">
                <p class="font-semibold">"Not available to you yet."</p>
                <p class="mt-2 text-sm">"This page opens once your application is approved. "
                    <a class="text-brand underline" href="/application">"See your application"</a>
                    "."
                </p>
            </div>
        }.into_any(),
        other => view! { <p role="alert" class="text-red-700">{other.to_string()}</p> }.into_any(),
    }
}

/// `children` given the loaded value: `<Loaded data let:v>…</Loaded>`.
/// Nothing stands in while it loads, as routes wait for their data on the
/// server (`SsrMode::Async`) and send the page complete. When the data
/// reloads after an action, the page stays drawn until the new data is
/// there (a transition): blanking it would throw the visitor to the top.
#[component]
pub fn Loaded<T, F, V>(data: Resource<Result<T, AppError>>, children: F) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    F: Fn(T) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let user = use_context::<UserResource>();
    view! {
        <Transition fallback=|| ()>
            {move || {
                let children = children.clone();
                Suspend::new(async move {
                    match data.await {
                        Err(e) => {
                            let applicant = match (&e, user) {
                                (AppError::NotFound, Some(user)) => {
                                    user.await.ok().flatten().is_some_and(|u| u.is_applicant())
                                }
                                _ => false,
                            };
                            access_problem(e, applicant)
                        }
                        Ok(v) => children(v).into_any(),
                    }
                })
            }}
        </Transition>
    }
}
