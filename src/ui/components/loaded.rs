//! A page's data, shown once it has loaded, or in its place what kept it
//! from loading: a prompt to sign in, a refusal, or the error.

use crate::error::AppError;
use crate::ui::components::layout::{Forbidden, SignInPrompt};
use leptos::prelude::*;

/// What to show instead of a page when loading its data failed. The page's
/// status says the same: a page that is not there, or not for this visitor,
/// is not a 200.
fn access_problem(e: AppError) -> AnyView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(e.status());
    }
    match e {
        AppError::Unauthenticated => view! { <SignInPrompt/> }.into_any(),
        AppError::Forbidden => view! { <Forbidden/> }.into_any(),
        other => view! { <p role="alert" class="text-red-700">{other.to_string()}</p> }.into_any(),
    }
}

/// `children` given the loaded value: `<Loaded data let:v>…</Loaded>`.
/// Nothing stands in while it loads, as routes wait for their data on the
/// server (`SsrMode::Async`) and send the page complete.
#[component]
pub fn Loaded<T, F, V>(data: Resource<Result<T, AppError>>, children: F) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    F: Fn(T) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let children = children.clone();
                Suspend::new(async move {
                    match data.await {
                        Err(e) => access_problem(e),
                        Ok(v) => children(v).into_any(),
                    }
                })
            }}
        </Suspense>
    }
}
