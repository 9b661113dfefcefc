//! The HTTP API: routes, request checking and the JSON of answers and errors (docs/serve.md). A request body
//! is checked by the rule of `paw.toml`'s input rows (`paw_build::input_row`), so the server, `pawc map` and
//! `pawc build` accept and explain exactly the same arguments.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use paw_build::{input_row, Format, RowProblem};
use paw_fuzzy::schema_of;
use serde_json::{json, Value};

use super::pool::{CallFailure, Refused};
use super::{Function, Server};

/// The largest request body read; a larger one is answered 413.
pub const MAX_BODY_BYTES: usize = 1 << 20;

pub fn router(server: Arc<Server>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/v1/functions", get(list))
        .route("/v1/functions/{name}", post(call))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(server)
}

/// An error response: `{"error": {"code": CODE, "message": MESSAGE}}`, the message saying what to fix.
struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    /// The response, counted in the metrics.
    fn respond(self, server: &Server) -> Response {
        server.metrics.error(self.code);
        let body = Json(json!({"error": {"code": self.code, "message": self.message}}));
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            return (self.status, [(header::RETRY_AFTER, "1")], body).into_response();
        }
        (self.status, body).into_response()
    }
}

async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

async fn metrics(State(server): State<Arc<Server>>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        server.metrics.render(),
    )
}

async fn not_found(State(server): State<Arc<Server>>) -> Response {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such route; the API is GET /v1/functions, POST /v1/functions/NAME, GET /healthz and GET /metrics",
    )
    .respond(&server)
}

async fn method_not_allowed(State(server): State<Arc<Server>>) -> Response {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "call a function with POST /v1/functions/NAME; the other routes are GET",
    )
    .respond(&server)
}

/// Every fuzzy fn: its parameters and return type as JSON Schema, its program id and build state.
async fn list(State(server): State<Arc<Server>>) -> Json<Value> {
    let functions: Vec<Value> = server.functions.iter().map(describe).collect();
    Json(json!({"functions": functions}))
}

fn describe(f: &Function) -> Value {
    let mut entry = json!({"name": f.name, "key": f.key});
    if let Some(spec) = &f.spec {
        let parameters: Vec<Value> = spec
            .params
            .iter()
            .map(|p| json!({"name": p.name, "schema": schema_of(&p.ty).json_schema()}))
            .collect();
        entry["parameters"] = json!(parameters);
        entry["returns"] = schema_of(&spec.ret).json_schema();
    }
    match &f.state {
        Ok(ready) => {
            entry["program"] = json!(ready.id);
            entry["state"] = json!("built");
        }
        Err(unusable) => {
            entry["program"] = Value::Null;
            entry["state"] = json!(unusable.why.summary());
            entry["message"] = json!(format!("{}; {}", unusable.why, unusable.help));
        }
    }
    entry
}

async fn call(
    State(server): State<Arc<Server>>,
    Path(name): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let arrived = Instant::now();
    match answer(&server, &name, body, arrived).await {
        Ok(answer) => Json(answer).into_response(),
        Err(error) => error.respond(&server),
    }
}

async fn answer(
    server: &Server,
    name: &str,
    body: Result<Bytes, BytesRejection>,
    arrived: Instant,
) -> Result<Value, ApiError> {
    let index = match server.names.get(name) {
        Some(Ok(index)) => *index,
        Some(Err(ambiguous)) => {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "unknown_function",
                ambiguous.replace("\n  help:", ";"),
            ))
        }
        None => {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "unknown_function",
                format!("no fuzzy fn `{name}` in this project; GET /v1/functions lists the ones it has"),
            ))
        }
    };
    let f = &server.functions[index];
    let body = body.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("the request body is over {MAX_BODY_BYTES} bytes; send the arguments of one call"),
        ),
        _ => ApiError::new(StatusCode::BAD_REQUEST, "bad_request", rejection.body_text()),
    })?;
    let text = std::str::from_utf8(&body).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "the request body is not UTF-8; send {\"args\": [...]} as UTF-8 JSON",
        )
    })?;
    let args = match &f.spec {
        Some(spec) => input_row(Format::JsonLines, text, &f.key, spec).map_err(|e| {
            let (code, message) = match e.problem {
                RowProblem::Mismatch => ("bad_arguments", format!("{}; {}", e.message, e.help)),
                RowProblem::OtherFunction => (
                    "wrong_function",
                    format!(
                        "{}; remove `fn` from the body, or post to that function's URL",
                        e.message
                    ),
                ),
                RowProblem::Malformed | RowProblem::TextFile => (
                    "bad_request",
                    format!(
                        "{}; send {{\"args\": [...]}} with one value per parameter of `{}`",
                        e.message,
                        spec.signature()
                    ),
                ),
            };
            ApiError::new(StatusCode::BAD_REQUEST, code, message)
        })?,
        // A function whose types a model cannot take has no spec and no build: it is answered 409 below.
        None => Vec::new(),
    };
    let ready = f.state.as_ref().map_err(|unusable| {
        ApiError::new(
            StatusCode::CONFLICT,
            "not_built",
            format!("fuzzy fn `{}`: {}; {}", unusable.key, unusable.why, unusable.help),
        )
    })?;
    let internal = || {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error in pawc (a bug in paw, not in your request; please report it)",
        )
    };
    // A built function loaded the model, which started the pool.
    let pool = server.pool.as_ref().ok_or_else(internal)?;
    let answer = pool
        .submit(ready.program.clone(), args, &server.metrics)
        .map_err(|Refused| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "queue_full",
                "the server is answering as many calls as it takes (--workers plus --queue); retry shortly",
            )
        })?
        .await
        .map_err(|_| internal())?;
    match answer {
        Ok(answer) => {
            server.metrics.call(Some(&f.key), arrived.elapsed());
            Ok(json!({"value": answer.value, "confidence": answer.confidence, "program": ready.id}))
        }
        Err(CallFailure::Failed(message)) => {
            server.metrics.call(None, arrived.elapsed());
            Err(ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "call_failed", message))
        }
        Err(CallFailure::Panicked) => Err(internal()),
    }
}
