//! What every page can read from the frame's context: the signed-in user and
//! the brand the request is served under. The frame (`app.rs`) provides them
//! once per navigation; pages and the layout read them.

use crate::api::branding::BrandFace;
use crate::domain::account::CurrentUser;
use crate::error::AppError;
use leptos::prelude::*;

/// The signed-in user, refetched on every navigation so sign-in, sign-out and
/// session expiry show at once.
pub type UserResource = Resource<Result<Option<CurrentUser>, AppError>>;

/// The brand the request is served under (name, logo, support contact).
pub type BrandFaceResource = Resource<Result<BrandFace, AppError>>;
