//! Sign-in, sign-out, passwords, invitations, and who is asking.

use crate::domain::account::{CurrentUser, InvitationView};
use crate::domain::brand::Brand;
use crate::error::AppError;
use leptos::prelude::*;

#[server]
pub async fn get_current_user() -> Result<Option<CurrentUser>, AppError> {
    use crate::server::context::serve;
    serve(|ctx| async move { ctx.user().await }).await
}

#[server]
pub async fn current_brand() -> Result<Brand, AppError> {
    use crate::server::context::serve;
    serve(|ctx| async move { Ok(ctx.meta.brand) }).await
}

#[server]
pub async fn sign_in(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::domain::account::safe_redirect_target;
    use crate::server::{context::serve, services::accounts};
    serve(|ctx| async move {
        accounts::sign_in(&ctx, &email, &password).await?;
        leptos_axum::redirect(&safe_redirect_target(next.as_deref()));
        Ok(())
    })
    .await
}

#[server]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::server::{context::serve, services::accounts};
    serve(|ctx| async move {
        accounts::sign_out(&ctx).await?;
        leptos_axum::redirect("/login?signed_out=1");
        Ok(())
    })
    .await
}

#[server]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    use crate::server::{context::serve, services::accounts};
    serve(|ctx| async move {
        accounts::request_password_reset(&ctx, &email).await?;
        leptos_axum::redirect("/forgot-password?sent=1");
        Ok(())
    })
    .await
}

#[server]
pub async fn reset_password(token: String, password: String, confirm: String) -> Result<(), AppError> {
    use crate::server::{context::serve, services::accounts};
    serve(|ctx| async move {
        accounts::reset_password(&ctx, &token, &password, &confirm).await?;
        leptos_axum::redirect("/login?reset=1");
        Ok(())
    })
    .await
}

#[server]
pub async fn change_password(current: String, password: String, confirm: String) -> Result<(), AppError> {
    use crate::server::{context::serve, services::accounts};
    serve(|ctx| async move {
        accounts::change_password(&ctx, &current, &password, &confirm).await?;
        leptos_axum::redirect("/account?changed=1");
        Ok(())
    })
    .await
}

/// The zone the signed-in person reads times in (empty: UTC).
#[server]
pub async fn set_time_zone(zone: String) -> Result<(), AppError> {
    use crate::server::{context::serve, services::accounts};
    serve(|ctx| async move {
        accounts::set_time_zone(&ctx, &zone).await?;
        leptos_axum::redirect("/account?zone=1");
        Ok(())
    })
    .await
}

/// The address an application's confirmation link confirms.
#[server]
pub async fn welcome_address(token: String) -> Result<String, AppError> {
    use crate::server::{context::serve, services::accounts};
    serve(|ctx| async move { accounts::welcome(&ctx, &token).await }).await
}

/// An applicant follows the emailed link: the address is confirmed by the
/// link itself, and the password chosen here is the account's first.
#[server]
pub async fn confirm_application(token: String, password: String, confirm: String) -> Result<(), AppError> {
    use crate::server::{context::serve, services::accounts};
    serve(|ctx| async move {
        accounts::confirm_application(&ctx, &token, &password, &confirm).await?;
        leptos_axum::redirect("/login?confirmed=1");
        Ok(())
    })
    .await
}

#[server]
pub async fn invitation(token: String) -> Result<InvitationView, AppError> {
    use crate::server::{context::serve, services::accounts};
    serve(|ctx| async move { accounts::invitation(&ctx, &token).await }).await
}

#[server]
pub async fn accept_invitation(token: String, password: String, confirm: String) -> Result<(), AppError> {
    use crate::server::{context::serve, services::accounts};
    serve(|ctx| async move {
        accounts::accept_invitation(&ctx, &token, &password, &confirm).await?;
        leptos_axum::redirect("/login?welcome=1");
        Ok(())
    })
    .await
}
