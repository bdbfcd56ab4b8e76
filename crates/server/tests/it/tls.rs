//! TLS and mutual TLS, with certificates made at run time (rcgen): a client that
//! trusts the server's CA is served; a plaintext client is not; with a client CA, a
//! client without a certificate is refused and one with a certificate is served.

use std::net::SocketAddr;
use std::time::Duration;

use redbank_testkit::Persistence;
use redbank_testkit::pki::{Pki, make_pki};
use tonic::Code;
use tonic::transport::{Certificate, ClientTlsConfig, Endpoint, Identity};

use crate::helpers::{TestApp, answer, start_app};

/// How long one attempt may take to connect and to answer.
const WITHIN: Duration = Duration::from_secs(2);

/// A server with TLS (and, with `client_ca`, client certificates from the CA).
async fn tls_app(pki: &Pki, client_ca: bool) -> TestApp {
    start_app(Persistence::None, |config| {
        config.tls_cert = Some(pki.server_cert.clone());
        config.tls_key = Some(pki.server_key.clone());
        config.tls_client_ca = client_ca.then(|| pki.ca.clone());
    })
    .await
}

/// The answer over `endpoint` once the server has started: tried for up to five
/// seconds, as the plaintext health check cannot tell when it serves.
async fn first_answer(endpoint: &Endpoint) -> Option<Code> {
    for _ in 0..50 {
        if let Some(code) = answer(endpoint.clone(), WITHIN).await {
            return Some(code);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
}

fn https(addr: SocketAddr, tls: ClientTlsConfig) -> Endpoint {
    Endpoint::from_shared(format!("https://{addr}")).unwrap().tls_config(tls).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_serves_clients_that_trust_its_ca_and_no_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    let pki = make_pki(dir.path());
    let app = tls_app(&pki, false).await;
    let addr = app.addr;
    let ca = Certificate::from_pem(std::fs::read(&pki.ca).unwrap());
    let trusting = https(addr, ClientTlsConfig::new().ca_certificate(ca.clone()));
    assert_eq!(first_answer(&trusting).await, Some(Code::NotFound), "a client trusting the CA is served");
    let by_name = https(addr, ClientTlsConfig::new().ca_certificate(ca).domain_name("localhost"));
    assert_eq!(answer(by_name, WITHIN).await, Some(Code::NotFound));
    let plaintext = Endpoint::from_shared(format!("http://{addr}")).unwrap();
    assert_eq!(answer(plaintext, WITHIN).await, None, "plaintext is not served");
    // A client that does not trust the CA does not get through either.
    let other_dir = tempfile::tempdir().unwrap();
    let stranger = Certificate::from_pem(std::fs::read(make_pki(other_dir.path()).ca).unwrap());
    assert_eq!(answer(https(addr, ClientTlsConfig::new().ca_certificate(stranger)), WITHIN).await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_tls_refuses_a_client_without_a_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let pki = make_pki(dir.path());
    let app = tls_app(&pki, true).await;
    let addr = app.addr;
    let ca = Certificate::from_pem(std::fs::read(&pki.ca).unwrap());
    let identity =
        Identity::from_pem(std::fs::read(&pki.client_cert).unwrap(), std::fs::read(&pki.client_key).unwrap());
    let with_certificate = https(addr, ClientTlsConfig::new().ca_certificate(ca.clone()).identity(identity));
    assert_eq!(
        first_answer(&with_certificate).await,
        Some(Code::NotFound),
        "a client with a certificate from the CA is served"
    );
    let without = https(addr, ClientTlsConfig::new().ca_certificate(ca));
    assert_eq!(answer(without, WITHIN).await, None, "a client without a certificate is refused");
}
