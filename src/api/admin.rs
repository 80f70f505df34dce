//! Administration: users, invitations, audit log.

use crate::api::error::AppError;
use crate::domain::account::{PendingInvitation, UserSummary};
use crate::domain::audit::AuditEntry;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsersData {
    /// The admin looking, whose own row offers no changes.
    pub viewer_id: i64,
    pub users: Vec<UserSummary>,
    pub invitations: Vec<PendingInvitation>,
}

#[server]
pub async fn get_users_overview() -> Result<UsersData, AppError> {
    use crate::domain::role::Permission;
    use crate::server::context::{store_error, Ctx};
    crate::server::context::respond(
        async move {
            let ctx = Ctx::load().await?;
            let viewer = ctx.require(Permission::ListUsers).await?;
            let store = &ctx.state.store;
            let users = store.list_users(ctx.meta.brand.id).await.map_err(store_error)?;
            let invitations = store.pending_invitations(ctx.meta.brand.id, ctx.now()).await.map_err(store_error)?;
            Ok(UsersData { viewer_id: viewer.id, users, invitations })
        }
        .await,
    )
}

#[server]
pub async fn invite_user(email: String, display_name: String, role: String) -> Result<(), AppError> {
    use crate::server::{context::Ctx, services::accounts};
    crate::server::context::respond(
        async move {
            let ctx = Ctx::load().await?;
            let email = accounts::invite(&ctx, &email, &display_name, &role).await?;
            let q: String = url::form_urlencoded::byte_serialize(email.as_bytes()).collect();
            leptos_axum::redirect(&format!("/admin/users?invited={q}"));
            Ok(())
        }
        .await,
    )
}

#[server]
pub async fn change_role(user_id: i64, role: String) -> Result<(), AppError> {
    use crate::server::{context::Ctx, services::accounts};
    crate::server::context::respond(
        async move {
            let ctx = Ctx::load().await?;
            accounts::change_role(&ctx, user_id, &role).await?;
            leptos_axum::redirect("/admin/users?updated=1");
            Ok(())
        }
        .await,
    )
}

#[server]
pub async fn set_account_disabled(user_id: i64, disabled: bool) -> Result<(), AppError> {
    use crate::server::{context::Ctx, services::accounts};
    crate::server::context::respond(
        async move {
            let ctx = Ctx::load().await?;
            accounts::set_disabled(&ctx, user_id, disabled).await?;
            leptos_axum::redirect("/admin/users?updated=1");
            Ok(())
        }
        .await,
    )
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Pass as `before` to see older entries.
    pub older: Option<i64>,
}

pub const AUDIT_PAGE_SIZE: i64 = 50;

#[server]
pub async fn audit_log(before: Option<i64>) -> Result<AuditPage, AppError> {
    use crate::domain::role::Permission;
    use crate::server::context::{store_error, Ctx};
    crate::server::context::respond(
        async move {
            let ctx = Ctx::load().await?;
            ctx.require(Permission::ReadAuditLog).await?;
            let entries =
                ctx.state.store.audit_entries(ctx.meta.brand.id, before, AUDIT_PAGE_SIZE).await.map_err(store_error)?;
            let older = (entries.len() as i64 == AUDIT_PAGE_SIZE).then(|| entries.last().map(|e| e.id)).flatten();
            Ok(AuditPage { entries, older })
        }
        .await,
    )
}
