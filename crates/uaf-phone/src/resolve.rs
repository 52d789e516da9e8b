//! Name resolution for the HTTP agents without a thread per request.
//!
//! ureq resolves the server's name before every request, kept-alive connection or not, and
//! with a timeout set (the agents set one) it does the lookup on a new thread each time. A
//! server given by its IP address (loopback development, the load generator) needs no lookup
//! at all: [`LiteralResolver`] answers those from the URL and hands every other name to
//! ureq's own resolver.

use core::fmt;
use std::net::{IpAddr, SocketAddr};

use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// A ureq [`Resolver`]: an IP-literal host (`127.0.0.1`, `[::1]`) is its own address, found
/// without a lookup or a thread; any other host is resolved by ureq's [`DefaultResolver`].
///
/// ```
/// let agent = ureq::Agent::with_parts(
///     ureq::Agent::config_builder().build(),
///     ureq::unversioned::transport::DefaultConnector::default(),
///     uaf_phone::LiteralResolver::default(),
/// );
/// # drop(agent);
/// ```
#[derive(Default)]
pub struct LiteralResolver {
    names: DefaultResolver,
}

impl fmt::Debug for LiteralResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LiteralResolver")
    }
}

/// The socket address of `uri` when its host is an IP literal (with the port given, or the
/// scheme's: 80 for http, 443 for https).
fn literal(uri: &Uri) -> Option<SocketAddr> {
    let host = uri.host()?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let ip: IpAddr = host.parse().ok()?;
    let port = match (uri.port_u16(), uri.scheme_str()) {
        (Some(port), _) => port,
        (None, Some(s)) if s.eq_ignore_ascii_case("http") => 80,
        (None, Some(s)) if s.eq_ignore_ascii_case("https") => 443,
        (None, _) => return None,
    };
    Some(SocketAddr::new(ip, port))
}

impl Resolver for LiteralResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        match literal(uri) {
            Some(addr) => {
                let mut found = self.empty();
                found.push(addr);
                Ok(found)
            }
            None => self.names.resolve(uri, config, timeout),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(url: &str) -> Option<SocketAddr> {
        literal(&url.parse::<Uri>().ok()?)
    }

    #[test]
    fn ip_literals_are_their_own_address() {
        assert_eq!(
            addr("http://127.0.0.1:8080/x"),
            "127.0.0.1:8080".parse().ok()
        );
        assert_eq!(addr("http://127.0.0.1/"), "127.0.0.1:80".parse().ok());
        assert_eq!(addr("https://10.1.2.3/"), "10.1.2.3:443".parse().ok());
        assert_eq!(addr("HTTPS://10.1.2.3/"), "10.1.2.3:443".parse().ok());
        assert_eq!(addr("http://[::1]:9000/"), "[::1]:9000".parse().ok());
        assert_eq!(addr("https://[::1]/"), "[::1]:443".parse().ok());
    }

    #[test]
    fn names_and_odd_schemes_are_left_to_the_resolver() {
        assert_eq!(addr("http://localhost:8080/"), None);
        assert_eq!(addr("https://example.com/"), None);
        assert_eq!(addr("https://127.0.0.1.example.com/"), None);
        assert_eq!(addr("ftp://127.0.0.1/"), None);
    }

    #[test]
    fn a_literal_host_resolves_without_a_lookup() {
        let r = LiteralResolver::default();
        let uri: Uri = "http://127.0.0.1:1/".parse().unwrap_or_default();
        let config = ureq::config::Config::default();
        let found = r.resolve(&uri, &config, NextTimeout::default());
        let found = found.map(|v| v.to_vec()).unwrap_or_default();
        let want: Vec<SocketAddr> = "127.0.0.1:1".parse().into_iter().collect();
        assert_eq!(found, want);
    }
}
