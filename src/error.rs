//! The error types both sides share: what a server function returns and the
//! browser shows. The one error type server functions return. It crosses to the browser, so
//! it carries only what a user may read: database and internal details are
//! logged on the server and replaced by `Internal`.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// A problem with one form field, shown next to that field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Please correct the highlighted fields.")]
    Invalid(Vec<FieldError>),
    #[error("Please sign in to continue.")]
    Unauthenticated,
    #[error("You don't have access to this.")]
    Forbidden,
    #[error("Not found.")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Refused(String),
    /// A sandbox limit: what, how many, and when it frees up.
    #[error("{0}")]
    Limit(crate::domain::integration::LimitExceeded),
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// Too many attempts of this kind from here; the text says how long to wait.
    #[error("{0}")]
    Throttled(String),
    /// The server is at its limit for expensive work (password hashing).
    #[error("The server is busy. Nothing was changed; please try again in a few seconds.")]
    Busy,
    /// The database could not be reached in time; nothing was changed.
    #[error("The portal is briefly unavailable. Nothing was changed; please try again in a moment.")]
    Unavailable,
    #[error("The request could not be completed: {0}")]
    Transport(String),
}

impl AppError {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        AppError::Invalid(vec![FieldError { field: field.into(), message: message.into() }])
    }

    /// Every problem of a form at once, as the domain's parsers report them
    /// (field name, message).
    pub fn fields(errors: Vec<(&'static str, String)>) -> Self {
        AppError::Invalid(
            errors.into_iter().map(|(field, message)| FieldError { field: field.into(), message }).collect(),
        )
    }

    /// The HTTP status that matches this error.
    #[cfg(feature = "ssr")]
    pub fn status(&self) -> http::StatusCode {
        use http::StatusCode as S;
        match self {
            AppError::Invalid(_) => S::UNPROCESSABLE_ENTITY,
            AppError::Unauthenticated => S::UNAUTHORIZED,
            AppError::Forbidden => S::FORBIDDEN,
            AppError::NotFound => S::NOT_FOUND,
            AppError::Conflict(_) => S::CONFLICT,
            AppError::Refused(_) => S::BAD_REQUEST,
            AppError::Limit(_) => S::TOO_MANY_REQUESTS,
            AppError::Internal => S::INTERNAL_SERVER_ERROR,
            AppError::Unavailable | AppError::Busy => S::SERVICE_UNAVAILABLE,
            AppError::Throttled(_) => S::TOO_MANY_REQUESTS,
            AppError::Transport(_) => S::BAD_REQUEST,
        }
    }

    /// The message for `field`, if this error names it.
    pub fn message_for(&self, field: &str) -> Option<String> {
        match self {
            AppError::Invalid(list) => list.iter().find(|e| e.field == field).map(|e| e.message.clone()),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Transport(value.to_string())
    }
}
