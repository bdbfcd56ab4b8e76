//! Webhooks: an HTTP endpoint that receives every event (of one account, or of all)
//! as a signed POST. The domain holds what a webhook is and which URLs may be one;
//! the delivery (HTTP, signatures, retries) is the server's.

use std::fmt;
use std::net::IpAddr;

use crate::Error;

/// A webhook's id: 16 lower-case hex digits, made by the bank.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WebhookId(String);

impl WebhookId {
    pub const LEN: usize = 16;

    pub fn parse(s: &str) -> Result<Self, Error> {
        let ok = s.len() == Self::LEN && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if ok { Ok(Self(s.to_owned())) } else { Err(Error::InvalidWebhookId) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for WebhookId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Most bytes of a webhook's URL.
pub const URL_MAX: usize = 2048;

/// A webhook's URL: `http` or `https`, a host, an optional port and path; no user
/// name or password (the signature authenticates us; a URL's credentials would be
/// logged and shown wherever the URL is), no fragment, printable ASCII only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl {
    text: String,
    https: bool,
    host: String,
    port: u16,
    /// Path and query, at least "/".
    target: String,
}

impl WebhookUrl {
    pub fn parse(text: &str) -> Result<Self, Error> {
        let bad = |why: &str| Error::InvalidWebhookUrl(why.to_owned());
        if text.is_empty() || text.len() > URL_MAX {
            return Err(bad(&format!("a URL of 1 to {URL_MAX} bytes is needed")));
        }
        if !text.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(bad("only printable ASCII without spaces"));
        }
        let (https, rest) = if let Some(rest) = text.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = text.strip_prefix("http://") {
            (false, rest)
        } else {
            return Err(bad("the scheme must be http or https"));
        };
        if text.contains('#') {
            return Err(bad("no fragment"));
        }
        let (authority, target) = match rest.find(['/', '?']) {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        if authority.contains('@') {
            return Err(bad("no user name or password in the URL"));
        }
        let target = if target.starts_with('?') { format!("/{target}") } else { target.to_owned() };
        let (host, port) =
            split_host_port(authority).ok_or_else(|| bad("a host, and a port of 1 to 65535"))?;
        let port = port.unwrap_or(if https { 443 } else { 80 });
        Ok(Self { text: text.to_owned(), https, host, port, target })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn https(&self) -> bool {
        self.https
    }

    /// The host as written (a name, or an address without IPv6 brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The request target: path and query.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The host's address when the URL names one rather than a name.
    pub fn ip(&self) -> Option<IpAddr> {
        self.host.parse().ok()
    }
}

impl fmt::Display for WebhookUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// `host[:port]` or `[v6][:port]`: the host (a name of letters, digits, `-` and
/// `.`, or an address) and the port if given.
fn split_host_port(authority: &str) -> Option<(String, Option<u16>)> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (v6, after) = rest.split_once(']')?;
        v6.parse::<std::net::Ipv6Addr>().ok()?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':')?),
        };
        (v6.to_owned(), port)
    } else {
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        };
        let name_ok = !host.is_empty()
            && host.len() <= 253
            && host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
            && !host.starts_with(['-', '.']);
        if !name_ok {
            return None;
        }
        (host.to_ascii_lowercase(), port)
    };
    let port = match port {
        None => None,
        Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
            Some(p.parse::<u16>().ok().filter(|p| *p > 0)?)
        }
        Some(_) => return None,
    };
    Some((host, port))
}

