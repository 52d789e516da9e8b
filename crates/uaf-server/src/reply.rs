//! The one answer type of every JSON endpoint ([`Reply`]), the one way to run blocking work
//! ([`blocking`]) and the JSON body extractor's refusals ([`rejected_body`]).

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cookie::Cookie;
use serde::Serialize;
use uaf_signin_api::ErrorAnswer;

/// An answer: HTTP status, a JSON body, `Set-Cookie` values.
#[derive(Debug)]
pub(crate) struct Reply {
    status: StatusCode,
    body: String,
    cookies: Vec<Cookie<'static>>,
    /// `Retry-After` (seconds) of a 429.
    retry_after: Option<u64>,
}

impl Reply {
    /// `status` with `body` serialised as JSON.
    pub(crate) fn json<T: Serialize>(status: StatusCode, body: &T) -> Reply {
        match serde_json::to_string(body) {
            Ok(body) => Reply {
                status,
                body,
                cookies: Vec::new(),
                retry_after: None,
            },
            Err(e) => Reply::internal("answer serialisation", &e),
        }
    }

    /// HTTP 200 with `body`.
    pub(crate) fn ok<T: Serialize>(body: &T) -> Reply {
        Reply::json(StatusCode::OK, body)
    }

    /// `status` with `{"error": message}`.
    pub(crate) fn error(status: StatusCode, message: &str) -> Reply {
        Reply::json(status, &ErrorAnswer::new(message))
    }

    /// HTTP 500 `{"error":"internal error"}`; `what` and `e` go to the log only.
    pub(crate) fn internal(what: &str, e: &dyn core::fmt::Display) -> Reply {
        tracing::error!(error = %e, "{what}");
        Reply {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            body: String::from("{\"error\":\"internal error\"}"),
            cookies: Vec::new(),
            retry_after: None,
        }
    }

    /// HTTP 429 `{"error": …}` with `Retry-After`: a rate limit refused the request.
    pub(crate) fn too_many(limited: crate::limits::Limited) -> Reply {
        let mut r = Reply::error(
            StatusCode::TOO_MANY_REQUESTS,
            &format!(
                "too many requests ({}): try again in {} s",
                limited.rule, limited.retry_after
            ),
        );
        r.retry_after = Some(limited.retry_after);
        r
    }

    /// HTTP 503 `{"error": …}` with `Retry-After`: the server is at a capacity bound
    /// (`limited.rule`), not the client at a rate limit.
    pub(crate) fn busy(limited: &crate::limits::Limited) -> Reply {
        let mut r = Reply::error(
            StatusCode::SERVICE_UNAVAILABLE,
            &format!(
                "the server is busy ({}): try again in {} s",
                limited.rule, limited.retry_after
            ),
        );
        r.retry_after = Some(limited.retry_after);
        r
    }

    /// The HTTP status.
    pub(crate) fn status(&self) -> StatusCode {
        self.status
    }

    /// The JSON body.
    pub(crate) fn body(&self) -> &str {
        &self.body
    }

    /// Adds a `Set-Cookie`.
    pub(crate) fn with_cookie(mut self, cookie: Cookie<'static>) -> Reply {
        self.cookies.push(cookie);
        self
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::CACHE_CONTROL, "no-store"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            self.body,
        )
            .into_response();
        for c in self.cookies {
            match HeaderValue::from_str(&c.to_string()) {
                Ok(v) => {
                    response.headers_mut().append(header::SET_COOKIE, v);
                }
                Err(e) => tracing::error!(error = %e, "cookie is not a header value"),
            }
        }
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"uaf-phone\""),
            );
        }
        response
    }
}

/// Runs `f` on the blocking pool: database calls and signature verification must not stall
/// the async workers.
pub(crate) async fn blocking<S: Send + Sync + 'static>(
    state: Arc<S>,
    f: impl FnOnce(&S) -> Reply + Send + 'static,
) -> Reply {
    match tokio::task::spawn_blocking(move || f(&state)).await {
        Ok(r) => r,
        Err(e) => Reply::internal("request task failed", &e),
    }
}

/// The refusal of a body that `axum::Json` would not take: its status (415 without
/// `Content-Type: application/json`, 400 for JSON that does not parse, 422 for JSON of the
/// wrong shape) and its message, as `{"error": …}`.
pub(crate) fn rejected_body(rejection: &JsonRejection) -> Reply {
    tracing::debug!(status = %rejection.status(), "body refused");
    Reply::error(rejection.status(), &rejection.body_text())
}
