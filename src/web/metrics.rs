//! Prometheus metrics: requests by route and outcome, decision latency, upstream latency and
//! errors, dropped deny-audit entries, and counters owned by other layers (cache hits,
//! argon2 verifications, database loads) copied in at scrape time.
//!
//! The hot path only touches pre-resolved handles (one atomic add per counter); label
//! lookups happen once at start-up.

use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, Opts, Registry,
    TextEncoder,
};

/// How a request ended, for the `outcome` label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Allowed,
    Public,
    Denied,
    /// A report-only route forwarded a request its decision denied.
    WouldDeny,
    Unauthenticated,
    BadRequest,
    NotFound,
    Unavailable,
    UpstreamError,
}

impl Outcome {
    const ALL: [Outcome; 9] = [
        Outcome::Allowed,
        Outcome::Public,
        Outcome::Denied,
        Outcome::WouldDeny,
        Outcome::Unauthenticated,
        Outcome::BadRequest,
        Outcome::NotFound,
        Outcome::Unavailable,
        Outcome::UpstreamError,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Allowed => "allowed",
            Outcome::Public => "public",
            Outcome::Denied => "denied",
            Outcome::WouldDeny => "would_deny",
            Outcome::Unauthenticated => "unauthenticated",
            Outcome::BadRequest => "bad_request",
            Outcome::NotFound => "not_found",
            Outcome::Unavailable => "unavailable",
            Outcome::UpstreamError => "upstream_error",
        }
    }

    fn index(self) -> usize {
        Self::ALL.iter().position(|o| *o == self).unwrap_or(0)
    }
}

/// Pre-resolved counters of one route.
pub struct RouteCounters([IntCounter; 9]);

impl RouteCounters {
    #[inline]
    pub fn inc(&self, outcome: Outcome) {
        self.0[outcome.index()].inc();
    }
}

/// Pre-resolved handles of one upstream.
pub struct UpstreamMetrics {
    pub latency: Histogram,
    pub refused: IntCounter,
    pub timeout: IntCounter,
}

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    routes: Vec<RouteCounters>,
    unmatched: RouteCounters,
    pub decision_seconds: Histogram,
    upstream_seconds: HistogramVec,
    upstream_errors: IntCounterVec,
    pub audit_dropped: IntCounter,
    pub audit_written: IntCounter,
    /// Decisions added to the decision log, and dropped from it (full shard, failed write).
    pub decisions_logged: IntCounter,
    pub decisions_dropped: IntCounter,
    /// Report-only routes that forwarded a request their decision denied.
    pub would_deny: IntCounter,
}

fn route_counters(requests: &IntCounterVec, label: &str) -> RouteCounters {
    RouteCounters(Outcome::ALL.map(|o| requests.with_label_values(&[label, o.as_str()])))
}

impl Metrics {
    /// Builds the registry with one counter set per route label.
    pub fn new(route_labels: &[String]) -> Result<Self, prometheus::Error> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new("scopegate_requests_total", "Requests by route and outcome"),
            &["route", "outcome"],
        )?;
        let decision_seconds = Histogram::with_opts(
            HistogramOpts::new(
                "scopegate_decision_seconds",
                "Time to authenticate and decide one gateway request",
            )
            .buckets(vec![
                0.000_002, 0.000_005, 0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.001,
                0.005, 0.025, 0.1,
            ]),
        )?;
        let upstream_seconds = HistogramVec::new(
            HistogramOpts::new(
                "scopegate_upstream_seconds",
                "Upstream latency to response headers",
            )
            .buckets(vec![
                0.000_1, 0.000_5, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0,
            ]),
            &["upstream"],
        )?;
        let upstream_errors = IntCounterVec::new(
            Opts::new("scopegate_upstream_errors_total", "Upstream failures"),
            &["upstream", "kind"],
        )?;
        let audit_dropped = IntCounter::new(
            "scopegate_audit_dropped_total",
            "Deny audit entries dropped because the queue was full",
        )?;
        let audit_written = IntCounter::new(
            "scopegate_audit_written_total",
            "Deny audit entries written",
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(decision_seconds.clone()))?;
        registry.register(Box::new(upstream_seconds.clone()))?;
        registry.register(Box::new(upstream_errors.clone()))?;
        let decisions_logged = IntCounter::new(
            "scopegate_decisions_logged_total",
            "Gateway decisions written to the decision log",
        )?;
        let decisions_dropped = IntCounter::new(
            "scopegate_decisions_dropped_total",
            "Gateway decisions dropped from the decision log (full buffer or failed write)",
        )?;
        let would_deny = IntCounter::new(
            "scopegate_would_deny_total",
            "Requests on report-only routes that were forwarded although denied",
        )?;
        registry.register(Box::new(audit_dropped.clone()))?;
        registry.register(Box::new(audit_written.clone()))?;
        registry.register(Box::new(decisions_logged.clone()))?;
        registry.register(Box::new(decisions_dropped.clone()))?;
        registry.register(Box::new(would_deny.clone()))?;
        let routes = route_labels
            .iter()
            .map(|l| route_counters(&requests, l))
            .collect();
        let unmatched = route_counters(&requests, "unmatched");
        Ok(Self {
            registry,
            requests,
            routes,
            unmatched,
            decision_seconds,
            upstream_seconds,
            upstream_errors,
            audit_dropped,
            audit_written,
            decisions_logged,
            decisions_dropped,
            would_deny,
        })
    }

    /// Counters of route `index`, or of unmatched requests.
    #[inline]
    pub fn route(&self, index: Option<usize>) -> &RouteCounters {
        index
            .and_then(|i| self.routes.get(i))
            .unwrap_or(&self.unmatched)
    }

    /// Handles of one upstream (resolved once at start-up).
    pub fn upstream(&self, name: &str) -> UpstreamMetrics {
        UpstreamMetrics {
            latency: self.upstream_seconds.with_label_values(&[name]),
            refused: self
                .upstream_errors
                .with_label_values(&[name, "unavailable"]),
            timeout: self.upstream_errors.with_label_values(&[name, "timeout"]),
        }
    }

    /// Prometheus text, with `extra` counters `(name, help, value)` appended.
    pub fn render(&self, extra: &[(&str, &str, u64)]) -> String {
        let mut buf = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut buf);
        let mut text = String::from_utf8(buf).unwrap_or_default();
        for (name, help, value) in extra {
            text.push_str(&format!(
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}\n"
            ));
        }
        let _ = &self.requests;
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_route_outcomes_and_extras() {
        let m = Metrics::new(&["GET /a".into()]).unwrap();
        m.route(Some(0)).inc(Outcome::Denied);
        m.route(None).inc(Outcome::NotFound);
        let text = m.render(&[("scopegate_argon2_verifications_total", "argon2 runs", 3)]);
        assert!(
            text.contains(r#"scopegate_requests_total{outcome="denied",route="GET /a"} 1"#),
            "{text}"
        );
        assert!(text.contains(r#"route="unmatched""#));
        assert!(text.contains("scopegate_argon2_verifications_total 3"));
    }
}
