//! What every operation knows about the call it serves: the request id that ties
//! its log lines together across services, the deadline the client set, and who
//! is calling. The server's call layer fills it in and scopes the handler's task
//! with it, so code far below a handler reads it without threading it through,
//! and outgoing calls to another duban service pass it on.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use tonic::{Request, Status, service::Interceptor};

/// The metadata key that carries a request id, in and out.
pub const REQUEST_ID_HEADER: &str = "x-request-id";
/// Longest request id accepted from a client; longer ones are replaced.
const MAX_REQUEST_ID_LEN: usize = 128;

/// Who is calling. Every call is anonymous until authentication lands; the type
/// exists now so that operations already take it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Caller {
    /// No identity was presented (authentication is off, or the method is open).
    #[default]
    Anonymous,
    /// A verified bearer token named this caller.
    Authenticated(crate::auth::Principal),
}

/// The request id, deadline and caller of one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallInfo {
    /// The client's `x-request-id`, or one generated for the call.
    pub request_id: String,
    /// The gRPC method without the leading slash
    /// (`duban.registry.v1.RegistryService/CreateUnit`); empty for internal work.
    pub method: String,
    /// When the client stops waiting (from `grpc-timeout`), if it said.
    pub deadline: Option<Instant>,
    /// Who is calling.
    pub caller: Caller,
    /// The caller's token, passed on to the services called on its behalf.
    pub bearer: Option<crate::auth::Bearer>,
    /// What the operation told the audit trail so far.
    pub audit: AuditNote,
}

/// What an operation tells the call layer about its audit record: the resource
/// it concerns, and whether it already wrote the record inside its own
/// transaction (then the layer writes none). Every clone of a call shares it.
#[derive(Debug, Clone, Default)]
pub struct AuditNote(Arc<Mutex<AuditState>>);

#[derive(Debug, Default)]
struct AuditState {
    resource: Option<String>,
    written: bool,
}

impl AuditNote {
    /// Names the resource the call concerns (for a record the layer writes).
    pub fn concerns(&self, resource: &str) {
        if let Ok(mut state) = self.0.lock() {
            state.resource = Some(resource.to_owned());
        }
    }

    /// Notes that the operation wrote the call's record in its transaction.
    pub fn written(&self) {
        if let Ok(mut state) = self.0.lock() {
            state.written = true;
        }
    }

    /// Returns the resource named, and whether the record is written.
    pub fn state(&self) -> (Option<String>, bool) {
        self.0
            .lock()
            .map(|state| (state.resource.clone(), state.written))
            .unwrap_or_default()
    }
}

/// Notes carry no identity of their own: two calls are equal by their ids.
impl PartialEq for AuditNote {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for AuditNote {}

tokio::task_local! {
    static CURRENT: CallInfo;
}

impl CallInfo {
    /// Returns the info of a call with a fresh request id and no deadline (for work
    /// that no client started, such as a scheduled sweep).
    pub fn internal() -> Self {
        Self {
            request_id: new_request_id(),
            method: String::new(),
            deadline: None,
            caller: Caller::Anonymous,
            bearer: None,
            audit: AuditNote::default(),
        }
    }

    /// Returns the info of the call the current task serves, or a fresh internal one
    /// outside any call.
    pub fn current() -> Self {
        CURRENT
            .try_with(Clone::clone)
            .unwrap_or_else(|_| Self::internal())
    }

    /// Runs `work` as part of this call: `current()` inside it returns `self`.
    pub async fn scope<F: Future>(self, work: F) -> F::Output {
        CURRENT.scope(self, work).await
    }

    /// Runs the synchronous `work` as part of this call.
    pub fn sync_scope<R>(self, work: impl FnOnce() -> R) -> R {
        CURRENT.sync_scope(self, work)
    }

    /// Returns how long remains until the deadline (zero once passed).
    pub fn remaining(&self) -> Option<Duration> {
        self.deadline
            .map(|deadline| deadline.saturating_duration_since(Instant::now()))
    }
}

/// Returns the client's request id when it is usable (1-128 visible ASCII
/// characters), otherwise a new one.
pub fn accept_request_id(offered: Option<&str>) -> String {
    match offered {
        Some(id)
            if !id.is_empty()
                && id.len() <= MAX_REQUEST_ID_LEN
                && id.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            id.to_owned()
        }
        _ => new_request_id(),
    }
}

