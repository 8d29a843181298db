//! Where flux-web may fetch an artifact from. `status.artifact.url` is written by a
//! controller, but anyone who may edit a source's status could point it anywhere, so the URL
//! is checked as untrusted input: http(s) only, a cluster service name (the storage of
//! source-controller is `http://<service>.<namespace>.svc[.<cluster domain>]/...`), and no
//! resolved address that is loopback, link-local or a cloud metadata endpoint. Loopback is
//! allowed only with `download.allowLoopback`, which tests need.

use std::net::IpAddr;

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

/// `<service>.<namespace>.svc` with an optional cluster domain and trailing dot.
fn is_service(name: &str) -> bool {
    let labels: Vec<&str> = name.trim_end_matches('.').split('.').collect();
    labels.len() >= 3
        && labels[2].eq_ignore_ascii_case("svc")
        && labels.iter().all(|l| !l.is_empty())
}

/// Refuses addresses a service name must never resolve to.
pub fn check_address(url: &Url, ip: IpAddr, allow_loopback: bool) -> Result<(), Refused> {
    let bad = match ip {
        IpAddr::V4(v4) => {
            (v4.is_loopback() && !allow_loopback)
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
        }
        IpAddr::V6(v6) => {
            (v6.is_loopback() && !allow_loopback)
                || v6.is_unspecified()
                || v6.is_multicast()
                || (v6.segments()[0] & 0xffc0) == 0xfe80
                // fd00:ec2::254, the EC2 metadata endpoint over IPv6
                || v6.segments() == [0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254]
                || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback() || v4.is_link_local())
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
            "https://storage.flux.svc.corp.example/x.tar.gz",
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
    fn resolved_addresses_never_reach_metadata_or_link_local() {
        let url = Url::parse("http://source-controller.flux-system.svc/x").unwrap();
        for ip in [
            "169.254.169.254",
            "127.0.0.1",
            "0.0.0.0",
            "fe80::1",
            "fd00:ec2::254",
            "::ffff:127.0.0.1",
            "::1",
        ] {
            assert!(
                check_address(&url, ip.parse().unwrap(), false).is_err(),
                "{ip}"
            );
        }
        for ip in ["10.96.12.3", "172.20.0.5", "fd12::5"] {
            assert!(
                check_address(&url, ip.parse().unwrap(), false).is_ok(),
                "{ip}"
            );
        }
        assert!(check_address(&url, "127.0.0.1".parse().unwrap(), true).is_ok());
        assert!(check_address(&url, "169.254.169.254".parse().unwrap(), true).is_err());
    }
}
