//! A moment as the viewer reads it: in the time zone chosen on their
//! account page (UTC until they choose), with the UTC time on hover and a
//! machine-readable `datetime`.

use crate::domain::format::{date_in, iso_utc, time_in, time_utc, zone};
use crate::ui::resources::UserResource;
use leptos::prelude::*;

/// The signed-in viewer's zone name, if they chose one; read from the
/// frame's user, which pages have loaded before they draw times.
fn viewer_zone() -> Option<String> {
    let user = use_context::<UserResource>()?;
    user.get().and_then(Result::ok).flatten().and_then(|u| u.time_zone)
}

/// `ms` as text in the viewer's zone, for places that hold text only (an
/// SVG `<title>`); elsewhere `Time` also gives the UTC time on hover.
pub fn viewer_time(ms: i64) -> String {
    time_in(ms, zone(viewer_zone().as_deref()))
}

/// `ms` in the viewer's zone: the date only with `date`.
#[component]
pub fn Time(ms: i64, #[prop(optional)] date: bool) -> impl IntoView {
    let text = move || {
        let zone = zone(viewer_zone().as_deref());
        if date {
            date_in(ms, zone)
        } else {
            time_in(ms, zone)
        }
    };
    view! { <time datetime=iso_utc(ms) title=time_utc(ms)>{text}</time> }
}
