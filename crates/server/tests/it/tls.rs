//! TLS and mutual TLS, with certificates made at run time (rcgen): a client that
//! trusts the server's CA is served; a plaintext client is not; with a client CA, a
//! client without a certificate is refused and one with a certificate is served.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair};
use redbank_api::v1::{self, bank_client::BankClient};
use redbank_testkit::RedisServer;
use tonic::Code;
use tonic::transport::{Certificate, ClientTlsConfig, Endpoint, Identity};

/// A CA, a server certificate for localhost and 127.0.0.1, and a client
/// certificate, as PEM files in `dir`.
struct Pki {
    ca: PathBuf,
    server_cert: PathBuf,
    server_key: PathBuf,
    client_cert: PathBuf,
    client_key: PathBuf,
}

fn make_pki(dir: &Path) -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(DnType::CommonName, "redbank test CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let leaf = |names: Vec<String>, usage: ExtendedKeyUsagePurpose| {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(names).unwrap();
        params.extended_key_usages = vec![usage];
        (params.signed_by(&key, &ca, &ca_key).unwrap().pem(), key.serialize_pem())
    };
    let (server_cert, server_key) =
        leaf(vec!["localhost".into(), "127.0.0.1".into()], ExtendedKeyUsagePurpose::ServerAuth);
    let (client_cert, client_key) = leaf(vec!["client".into()], ExtendedKeyUsagePurpose::ClientAuth);
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    Pki {
        ca: write("ca.pem", &ca.pem()),
        server_cert: write("server.pem", &server_cert),
        server_key: write("server.key", &server_key),
        client_cert: write("client.pem", &client_cert),
        client_key: write("client.key", &client_key),
    }
}

/// A server with TLS on a Redis of its own; stops when the returned sender drops.
async fn tls_server(
    redis: &RedisServer,
    pki: &Pki,
    client_ca: bool,
) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let mut config = redbank_server::Config::for_redis(redis.url());
    config.tls_cert = Some(pki.server_cert.clone());
    config.tls_key = Some(pki.server_key.clone());
    config.tls_client_ca = client_ca.then(|| pki.ca.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(redbank_server::run(listener, config, async {
        let _ = rx.await;
    }));
    (addr, tx)
}

/// GetAccount of an unknown account over `endpoint`: Some(code) if the server
/// answered, None if the call never reached it.
async fn answer(endpoint: Endpoint) -> Option<Code> {
    let channel = endpoint
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(2))
        .connect()
        .await
        .ok()?;
    let status = BankClient::new(channel)
        .get_account(v1::GetAccountRequest { account_id: "nobody".into() })
        .await
        .err()?;
    // A transport failure also comes back as a status; only the server's own
    // answer carries redbank's ErrorInfo.
    tonic_types::StatusExt::get_details_error_info(&status).map(|_| status.code())
}

fn https(addr: SocketAddr, tls: ClientTlsConfig) -> Endpoint {
    Endpoint::from_shared(format!("https://{addr}")).unwrap().tls_config(tls).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_serves_clients_that_trust_its_ca_and_no_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    let pki = make_pki(dir.path());
    let redis = RedisServer::start();
    let (addr, _stop) = tls_server(&redis, &pki, false).await;
    let ca = Certificate::from_pem(std::fs::read(&pki.ca).unwrap());
    let trusting = https(addr, ClientTlsConfig::new().ca_certificate(ca.clone()));
    let mut served = None;
    for _ in 0..50 {
        served = answer(trusting.clone()).await;
        if served.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(served, Some(Code::NotFound), "a client trusting the CA is served");
    let by_name = https(addr, ClientTlsConfig::new().ca_certificate(ca).domain_name("localhost"));
    assert_eq!(answer(by_name).await, Some(Code::NotFound));
    let plaintext = Endpoint::from_shared(format!("http://{addr}")).unwrap();
    assert_eq!(answer(plaintext).await, None, "plaintext is not served");
    // A client that does not trust the CA does not get through either.
    let other_dir = tempfile::tempdir().unwrap();
    let stranger = Certificate::from_pem(std::fs::read(make_pki(other_dir.path()).ca).unwrap());
    assert_eq!(answer(https(addr, ClientTlsConfig::new().ca_certificate(stranger))).await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_tls_refuses_a_client_without_a_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let pki = make_pki(dir.path());
    let redis = RedisServer::start();
    let (addr, _stop) = tls_server(&redis, &pki, true).await;
    let ca = Certificate::from_pem(std::fs::read(&pki.ca).unwrap());
    let identity =
        Identity::from_pem(std::fs::read(&pki.client_cert).unwrap(), std::fs::read(&pki.client_key).unwrap());
    let with_certificate = https(addr, ClientTlsConfig::new().ca_certificate(ca.clone()).identity(identity));
    let mut served = None;
    for _ in 0..50 {
        served = answer(with_certificate.clone()).await;
        if served.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(served, Some(Code::NotFound), "a client with a certificate from the CA is served");
    let without = https(addr, ClientTlsConfig::new().ca_certificate(ca));
    assert_eq!(answer(without).await, None, "a client without a certificate is refused");
}
