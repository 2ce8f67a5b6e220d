//! The layer every duban call passes through: it gives the call a request id
//! (the client's `x-request-id`, or a new one, returned either way), sheds load
//! beyond the concurrency limit at once instead of queueing it, stops the work
//! when the client's `grpc-timeout` passes (DEADLINE_EXCEEDED), and writes one
//! access log line and the per-RPC metrics for every call, failed ones included.

use std::{
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::{Duration, Instant},
};

use http::{HeaderMap, HeaderValue, Request, Response};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tonic::{
    Code,
    transport::server::{TcpConnectInfo, TlsConnectInfo},
};
use tower_layer::Layer;
use tower_service::Service;

use crate::{
    api::errors::{self, SERVER_DOMAIN, reason},
    audit::{AuditLog, Entry},
    auth::Access,
    call::{AuditNote, CallInfo, REQUEST_ID_HEADER, accept_request_id},
};

/// Calls counted by service, method and status code.
pub const CALLS_METRIC: &str = "duban_rpc_calls_total";
/// Call latency in seconds by service and method.
pub const DURATION_METRIC: &str = "duban_rpc_duration_seconds";

/// Paths that are always served, even under overload: probes must keep answering.
const NEVER_SHED: &[&str] = &["/grpc.health.v1.Health/", "/grpc.reflection."];

/// Adds [`CallService`] around a server's routes.
#[derive(Debug, Clone)]
pub struct CallLayer {
    permits: Arc<Semaphore>,
    access: Arc<Access>,
    audit: AuditLog,
}

impl CallLayer {
    /// Lets at most `max_concurrent_calls` calls run at once (more are
    /// refused), each admitted by `access`; refusals and the mutating calls
    /// the operation did not record itself go to `audit`.
    pub fn new(max_concurrent_calls: usize, access: Access, audit: AuditLog) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(max_concurrent_calls.max(1))),
            access: Arc::new(access),
            audit,
        }
    }
}

impl<S> Layer<S> for CallLayer {
    type Service = CallService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CallService {
            inner,
            permits: Arc::clone(&self.permits),
            access: Arc::clone(&self.access),
            audit: self.audit.clone(),
        }
    }
}

/// See the module documentation.
#[derive(Debug, Clone)]
pub struct CallService<S> {
    inner: S,
    permits: Arc<Semaphore>,
    access: Arc<Access>,
    audit: AuditLog,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for CallService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Send,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    ResBody: Default + Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Response<ResBody>, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let started = Instant::now();
        let record = CallRecord::of(&request, started);
        // The timer starts here, before tonic's own `grpc-timeout` timer that wraps
        // this layer, so it fires first and the client sees DEADLINE_EXCEEDED, not
        // tonic's CANCELLED.
        let timeout = grpc_timeout(request.headers());
        let expiry = timeout.map(tokio::time::sleep);
        let method = record.path.trim_start_matches('/').to_owned();
        let client = client_common_name(&request);
        let admitted = self
            .access
            .admit(&record.path, request.headers(), client.as_deref());
        let (caller, bearer) = match admitted {
            Ok(admitted) => admitted,
            Err(status) => {
                let call = CallInfo {
                    request_id: record.request_id.clone(),
                    method,
                    caller: self.access.identify(request.headers(), client.as_deref()),
                    ..CallInfo::internal()
                };
                let audit = self.audit.clone();
                return Box::pin(async move {
                    let response = record.finish(status.into_http());
                    audit_after(&audit, &call, false, response.headers()).await;
                    Ok(response)
                });
            }
        };
        let call = CallInfo {
            request_id: record.request_id.clone(),
            method,
            deadline: timeout.map(|t| started + t),
            caller,
            bearer,
            audit: AuditNote::default(),
        };
        let writes = self.access.writes(&record.path);
        let audit = self.audit.clone();
        let permit = if NEVER_SHED.iter().any(|p| record.path.starts_with(p)) {
            None
        } else {
            match Arc::clone(&self.permits).try_acquire_owned() {
                Ok(permit) => Some(permit),
                Err(_) => {
                    let status = errors::status(
                        Code::ResourceExhausted,
                        "the server is at its concurrency limit; retry with backoff",
                        reason::OVERLOADED,
                        SERVER_DOMAIN,
                    );
                    return Box::pin(std::future::ready(Ok(record.finish(status.into_http()))));
                }
            }
        };
        let span = crate::otel::server_span(&method_of(&record.path), request.headers());
        let work = {
            let _entered = span.enter();
            call.clone().sync_scope(|| self.inner.call(request))
        };
        let work = tracing::Instrument::instrument(work, span);
        Box::pin(call.scope(async move {
            let _permit: Option<OwnedSemaphorePermit> = permit;
            let outcome = match expiry {
                // The deadline is checked first: a call to another service that
                // carries the same deadline fails at the same instant, and the
                // client must hear DEADLINE_EXCEEDED, not that failure.
                Some(expiry) => tokio::select! {
                    biased;
                    () = expiry => {
                        let status = errors::status(
                            Code::DeadlineExceeded,
                            "the client's deadline passed; the call was stopped",
                            reason::DEADLINE_EXCEEDED,
                            SERVER_DOMAIN,
                        );
                        Ok(status.into_http())
                    }
                    outcome = work => outcome,
                },
                None => work.await,
            };
            let response = record.finish(outcome?);
            audit_after(&audit, &CallInfo::current(), writes, response.headers()).await;
            Ok(response)
        }))
    }
}

