//! One webhook POST: resolve, refuse addresses that are not public (unless the
//! operator allows them), connect to the address checked (never resolving again,
//! so a name cannot change its answer in between), TLS for https against the
//! system's certificate authorities, HTTP/1.1, no redirects followed, a connect and
//! a total timeout, the answer's body read up to a small bound and dropped.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::TokioIo;
use redbank_domain::WebhookUrl;
use redbank_domain::webhook::is_public;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};

/// Bytes of an answer's body read (and dropped) before the connection is let go.
const ANSWER_BODY_MAX: usize = 64 * 1024;
/// Where Debian keeps the certificate authorities https endpoints are checked against.
const SYSTEM_CAS: &str = "/etc/ssl/certs/ca-certificates.crt";

/// How a delivery reaches out.
#[derive(Clone)]
pub struct Client {
    pub connect_timeout: Duration,
    pub total_timeout: Duration,
    pub allow_private: bool,
    tls: Option<TlsConnector>,
}

impl Client {
    pub fn new(connect_timeout: Duration, total_timeout: Duration, allow_private: bool) -> Self {
        let tls = system_roots().map(|roots| {
            let config = ClientConfig::builder().with_root_certificates(roots).with_no_client_auth();
            TlsConnector::from(Arc::new(config))
        });
        if tls.is_none() {
            tracing::warn!(path = SYSTEM_CAS, "no certificate authorities: https webhooks will fail");
        }
        Self { connect_timeout, total_timeout, allow_private, tls }
    }

    /// POSTs `body` with `headers`; the answer's status, or why there was none.
    pub async fn post(
        &self,
        url: &WebhookUrl,
        headers: &[(&str, String)],
        body: Bytes,
    ) -> Result<u16, String> {
        match tokio::time::timeout(self.total_timeout, self.exchange(url, headers, body)).await {
            Ok(answer) => answer,
            Err(_) => Err(format!("no answer within {} ms", self.total_timeout.as_millis())),
        }
    }

    async fn exchange(
        &self,
        url: &WebhookUrl,
        headers: &[(&str, String)],
        body: Bytes,
    ) -> Result<u16, String> {
        let addr = self.resolve(url).await?;
        let tcp = tokio::time::timeout(self.connect_timeout, TcpStream::connect(addr))
            .await
            .map_err(|_| format!("no connection within {} ms", self.connect_timeout.as_millis()))?
            .map_err(|e| format!("connect {addr}: {e}"))?;
        let _ = tcp.set_nodelay(true);
        let request = request(url, headers, body)?;
        if url.https() {
            let tls = self.tls.as_ref().ok_or("no certificate authorities for https")?;
            let name =
                rustls_pki_types::ServerName::try_from(url.host().to_owned()).map_err(|e| e.to_string())?;
            let stream = tls.connect(name, tcp).await.map_err(|e| format!("TLS: {e}"))?;
            send(TokioIo::new(stream), request).await
        } else {
            send(TokioIo::new(tcp), request).await
        }
    }

    /// The first address of the URL's host, refused if it is not public and the
    /// operator did not allow that.
    async fn resolve(&self, url: &WebhookUrl) -> Result<SocketAddr, String> {
        let addrs: Vec<SocketAddr> = match url.ip() {
            Some(ip) => vec![SocketAddr::new(ip, url.port())],
            None => tokio::net::lookup_host((url.host(), url.port()))
                .await
                .map_err(|e| format!("resolve {}: {e}", url.host()))?
                .collect(),
        };
        // Every address must pass: a name with one public and one private address
        // would otherwise reach inside on the second try of another client.
        if !self.allow_private
            && let Some(inside) = addrs.iter().find(|a| !is_public(a.ip()))
        {
            return Err(format!(
                "refused: {} is not a public address (--webhook-allow-private)",
                inside.ip()
            ));
        }
        addrs.into_iter().next().ok_or_else(|| format!("{} has no address", url.host()))
    }
}

fn request(
    url: &WebhookUrl,
    headers: &[(&str, String)],
    body: Bytes,
) -> Result<http::Request<Full<Bytes>>, String> {
    // An IPv6 address in brackets, the port only when it is not the scheme's own.
    let name = if url.host().contains(':') { format!("[{}]", url.host()) } else { url.host().to_owned() };
    let host = if url.port() == if url.https() { 443 } else { 80 } {
        name
    } else {
        format!("{name}:{}", url.port())
    };
    let mut builder = http::Request::post(url.target())
        .header(http::header::HOST, host)
        .header(http::header::CONTENT_TYPE, "application/json")
        .header(http::header::USER_AGENT, concat!("redbank-webhooks/", env!("CARGO_PKG_VERSION")));
    for (name, value) in headers {
        builder = builder.header(*name, value);
    }
    builder.body(Full::new(body)).map_err(|e| e.to_string())
}

async fn send<S>(io: TokioIo<S>, request: http::Request<Full<Bytes>>) -> Result<u16, String>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(io).await.map_err(|e| e.to_string())?;
    let driver = tokio::spawn(conn);
    let answer = sender.send_request(request).await.map_err(|e| format!("no answer: {e}"));
    let result = match answer {
        Ok(response) => {
            let status = response.status().as_u16();
            // Read a little of the body so that the exchange ends cleanly; its
            // content is not ours to keep.
            let _ = Limited::new(response.into_body(), ANSWER_BODY_MAX).collect().await;
            Ok(status)
        }
        Err(e) => Err(e),
    };
    driver.abort();
    result
}

fn system_roots() -> Option<RootCertStore> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(SYSTEM_CAS).ok()?.flatten() {
        let _ = roots.add(cert);
    }
    (!roots.is_empty()).then_some(roots)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_header_brackets_ipv6_and_names_only_a_port_not_the_schemes_own() {
        let host = |url: &str| {
            let r = request(&WebhookUrl::parse(url).unwrap(), &[], Bytes::new()).unwrap();
            (r.headers()[http::header::HOST].to_str().unwrap().to_owned(), r.uri().to_string())
        };
        assert_eq!(host("https://x.example/h?q=1"), ("x.example".into(), "/h?q=1".into()));
        assert_eq!(host("http://x.example:8080"), ("x.example:8080".into(), "/".into()));
        assert_eq!(host("http://[::1]/h"), ("[::1]".into(), "/h".into()));
        assert_eq!(host("https://[::1]:8443/"), ("[::1]:8443".into(), "/".into()));
    }
}
