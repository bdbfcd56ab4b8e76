//! Authentication and the policy check, for every call before it is routed: the
//! credential in `authorization: Bearer ...` becomes a [`Principal`], the policy
//! table ([`redbank_domain::policy`]) is looked up for the method and the
//! principal's role, and the principal goes into the call's context for the
//! handler, which passes it to the store (ownership is checked in Redis, in the
//! same step as the change).
//!
//! This runs in the transport's call service, not a tonic interceptor: an
//! interceptor is synchronous, and a key that is not cached needs a Redis read.
//! It runs before the request body is read, so authorization comes before
//! validation (AIP-211).

pub mod denials;
pub mod jwt;
pub mod keys;
pub mod routes;

use std::sync::Arc;

use http::HeaderMap;
use redbank_bank::policy::{self, Access};
use redbank_domain::Principal;
use tonic::{Code, Status};

use crate::context::CallContext;
use crate::status;

/// Whether calls must carry a credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AuthMode {
    /// Every call of the banking services needs a credential.
    Required,
    /// Every call is made by `anonymous`, with the admin's rights. Only on a
    /// loopback listener, for development and for legacy classic clients that
    /// cannot send metadata.
    Off,
}

impl AuthMode {
    /// As the flag spells it (`required`, `off`), for the log.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::Off => "off",
        }
    }
}

/// Why a credential was refused. Told to the server's log only: the client hears
/// UNAUTHENTICATED and nothing more, so that it cannot tell an unknown key from
/// a revoked one.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Unauthenticated {
    #[error("no authorization header")]
    Missing,
    #[error("the authorization header is not `Bearer <credential>`")]
    Malformed,
    /// A proxy that checks one of several may pass the call on with another:
    /// none is believed.
    #[error("more than one authorization header")]
    Several,
    #[error("unknown credential")]
    Unknown,
    #[error("expired credential")]
    Expired,
    #[error("revoked credential")]
    Revoked,
    #[error("token refused: {0}")]
    Token(#[from] jwt::TokenError),
    /// Not the client's fault: the key could not be read. Answered as the store
    /// failure it is (UNAVAILABLE, usually), not as UNAUTHENTICATED.
    #[error("the credential store failed")]
    Store(#[from] redbank_store::StoreError),
}

/// Paths served without a credential: health (for load balancers and
/// orchestrators) and reflection (the schema, which is public in this repository).
fn open_path(path: &str) -> bool {
    path.starts_with("/grpc.health.v1.Health/")
        || path.starts_with("/grpc.reflection.v1.ServerReflection/")
        || path.starts_with("/grpc.reflection.v1alpha.ServerReflection/")
}

/// The `Bearer` credential of the headers.
fn bearer(headers: &HeaderMap) -> Result<&str, Unauthenticated> {
    let mut values = headers.get_all(http::header::AUTHORIZATION).iter();
    let value = values.next().ok_or(Unauthenticated::Missing)?;
    if values.next().is_some() {
        return Err(Unauthenticated::Several);
    }
    let text = value.to_str().map_err(|_| Unauthenticated::Malformed)?;
    let (scheme, credential) = text.split_once(' ').ok_or(Unauthenticated::Malformed)?;
    let credential = credential.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || credential.is_empty() {
        return Err(Unauthenticated::Malformed);
    }
    Ok(credential)
}

pub fn unauthenticated() -> Status {
    status::with_info(
        Code::Unauthenticated,
        "a valid credential is required: send `authorization: Bearer <API key or token>`",
        "UNAUTHENTICATED",
        Default::default(),
    )
}

/// Turns credentials into principals and checks the policy table.
pub struct Authenticator {
    mode: AuthMode,
    keys: Arc<keys::KeyCache>,
    jwt: Option<Arc<jwt::JwtVerifier>>,
    /// The principal of every call with `--auth off`.
    anonymous: Arc<Principal>,
    pub denials: denials::DenialLog,
}

impl Authenticator {
    pub fn new(mode: AuthMode, keys: Arc<keys::KeyCache>, jwt: Option<Arc<jwt::JwtVerifier>>) -> Self {
        let anonymous = Arc::new(Principal::anonymous_admin());
        Self { mode, keys, jwt, anonymous, denials: denials::DenialLog::new() }
    }

    /// The principal of a credential.
    async fn principal(&self, credential: &str) -> Result<Arc<Principal>, Unauthenticated> {
        if let Some((id, secret)) = redbank_domain::credential::parse_credential(credential) {
            return self.keys.verify(&id, secret).await;
        }
        match &self.jwt {
            Some(jwt) if credential.split('.').count() == 3 => Ok(Arc::new(jwt.verify(credential)?)),
            _ => Err(Unauthenticated::Unknown),
        }
    }

    /// Authenticates the call and checks the policy for its method: Ok with the
    /// principal in the extensions, or the status to answer without routing.
    pub async fn admit<B>(&self, request: &mut http::Request<B>) -> Result<(), Status> {
        let path = request.uri().path();
        if open_path(path) {
            return Ok(());
        }
        let operation = routes::operation(path);
        let principal = match self.mode {
            AuthMode::Off => self.anonymous.clone(),
            AuthMode::Required => match bearer(request.headers()) {
                Ok(credential) => match self.principal(credential).await {
                    Ok(principal) => principal,
                    Err(Unauthenticated::Store(e)) => return Err(status::from_store(e)),
                    Err(why) => {
                        // The key id an API key names (the secret never), so that
                        // an operator sees which key is under attack.
                        let key = redbank_domain::credential::parse_credential(credential).map(|(id, _)| id);
                        self.denials.unauthenticated(path, &why, key.as_ref());
                        return Err(unauthenticated());
                    }
                },
                Err(why) => {
                    self.denials.unauthenticated(path, &why, None);
                    return Err(unauthenticated());
                }
            },
        };
        // Fail closed: a path without a row in the policy table is served to nobody,
        // even if a route for it exists.
        let Some(operation) = operation else {
            return Err(status::with_transport_info(&Status::unimplemented(format!("no method {path}"))));
        };
        if policy::access(operation, principal.grant.role()) == Access::Denied {
            self.denials.denied(&principal, operation, None);
            // The role may not call the method at all: no account is in question,
            // so the answer says so (the reason stays PERMISSION_DENIED).
            let role = principal.grant.role().as_str();
            let article = if role.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
            let message =
                format!("{article} {role} may not call {path} (the policy table: docs/SECURITY.md)");
            return Err(status::refused_with_message(&redbank_domain::Error::PermissionDenied, message));
        }
        // The transport made the call's context; a request made elsewhere (a
        // test's) gets one here.
        request.extensions_mut().get_or_insert_default::<CallContext>().set_principal(principal);
        Ok(())
    }
}

/// The principal the authenticator put in the call's context. Its absence is a
/// bug of ours (a route the authenticator did not see), so INTERNAL.
pub fn caller(extensions: &tonic::Extensions) -> Result<Arc<Principal>, Status> {
    extensions.get::<CallContext>().and_then(CallContext::principal).cloned().ok_or_else(|| {
        tracing::error!("a call reached its handler without a principal");
        status::with_info(Code::Internal, "internal error", "INTERNAL", Default::default())
    })
}

#[cfg(test)]
mod tests;
