use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found"/>
        <div class="mx-auto mt-8 max-w-md text-center">
            <h1 class="mb-2 text-2xl font-bold">"Page not found"</h1>
            <p class="text-slate-600">"There is nothing at this address. "<a class="text-brand underline" href="/">"Go to the home page"</a>"."</p>
        </div>
    }
}
