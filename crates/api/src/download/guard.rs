//! Where flux-web may fetch an artifact from. `status.artifact.url` is written by a
//! controller, but anyone who may edit a source's status could point it anywhere, so the URL
//! is checked as untrusted input: http(s) only, a cluster service name (the storage of
//! source-controller is `http://<service>.<namespace>.svc[.cluster.local]/...`) other than
//! the API server's own `kubernetes.default`, and the address the connection is made to
//! (IPv4-mapped IPv6 unmapped first) never unspecified, loopback, link-local, `0.0.0.0/8`,
//! carrier-grade NAT (`100.64.0.0/10`), NAT64 (`64:ff9b::/96`), multicast, a cloud metadata
//! endpoint, or the API server's own address. Loopback is allowed only with
//! `download.allowLoopback`, which tests need.

use std::net::{IpAddr, SocketAddr};

use url::{Host, Url};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("artifact URL {url} refused: {why}")]
pub struct Refused {
    pub url: String,
    pub why: String,
}

/// Checks the URL itself; [`check_address`] checks each address its host resolves to.
pub fn check_url(text: &str, allow_loopback: bool) -> Result<Url, Refused> {
    let refuse = |why: &str| Refused {
        url: text.to_owned(),
        why: why.to_owned(),
    };
    let url = Url::parse(text).map_err(|_| refuse("not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(refuse("only http and https are fetched"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse("credentials in the URL"));
    }
    match url.host() {
        None => Err(refuse("no host")),
        Some(Host::Ipv4(ip)) if allow_loopback && ip.is_loopback() => Ok(url),
        Some(Host::Ipv6(ip)) if allow_loopback && ip.is_loopback() => Ok(url),
        Some(Host::Ipv4(_) | Host::Ipv6(_)) => {
            Err(refuse("a literal IP address, not a cluster service"))
        }
        Some(Host::Domain(name)) if allow_loopback && name.eq_ignore_ascii_case("localhost") => {
            Ok(url)
        }
        Some(Host::Domain(name)) if is_service(name) => Ok(url),
        Some(Host::Domain(_)) => Err(refuse(
            "not a cluster service (<service>.<namespace>.svc...)",
        )),
    }
}

/// `<service>.<namespace>.svc` or `<service>.<namespace>.svc.cluster.local`, with an optional
/// trailing dot; never the API server's own service.
fn is_service(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
    let labels: Vec<&str> = name.split('.').collect();
    let suffix_ok = match labels.len() {
        3 => labels[2] == "svc",
        5 => labels[2..] == ["svc", "cluster", "local"],
        _ => false,
    };
    suffix_ok
        && labels[..2].iter().all(|l| is_label(l))
        && !(labels[0] == "kubernetes" && labels[1] == "default")
}

fn is_label(label: &str) -> bool {
    flux_web_shared::names::check_namespace(label).is_ok()
}

/// Refuses addresses a service name must never resolve to. `apiserver` are the API server's
/// own addresses: any port of theirs is refused, except on loopback allowed by
/// `allowLoopback`, where only the API server's own port is (tests run both there).
pub fn check_address(
    url: &Url,
    address: SocketAddr,
    allow_loopback: bool,
    apiserver: &[SocketAddr],
) -> Result<(), Refused> {
    // An IPv4-mapped address (::ffff:a.b.c.d) reaches a.b.c.d: judge that.
    let ip = address.ip().to_canonical();
    let shared_loopback = allow_loopback && ip.is_loopback();
    let bad = apiserver
        .iter()
        .any(|a| a.ip().to_canonical() == ip && (!shared_loopback || a.port() == address.port()))
        || match ip {
            IpAddr::V4(v4) => {
                let [a, b, ..] = v4.octets();
                (v4.is_loopback() && !allow_loopback)
                    || v4.is_link_local()
                    || v4.is_unspecified()
                    || a == 0 // 0.0.0.0/8: "this network", reaches the host itself
                    || (a == 100 && (b & 0xc0) == 64) // 100.64.0.0/10, carrier-grade NAT
                    || v4.is_broadcast()
                    || v4.is_multicast()
            }
            IpAddr::V6(v6) => {
                let s = v6.segments();
                (v6.is_loopback() && !allow_loopback)
                    || v6.is_unspecified()
                    || v6.is_multicast()
                    || (s[0] & 0xffc0) == 0xfe80
                    // 64:ff9b::/96, NAT64: reaches any IPv4 address
                    || s[..6] == [0x64, 0xff9b, 0, 0, 0, 0]
                    // fd00:ec2::254, the EC2 metadata endpoint over IPv6
                    || s == [0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254]
            }
        };
    if bad {
        return Err(Refused {
            url: url.to_string(),
            why: format!("its host resolves to {ip}, which is not fetched"),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_cluster_services_over_http_are_fetched() {
        let allowed = [
            "http://source-controller.flux-system.svc.cluster.local./gitrepository/a/b/c.tar.gz",
            "http://source-controller.flux-system.svc/x.tar.gz",
            "https://storage.flux.svc.cluster.local/x.tar.gz",
            "http://SOURCE-controller.flux-system.SVC/x.tar.gz",
        ];
        for url in allowed {
            assert!(check_url(url, false).is_ok(), "{url}");
        }
        let refused = [
            (
                "ftp://source-controller.flux-system.svc/x",
                "only http and https",
            ),
            ("file:///etc/passwd", "only http and https"),
            ("http://127.0.0.1:9090/x", "literal IP"),
            ("http://169.254.169.254/latest/meta-data", "literal IP"),
            ("http://[::1]/x", "literal IP"),
            ("http://10.0.0.1/x", "literal IP"),
            ("http://localhost/x", "not a cluster service"),
            ("http://example.com/x.tar.gz", "not a cluster service"),
            ("http://svc.evil.com/x", "not a cluster service"),
            ("http://a.b.svc.evil.com/x", "not a cluster service"),
            ("http://a.b.svc.corp.example/x", "not a cluster service"),
            ("http://kubernetes.default.svc/api", "not a cluster service"),
            (
                "http://kubernetes.default.svc.cluster.local./api",
                "not a cluster service",
            ),
            ("http://a_b.ns.svc/x", "not a cluster service"),
            (
                "http://user:pw@source-controller.flux-system.svc/x",
                "credentials",
            ),
            ("not a url", "not a URL"),
        ];
        for (url, why) in refused {
            let error = check_url(url, false).unwrap_err();
            assert!(error.why.contains(why), "{url}: {}", error.why);
        }
    }

    #[test]
    fn loopback_only_with_the_allowance() {
        for url in [
            "http://127.0.0.1:9090/x",
            "http://[::1]:9090/x",
            "http://localhost:9090/x",
        ] {
            assert!(check_url(url, true).is_ok(), "{url}");
        }
        assert!(
            check_url("http://10.0.0.1/x", true).is_err(),
            "other literal IPs stay refused"
        );
    }

    #[test]
    fn resolved_addresses_never_reach_metadata_link_local_or_the_api_server() {
        let url = Url::parse("http://source-controller.flux-system.svc/x").unwrap();
        let apiserver: [SocketAddr; 2] = [
            "10.96.0.1:443".parse().unwrap(),
            "127.0.0.1:6443".parse().unwrap(),
        ];
        let at = |ip: &str| SocketAddr::new(ip.parse().unwrap(), 80);
        for ip in [
            "169.254.169.254",
            "127.0.0.1",
            "0.0.0.0",
            "fe80::1",
            "fd00:ec2::254",
            "::ffff:127.0.0.1",
            "::1",
            // found by the attack run: unspecified, written as an IPv4-mapped IPv6 address
            "::ffff:0.0.0.0",
            "::ffff:169.254.169.254",
            "0.1.2.3",
            "100.64.0.1",
            "100.127.255.254",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b::7f00:1",
            "10.96.0.1",
            "::ffff:10.96.0.1",
        ] {
            assert!(
                check_address(&url, at(ip), false, &apiserver).is_err(),
                "{ip}"
            );
        }
        for ip in [
            "10.96.12.3",
            "172.20.0.5",
            "fd12::5",
            "100.128.0.1",
            "::ffff:10.0.0.9",
        ] {
            assert!(
                check_address(&url, at(ip), false, &apiserver).is_ok(),
                "{ip}"
            );
        }
        let loopback = |ip: &str, allow| check_address(&url, at(ip), allow, &apiserver);
        assert!(loopback("127.0.0.1", true).is_ok());
        let apiserver_port = "127.0.0.1:6443".parse().unwrap();
        assert!(check_address(&url, apiserver_port, true, &apiserver).is_err());
        assert!(loopback("::ffff:127.0.0.1", true).is_ok());
        assert!(loopback("::ffff:0.0.0.0", true).is_err());
        assert!(loopback("169.254.169.254", true).is_err());
    }
}