/// Writes the audit record of a call that needs one and whose operation did
/// not write it: every refusal, and a mutating call that failed or succeeded
/// without writing (a replayed retry).
async fn audit_after(audit: &AuditLog, call: &CallInfo, writes: bool, headers: &HeaderMap) {
    let (code, reason) = status_of(headers);
    let (resource, written) = call.audit.state();
    let refused = matches!(code, Code::Unauthenticated | Code::PermissionDenied);
    if refused || (writes && (code != Code::Ok || !written)) {
        let entry = Entry::of_call(call, resource.as_deref().unwrap_or(""), code, &reason);
        audit.record(entry).await;
    }
}

/// The code and ErrorInfo reason of a trailers-only response (OK when the
/// status is not in the headers).
fn status_of(headers: &HeaderMap) -> (Code, String) {
    use tonic_types::StatusExt;
    match tonic::Status::from_header_map(headers) {
        Some(status) => {
            let reason = status
                .get_error_details()
                .error_info()
                .map(|info| info.reason.clone())
                .unwrap_or_default();
            (status.code(), reason)
        }
        None => (Code::Ok, String::new()),
    }
}

/// The common name of the client certificate the caller presented over
/// mutual TLS (verified by the TLS handshake against the client CA).
fn client_common_name<B>(request: &Request<B>) -> Option<String> {
    let info = request
        .extensions()
        .get::<TlsConnectInfo<TcpConnectInfo>>()?;
    let certificates = info.peer_certs()?;
    crate::tls::common_name(certificates.first()?.as_ref())
}

/// What the access log and metrics say about one call.
struct CallRecord {
    path: String,
    request_id: String,
    peer: Option<std::net::SocketAddr>,
    started: Instant,
}

impl CallRecord {
    fn of<B>(request: &Request<B>, started: Instant) -> Self {
        let offered = request
            .headers()
            .get(REQUEST_ID_HEADER)
            .and_then(|v| v.to_str().ok());
        Self {
            path: request.uri().path().to_owned(),
            request_id: accept_request_id(offered),
            peer: request
                .extensions()
                .get::<TcpConnectInfo>()
                .or_else(|| {
                    request
                        .extensions()
                        .get::<TlsConnectInfo<TcpConnectInfo>>()
                        .map(TlsConnectInfo::get_ref)
                })
                .and_then(TcpConnectInfo::remote_addr),
            started,
        }
    }

