//! The client's address: the TCP peer, or, when the peer is a trusted proxy, the nearest
//! untrusted address of its `X-Forwarded-For` chain.

use std::net::IpAddr;

use ipnet::IpNet;

/// Trusted proxy networks from `gateway.trusted_proxies`.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses CIDRs or single addresses (validated by the config already).
    pub fn parse(entries: &[String]) -> Self {
        Self(
            entries
                .iter()
                .filter_map(|e| {
                    e.parse::<IpNet>()
                        .ok()
                        .or_else(|| e.parse::<IpAddr>().ok().map(IpNet::from))
                })
                .collect(),
        )
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(&ip))
    }

    /// The client address for a request from `peer` carrying `forwarded_for` values.
    pub fn client_ip(&self, peer: IpAddr, forwarded_for: Option<&str>) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let Some(chain) = forwarded_for else {
            return peer;
        };
        chain
            .rsplit(',')
            .filter_map(|s| s.trim().parse::<IpAddr>().ok())
            .find(|ip| !self.trusts(*ip))
            .unwrap_or(peer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_trusted_peers_may_name_the_client() {
        let t = TrustedProxies::parse(&["10.0.0.0/8".into(), "127.0.0.1".into()]);
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(
            t.client_ip(ip("203.0.113.9"), Some("1.2.3.4")),
            ip("203.0.113.9")
        );
        assert_eq!(
            t.client_ip(ip("10.1.1.1"), Some("1.2.3.4, 10.2.2.2")),
            ip("1.2.3.4")
        );
        assert_eq!(t.client_ip(ip("127.0.0.1"), None), ip("127.0.0.1"));
        assert_eq!(t.client_ip(ip("10.1.1.1"), Some("garbage")), ip("10.1.1.1"));
    }
}
