//! Errors of the HTTP service, as JSON bodies with a status: the conversion's own errors keep the
//! message the CLI prints and name their stage as `kind`; the service adds its own (body too
//! large, busy, unauthorized, bad request).
//!
//! Status codes: 4xx when the request or the file is at fault (what the CLI reports with exit
//! code 1, or a request it could not even read), 5xx only for the service's own faults (a
//! document that breaks the schema, a conversion that panicked) and for being too busy (503 with
//! `Retry-After`).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::ErrorKind;
use crate::input::pdf::draw::DrawError;
use crate::input::SourceError;

/// A failed request: the status, a stable kebab-case kind and a message with every value involved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {kind}: {message}")]
pub struct ApiError {
    pub status: StatusCode,
    pub kind: &'static str,
    pub message: String,
    /// Seconds a client should wait before trying again (503 only).
    pub retry_after: Option<u32>,
}

/// The JSON body of an error: `{"error": {...}}`.
#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorFields<'a>,
}

#[derive(Serialize)]
struct ErrorFields<'a> {
    status: u16,
    kind: &'a str,
    message: &'a str,
    /// The exit code `notice-ingest convert` gives for the same failure (1: the input, 2: usage
    /// or I/O); absent for failures the CLI cannot meet (a busy service, a bad request).
    #[serde(skip_serializing_if = "Option::is_none")]
    cli_exit_code: Option<u8>,
}

impl ApiError {
    /// An error of the service itself (not of a conversion).
    pub fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, kind, message: message.into(), retry_after: None }
    }

    /// 400: a request that could not be understood (no file, a bad parameter).
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "bad-request", message)
    }

    /// 413: the request body is over the service's limit.
    pub fn too_large(limit: u64) -> Self {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body-too-large",
            format!("the request body is above the limit of {limit} bytes (see --max-body-mib)"),
        )
    }

    /// 503 with `Retry-After`: every conversion slot is taken and the wait ran out, or the queue
    /// is full.
    pub fn busy(message: impl Into<String>, retry_after: u32) -> Self {
        ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            kind: "busy",
            message: message.into(),
            retry_after: Some(retry_after),
        }
    }

    /// 500: the service's own fault.
    pub fn internal(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }

    /// The exit code the CLI gives for this failure, when the CLI can meet it.
    fn cli_exit_code(&self) -> Option<u8> {
        match self.kind {
            "busy" | "bad-request" | "unauthorized" | "not-found" | "body-too-large" | "read-timeout" | "internal" => {
                None
            }
            _ if self.status.is_client_error() => Some(1),
            _ => Some(2),
        }
    }
}

/// The stage a conversion error comes from, as a kebab-case kind.
pub fn error_kind_name(kind: &ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Source(SourceError::TooLarge { .. }) => "too-large",
        ErrorKind::Source(SourceError::Empty { .. }) => "empty",
        ErrorKind::Source(SourceError::UnknownFormat { .. }) => "unknown-format",
        ErrorKind::Source(_) => "source",
        ErrorKind::LegacyOffice => "legacy-office",
        ErrorKind::Text(_) => "text",
        ErrorKind::Html(_) => "html",
        ErrorKind::Docx(_) => "docx",
        ErrorKind::Pdf(crate::PdfError::Budget(_)) => "time-budget",
        ErrorKind::Pdf(_) => "pdf",
        ErrorKind::Scan(_) => "scan",
        ErrorKind::Xlsx(_) => "xlsx",
        ErrorKind::Budget(_) => "time-budget",
        ErrorKind::Table(_) => "table",
        ErrorKind::Ledger(_) => "no-ledger",
        ErrorKind::Office(_) => "office",
        ErrorKind::Validate(_) => "validate",
        ErrorKind::SchemaViolations(_) => "schema-violations",
        ErrorKind::Output(_) => "output",
    }
}

impl From<crate::Error> for ApiError {
    /// The CLI's message (`Error`'s display, which names the file) and the stage as kind; the
    /// status follows the CLI's exit code: an input problem is 422 (413 for a file above the input
    /// limit), anything else 500. A converted document that breaks the schema is a fault of ours: 500.
    fn from(e: crate::Error) -> Self {
        let status = match e.kind() {
            ErrorKind::Source(SourceError::TooLarge { .. }) => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorKind::SchemaViolations(_) => StatusCode::INTERNAL_SERVER_ERROR,
            _ if e.is_input_problem() => StatusCode::UNPROCESSABLE_ENTITY,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError::new(status, error_kind_name(e.kind()), e.to_string())
    }
}

impl From<crate::OutputError> for ApiError {
    fn from(e: crate::OutputError) -> Self {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "output", e.to_string())
    }
}

impl From<DrawError> for ApiError {
    /// Every drawing failure is the file's or the request's: 422.
    fn from(e: DrawError) -> Self {
        let kind = match &e {
            DrawError::Pdf(_) => "pdf",
            DrawError::NoSuchPage { .. } => "no-such-page",
            DrawError::PageUnreadable { .. } => "pdf",
        };
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, kind, e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorFields {
                status: self.status.as_u16(),
                kind: self.kind,
                message: &self.message,
                cli_exit_code: self.cli_exit_code(),
            },
        };
        let json = serde_json::to_vec(&body).unwrap_or_else(|_| b"{\"error\":{}}".to_vec());
        let mut response = (self.status, [(header::CONTENT_TYPE, "application/json")], json).into_response();
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if self.status == StatusCode::PAYLOAD_TOO_LARGE {
            // The rest of the body is not read: the connection cannot be reused.
            response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversion_errors_keep_the_cli_message_and_name_their_stage() {
        let e = crate::convert_bytes(b"%PDF-1.4 garbage", "broken.pdf", &crate::Config::default())
            .unwrap_err()
            .with_path("broken.pdf".as_ref());
        let cli_message = e.to_string();
        let api = ApiError::from(e);
        assert_eq!((api.status, api.kind), (StatusCode::UNPROCESSABLE_ENTITY, "pdf"));
        assert_eq!(api.message, cli_message);
        assert!(api.message.starts_with("broken.pdf: PDF: "), "{}", api.message);
        assert_eq!(api.cli_exit_code(), Some(1));
    }

    #[test]
    fn a_file_over_the_input_limit_is_413_and_busy_is_503_with_retry_after() {
        let mut config = crate::Config::default();
        config.limits.max_input_bytes = 4;
        let api = ApiError::from(crate::convert_bytes(b"12345", "a.txt", &config).unwrap_err());
        assert_eq!((api.status, api.kind), (StatusCode::PAYLOAD_TOO_LARGE, "too-large"));
        let response = ApiError::busy("full", 2).into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "2");
    }
}