    /// Logs and counts the call, and returns its response with the request id.
    fn finish<B>(self, mut response: Response<B>) -> Response<B> {
        // An error is a trailers-only response whose status is in the headers; a
        // reply without one is OK (or, for a stream, OK so far).
        let mut code = response
            .headers()
            .get("grpc-status")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<i32>().ok())
            .map_or(Code::Ok, Code::from_i32);
        if let Ok(value) = HeaderValue::from_str(&self.request_id) {
            response.headers_mut().insert(REQUEST_ID_HEADER, value);
        }
        if code == Code::OutOfRange && is_message_too_large(response.headers()) {
            // tonic says OUT_OF_RANGE for a message over the limit; the gRPC
            // specification says RESOURCE_EXHAUSTED, which is what clients expect.
            code = Code::ResourceExhausted;
            let status = errors::status(
                code,
                "the message is larger than this server accepts (--max-message-bytes)",
                reason::MESSAGE_TOO_LARGE,
                SERVER_DOMAIN,
            );
            replace_status(response.headers_mut(), status);
        } else if code != Code::Ok && !response.headers().contains_key(DETAILS_HEADER) {
            add_error_info(response.headers_mut(), code);
        }
        let latency = self.started.elapsed();
        let (service, method) = split_path(&self.path);
        let code_name = code_name(code);
        metrics::counter!(CALLS_METRIC, "service" => service.to_owned(), "method" => method.to_owned(), "code" => code_name)
            .increment(1);
        metrics::histogram!(DURATION_METRIC, "service" => service.to_owned(), "method" => method.to_owned())
            .record(latency.as_secs_f64());
        let peer = self.peer.map(|p| p.to_string()).unwrap_or_default();
        let latency_ms = latency.as_secs_f64() * 1000.0;
        tracing::info!(
            target: "duban::access",
            service,
            method,
            code = code_name,
            latency_ms,
            request_id = %self.request_id,
            peer,
            "call"
        );
        response
    }
}

/// The header that carries a status's google.rpc.Status details.
const DETAILS_HEADER: &str = "grpc-status-details-bin";

/// Gives an error that tonic or a library produced (UNIMPLEMENTED, a message
/// too large, ...) the ErrorInfo every duban error carries, its reason the
/// code's name.
fn add_error_info(headers: &mut HeaderMap, code: Code) {
    let described = errors::status(code, "", code_name(code), SERVER_DOMAIN).into_http::<()>();
    if let Some(details) = described.headers().get(DETAILS_HEADER) {
        headers.insert(DETAILS_HEADER, details.clone());
    }
}

/// Whether a trailers-only OUT_OF_RANGE response is tonic's refusal of a
/// message over the size limit.
fn is_message_too_large(headers: &HeaderMap) -> bool {
    headers
        .get("grpc-message")
        .and_then(|v| v.to_str().ok())
        // The message is percent-encoded on the wire (spaces as %20).
        .is_some_and(|message| {
            message
                .replace("%20", " ")
                .contains("message length too large")
        })
}

/// Replaces a trailers-only response's status (code, message, details).
fn replace_status(headers: &mut HeaderMap, status: tonic::Status) {
    let described = status.into_http::<()>();
    for name in ["grpc-status", "grpc-message", DETAILS_HEADER] {
        match described.headers().get(name) {
            Some(value) => {
                headers.insert(name, value.clone());
            }
            None => {
                headers.remove(name);
            }
        }
    }
}

fn method_of(path: &str) -> String {
    path.trim_start_matches('/').to_owned()
}

fn split_path(path: &str) -> (&str, &str) {
    path.trim_start_matches('/')
        .split_once('/')
        .unwrap_or((path, ""))
}