fn new_request_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Passes the current call's request id, remaining time and bearer token on to
/// another duban service, so that its log lines carry the same id, it stops when
/// our client stops waiting, and it checks the same caller's rights.
///
/// Work that no client started (a scheduled sweep) has no caller's token; it
/// sends the service's own, when one is configured.
#[derive(Debug, Clone, Default)]
pub struct PropagateCall {
    own: Option<crate::auth::Bearer>,
}

impl PropagateCall {
    /// Passes calls on, with `own` as the token of work no caller started.
    pub fn with_own_token(own: Option<crate::auth::Bearer>) -> Self {
        Self { own }
    }
}

impl Interceptor for PropagateCall {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, Status> {
        let call = CallInfo::current();
        if let Ok(value) = call.request_id.parse() {
            request.metadata_mut().insert(REQUEST_ID_HEADER, value);
        }
        if let Some(remaining) = call.remaining() {
            if remaining.is_zero() {
                return Err(Status::deadline_exceeded(
                    "the caller's deadline passed before the call to the next service",
                ));
            }
            request.set_timeout(remaining);
        }
        crate::otel::inject(request.metadata_mut());
        // On behalf of the same caller: the next service checks the same token.
        if let Some(bearer) = call.bearer.as_ref().or(self.own.as_ref())
            && let Ok(value) = format!("Bearer {}", bearer.0).parse()
        {
            request.metadata_mut().insert("authorization", value);
        }
        Ok(request)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn offered_ids_are_kept_when_sane_and_replaced_otherwise() {
        assert_eq!(accept_request_id(Some("abc-123")), "abc-123");
        for bad in [Some(""), Some("has space"), Some("中文"), None] {
            let id = accept_request_id(bad);
            assert!(uuid::Uuid::parse_str(&id).is_ok(), "{bad:?} gave {id}");
        }
        let long = "x".repeat(129);
        assert_ne!(accept_request_id(Some(&long)), long);
    }

    #[tokio::test]
    async fn outgoing_calls_carry_the_current_id_and_remaining_time() {
        let call = CallInfo {
            request_id: "req-7".into(),
            deadline: Some(Instant::now() + Duration::from_secs(5)),
            ..CallInfo::internal()
        };
        let request = call
            .scope(async { PropagateCall::default().call(Request::new(())) })
            .await
            .unwrap();
        assert_eq!(request.metadata().get(REQUEST_ID_HEADER).unwrap(), "req-7");
        let timeout = request.metadata().get("grpc-timeout").unwrap();
        assert!(
            timeout.to_str().unwrap().ends_with('u') || timeout.to_str().unwrap().ends_with('m')
        );
    }

    #[tokio::test]
    async fn a_passed_deadline_stops_the_outgoing_call() {
        let call = CallInfo {
            request_id: "req-8".into(),
            deadline: Some(Instant::now()),
            ..CallInfo::internal()
        };
        let status = call
            .scope(async { PropagateCall::default().call(Request::new(())) })
            .await
            .unwrap_err();
        assert_eq!(status.code(), tonic::Code::DeadlineExceeded);
    }

    #[tokio::test]
    async fn the_callers_token_goes_on_and_the_services_own_only_without_one() {
        use crate::auth::Bearer;
        let own = PropagateCall::with_own_token(Some(Bearer("service".into())));
        let for_caller = CallInfo {
            bearer: Some(Bearer("caller".into())),
            ..CallInfo::internal()
        };
        let sent = |call: CallInfo, mut propagate: PropagateCall| async move {
            let request = call
                .scope(async { propagate.call(Request::new(())) })
                .await
                .unwrap();
            request
                .metadata()
                .get("authorization")
                .map(|v| v.to_str().unwrap().to_owned())
        };
        assert_eq!(
            sent(for_caller, own.clone()).await.as_deref(),
            Some("Bearer caller")
        );
        assert_eq!(
            sent(CallInfo::internal(), own).await.as_deref(),
            Some("Bearer service")
        );
        assert_eq!(
            sent(CallInfo::internal(), PropagateCall::default()).await,
            None
        );
    }

    #[test]
    fn outside_a_call_there_is_a_fresh_internal_id() {
        let a = CallInfo::current();
        let b = CallInfo::current();
        assert_ne!(a.request_id, b.request_id);
        assert_eq!(a.deadline, None);
    }
}
