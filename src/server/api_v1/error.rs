//! The one error shape every API answer that fails shares.

use super::wire::*;
use crate::domain::format::rfc3339_ms as rfc3339;
use crate::error::{AppError, FieldError};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

pub struct ApiError {
    pub(super) status: StatusCode,
    // Boxed: handlers return `Result<_, ApiError>` everywhere.
    pub(super) detail: Box<ErrorDetail>,
    pub(super) retry_after: Option<u64>,
}

impl ApiError {
    pub(super) fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            detail: Box::new(ErrorDetail {
                code: code.into(),
                message: message.into(),
                fields: Vec::new(),
                limit: None,
                resets_at: None,
            }),
            retry_after: None,
        }
    }

    pub(super) fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", "Send a valid API key as Authorization: Bearer <key>.")
    }

    pub(super) fn from_app(e: AppError, now_ms: i64) -> Self {
        match e {
            AppError::Invalid(fields) => {
                let mut err =
                    Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", "Some fields are invalid.");
                err.detail.fields =
                    fields.into_iter().map(|FieldError { field, message }| FieldProblem { field, message }).collect();
                err
            }
            AppError::Unauthenticated => Self::unauthorized(),
            AppError::Forbidden => Self::new(StatusCode::FORBIDDEN, "insufficient_scope", "This key may not do this."),
            AppError::NotFound => Self::new(StatusCode::NOT_FOUND, "not_found", "Not found."),
            AppError::Conflict(m) => Self::new(StatusCode::CONFLICT, "conflict", m),
            AppError::Refused(m) => Self::new(StatusCode::BAD_REQUEST, "refused", m),
            AppError::Limit(l) => {
                let mut err = Self::new(StatusCode::TOO_MANY_REQUESTS, "sandbox_limit_exceeded", l.to_string());
                err.retry_after = Some(((l.resets_at_ms - now_ms).max(0) as u64).div_ceil(1000).max(1));
                err.detail.limit = Some(l.limit);
                err.detail.resets_at = Some(rfc3339(l.resets_at_ms));
                err
            }
            AppError::Throttled(m) => {
                let mut err = Self::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", m);
                err.retry_after = Some(60);
                err
            }
            AppError::Busy => {
                let mut err = Self::new(StatusCode::SERVICE_UNAVAILABLE, "busy", AppError::Busy.to_string());
                err.retry_after = Some(2);
                err
            }
            AppError::Unavailable => {
                let mut err =
                    Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", AppError::Unavailable.to_string());
                err.retry_after = Some(5);
                err
            }
            AppError::Internal | AppError::Transport(_) => {
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "Something went wrong on our side.")
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut res = (self.status, Json(ErrorBody { error: *self.detail })).into_response();
        if let Some(secs) = self.retry_after {
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        res
    }
}