/// Whether `ip` is an address on the public internet. Loopback, private,
/// link-local, shared (CGNAT), unspecified, multicast, broadcast, documentation
/// and reserved ranges are not: a webhook must not reach into the bank's own
/// network (SSRF) unless the operator allows it.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0 && v4.octets()[2] == 0)
                || (a == 198 && (18..20).contains(&b))
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8
                || first == 0x0064 && v6.segments()[1] == 0xff9b)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_webhook_id_is_16_lower_case_hex_digits() {
        assert!(WebhookId::parse("0123456789abcdef").is_ok());
        for bad in ["", "0123456789ABCDEF", "0123456789abcde", "0123456789abcdef0", "0123456789abcdeg"] {
            assert_eq!(WebhookId::parse(bad), Err(Error::InvalidWebhookId), "{bad:?}");
        }
    }

    #[test]
    fn urls_are_http_or_https_with_a_host_and_nothing_secret() {
        let u = WebhookUrl::parse("https://hooks.example.com/bank?x=1").unwrap();
        assert_eq!(
            (u.https(), u.host(), u.port(), u.target()),
            (true, "hooks.example.com", 443, "/bank?x=1")
        );
        let u = WebhookUrl::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!((u.https(), u.host(), u.port(), u.target()), (false, "127.0.0.1", 8080, "/"));
        assert_eq!(u.ip(), Some("127.0.0.1".parse().unwrap()));
        let u = WebhookUrl::parse("http://[::1]:9/h").unwrap();
        assert_eq!((u.host(), u.port(), u.target()), ("::1", 9, "/h"));
        let u = WebhookUrl::parse("http://Example.COM?q").unwrap();
        assert_eq!((u.host(), u.port(), u.target()), ("example.com", 80, "/?q"));
        for bad in [
            "",
            "ftp://x/",
            "https://",
            "https://user:pw@x.example/",
            "https://x.example/#frag",
            "https://x.example:0/",
            "https://x.example:65536/",
            "https://x.example:/",
            "https://x.example:8a/",
            "https://x y/",
            "https://[::1/",
            "https://[nope]/",
            "https://-x.example/",
            "https://x_y.example/",
            "https://é.example/",
        ] {
            assert!(matches!(WebhookUrl::parse(bad), Err(Error::InvalidWebhookUrl(_))), "{bad:?}");
        }
        assert!(WebhookUrl::parse(&format!("https://x.example/{}", "a".repeat(URL_MAX))).is_err());
        // Exactly URL_MAX bytes is a URL; one more is not.
        let longest = format!("https://x.example/{}", "a".repeat(URL_MAX - "https://x.example/".len()));
        assert_eq!(WebhookUrl::parse(&longest).map(|u| u.as_str().len()), Ok(URL_MAX));
        assert!(WebhookUrl::parse(&format!("{longest}a")).is_err());
        // A port is digits only: Rust's integer parsing would take a sign.
        assert!(WebhookUrl::parse("https://x.example:+443/").is_err());
        assert!(WebhookUrl::parse("http://[::1]:+9/").is_err());
    }

    #[test]
    fn ids_and_urls_read_as_written() {
        let id = WebhookId::parse("0123456789abcdef").unwrap();
        assert_eq!((id.as_str(), id.to_string().as_str()), ("0123456789abcdef", "0123456789abcdef"));
        let text = "https://Hooks.example.com:8443/in?a=1";
        let url = WebhookUrl::parse(text).unwrap();
        assert_eq!((url.as_str(), url.to_string().as_str()), (text, text));
        assert_eq!((url.host(), url.port()), ("hooks.example.com", 8443));
    }

    #[test]
    fn only_public_addresses_are_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.255",
            "0.0.0.0",
            "0.1.2.3",
            "224.0.0.1",
            "255.255.255.255",
            "240.0.0.1",
            "192.0.0.8",
            "198.18.0.1",
            "192.0.2.1",
            "::1",
            "::",
            "fc00::1",
            "fd12::1",
            "fe80::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in [
            "8.8.8.8",
            "1.1.1.1",
            "172.32.0.1",
            "100.128.0.1",
            "8.0.0.8",
            "192.1.0.1",
            "192.0.1.1",
            "198.20.0.1",
            "2606:4700::1111",
            "2001:4860:4860::8888",
            "2600:db8::1",
            "2606:ff9b::1",
            "::ffff:8.8.8.8",
        ] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }
}
