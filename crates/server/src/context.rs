//! What the transport knows of one call, carried as one value in the request's
//! extensions: its deadline and its connection's response budget (set by the
//! transport), its principal (set by the authenticator), its request id (noted by
//! the handler). The handler reads them from here and the access log writes them
//! when the call ends.
//!
//! Why one value: each value put in a request's extensions is a heap allocation
//! of its own, and these four travel together on every call (issue 25 counted the
//! separate ones in the server's allocations per deposit).

use std::sync::{Arc, OnceLock};

use redbank_domain::Principal;

use crate::budget::ConnectionBudget;

#[derive(Clone, Default)]
pub struct CallContext(Arc<Inner>);

#[derive(Default)]
struct Inner {
    /// When the call must have delivered its response (the server's deadline or
    /// the client's, whichever comes first): a handler of a stream ends it before.
    deadline: Option<tokio::time::Instant>,
    budget: Option<ConnectionBudget>,
    principal: OnceLock<Arc<Principal>>,
    request_id: OnceLock<String>,
}

impl CallContext {
    /// The transport's part of a call's context.
    pub fn new(deadline: tokio::time::Instant, budget: ConnectionBudget) -> Self {
        Self(Arc::new(Inner { deadline: Some(deadline), budget: Some(budget), ..Inner::default() }))
    }

    pub fn deadline(&self) -> Option<tokio::time::Instant> {
        self.0.deadline
    }

    pub fn budget(&self) -> Option<&ConnectionBudget> {
        self.0.budget.as_ref()
    }

    /// Who makes the call; set once, by the authenticator.
    pub fn set_principal(&self, principal: Arc<Principal>) {
        let _ = self.0.principal.set(principal);
    }

    pub fn principal(&self) -> Option<&Arc<Principal>> {
        self.0.principal.get()
    }

    /// The call's request id, for the access log (an empty one is not noted).
    pub fn note_request_id(&self, request_id: &str) {
        if !request_id.is_empty() {
            let _ = self.0.request_id.set(request_id.to_owned());
        }
    }

    /// The request id noted, or "".
    pub fn request_id(&self) -> &str {
        self.0.request_id.get().map_or("", String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_part_is_set_once_and_read_back() {
        let context = CallContext::default();
        assert!(context.deadline().is_none() && context.budget().is_none() && context.principal().is_none());
        context.note_request_id("");
        assert_eq!(context.request_id(), "");
        context.note_request_id("r-1");
        context.note_request_id("r-2");
        assert_eq!(context.request_id(), "r-1");
        context.set_principal(Arc::new(Principal::anonymous_admin()));
        context.set_principal(Arc::new(Principal::operator()));
        assert_eq!(context.principal().map(|p| (**p).clone()), Some(Principal::anonymous_admin()));
        // A clone is the same call.
        let mut extensions = http::Extensions::new();
        extensions.insert(context.clone());
        assert_eq!(extensions.get::<CallContext>().map(CallContext::request_id), Some("r-1"));
    }
}