/// Returns the canonical name of a status code, as gRPC documents them.
pub fn code_name(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

/// Parses `grpc-timeout` (at most 8 digits and a unit of H, M, S, m, u or n);
/// a malformed value is ignored, as the gRPC specification allows.
fn grpc_timeout(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get("grpc-timeout")?.to_str().ok()?;
    let (digits, unit) = value.split_at(value.len().checked_sub(1)?);
    if digits.is_empty() || digits.len() > 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let amount: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(amount * 3600),
        "M" => Duration::from_secs(amount * 60),
        "S" => Duration::from_secs(amount),
        "m" => Duration::from_millis(amount),
        "u" => Duration::from_micros(amount),
        "n" => Duration::from_nanos(amount),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::convert::Infallible;

    use super::*;

    /// A handler that never answers, like one waiting on a hung dependency.
    #[derive(Clone)]
    struct Hung;

    impl Service<Request<()>> for Hung {
        type Response = Response<String>;
        type Error = Infallible;
        type Future = std::future::Pending<Result<Response<String>, Infallible>>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, _: Request<()>) -> Self::Future {
            std::future::pending()
        }
    }

    fn request(path: &str, timeout: Option<&str>) -> Request<()> {
        let mut builder = Request::builder().uri(path);
        if let Some(timeout) = timeout {
            builder = builder.header("grpc-timeout", timeout);
        }
        builder.body(()).unwrap()
    }

    fn status_of<B>(response: &Response<B>) -> Option<&str> {
        response
            .headers()
            .get("grpc-status")
            .map(|v| v.to_str().unwrap())
    }

    #[tokio::test]
    async fn a_passed_deadline_answers_deadline_exceeded_with_the_request_id() {
        let mut service =
            CallLayer::new(4, crate::auth::Access::new(None, &[]), AuditLog::default()).layer(Hung);
        let mut call = request("/duban.x.v1.X/Slow", Some("20m"));
        call.headers_mut()
            .insert(REQUEST_ID_HEADER, HeaderValue::from_static("deadline-1"));
        let response = service.call(call).await.unwrap();
        assert_eq!(status_of(&response), Some("4"));
        assert_eq!(
            response.headers().get(REQUEST_ID_HEADER).unwrap(),
            "deadline-1"
        );
    }

    #[tokio::test]
    async fn calls_beyond_the_limit_are_refused_at_once_but_health_never() {
        let mut service =
            CallLayer::new(1, crate::auth::Access::new(None, &[]), AuditLog::default()).layer(Hung);
        let held = service.call(request("/duban.x.v1.X/Slow", None));
        let refused = service
            .call(request("/duban.x.v1.X/Other", None))
            .await
            .unwrap();
        assert_eq!(status_of(&refused), Some("8"));
        let health = service.call(request("/grpc.health.v1.Health/Check", Some("20m")));
        // Not refused: it reaches the (hung) handler and meets its deadline.
        assert_eq!(status_of(&health.await.unwrap()), Some("4"));
        drop(held);
        let freed = service.call(request("/duban.x.v1.X/Slow", Some("20m")));
        assert_eq!(
            status_of(&freed.await.unwrap()),
            Some("4"),
            "the slot was freed"
        );
    }

    fn timeout_of(value: &str) -> Option<Duration> {
        let mut headers = HeaderMap::new();
        headers.insert("grpc-timeout", HeaderValue::from_str(value).ok()?);
        grpc_timeout(&headers)
    }

    #[test]
    fn grpc_timeouts_parse_in_every_unit() {
        assert_eq!(timeout_of("2H"), Some(Duration::from_secs(7200)));
        assert_eq!(timeout_of("3M"), Some(Duration::from_secs(180)));
        assert_eq!(timeout_of("10S"), Some(Duration::from_secs(10)));
        assert_eq!(timeout_of("250m"), Some(Duration::from_millis(250)));
        assert_eq!(
            timeout_of("99999999u"),
            Some(Duration::from_micros(99_999_999))
        );
        assert_eq!(timeout_of("5n"), Some(Duration::from_nanos(5)));
        for bad in ["", "m", "123456789m", "10x", "-1S", "1.5S"] {
            assert_eq!(timeout_of(bad), None, "{bad}");
        }
    }

    #[test]
    fn paths_split_into_service_and_method() {
        assert_eq!(
            split_path("/duban.registry.v1.RegistryService/GetUnit"),
            ("duban.registry.v1.RegistryService", "GetUnit")
        );
    }
}
