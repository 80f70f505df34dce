//! Administration: users, invitations, audit log.

use crate::domain::email::FailedEmail;
use crate::error::AppError;
pub use crate::views::admin::*;
use leptos::prelude::*;

#[server]
pub async fn get_users_overview(
    sort: Option<String>,
    dir: Option<String>,
    q: Option<String>,
    page: Option<usize>,
) -> Result<UsersData, AppError> {
    use crate::server::{context::serve, services::accounts};
    let (sort, dir, q) = (sort.unwrap_or_default(), dir.unwrap_or_default(), q.unwrap_or_default());
    serve(|ctx| async move { accounts::users_overview(&ctx, &sort, &dir, &q, page.unwrap_or(1)).await }).await
}

/// The work waiting for staff across the program's queues.
#[server]
pub async fn get_inbox() -> Result<InboxView, AppError> {
    use crate::server::{context::serve, services::inbox};
    serve(|ctx| async move { inbox::inbox(&ctx).await }).await
}

#[server]
pub async fn invite_user(email: String, display_name: String, role: String) -> Result<(), AppError> {
    use crate::server::{context::serve, services::accounts};
    serve(|ctx| async move {
        let email = accounts::invite(&ctx, &email, &display_name, &role).await?;
        let q: String = url::form_urlencoded::byte_serialize(email.as_bytes()).collect();
        leptos_axum::redirect(&format!("/admin/users?invited={q}"));
        Ok(())
    })
    .await
}

/// Back to the user list where the admin acted: the same search, order
/// and page (`list`, the list's address query), with the notice.
#[cfg(feature = "ssr")]
fn users_list(list: Option<&str>) -> String {
    let kept = crate::domain::listing::kept(list.unwrap_or_default());
    if kept.is_empty() {
        "/admin/users?updated=1".to_owned()
    } else {
        format!("/admin/users?{kept}&updated=1")
    }
}

#[server]
pub async fn change_role(user_id: i64, role: String, list: Option<String>) -> Result<(), AppError> {
    use crate::server::{context::serve, services::accounts};
    serve(|ctx| async move {
        accounts::change_role(&ctx, user_id, &role).await?;
        leptos_axum::redirect(&users_list(list.as_deref()));
        Ok(())
    })
    .await
}

#[server]
pub async fn set_account_disabled(user_id: i64, disabled: bool, list: Option<String>) -> Result<(), AppError> {
    use crate::server::{context::serve, services::accounts};
    serve(|ctx| async move {
        accounts::set_disabled(&ctx, user_id, disabled).await?;
        leptos_axum::redirect(&users_list(list.as_deref()));
        Ok(())
    })
    .await
}

#[server]
pub async fn audit_log(
    before: Option<i64>,
    area: Option<String>,
    q: Option<String>,
    org: Option<i64>,
) -> Result<AuditPage, AppError> {
    use crate::server::{context::serve, services::accounts};
    let (area, q) = (area.unwrap_or_default(), q.unwrap_or_default());
    serve(|ctx| async move { accounts::audit_page(&ctx, before, &area, &q, org).await }).await
}

#[server]
pub async fn get_failed_emails() -> Result<Vec<FailedEmail>, AppError> {
    use crate::server::{context::serve, services::accounts};
    serve(|ctx| async move { accounts::failed_emails(&ctx).await }).await
}

#[server]
pub async fn resend_email(id: i64) -> Result<(), AppError> {
    use crate::server::{context::serve, services::accounts};
    serve(|ctx| async move {
        accounts::resend_email(&ctx, id).await?;
        leptos_axum::redirect("/admin/emails?resent=1");
        Ok(())
    })
    .await
}
