//! Criterion benchmark of the decision log's hot-path step (DESIGN §4.8, budget ≤ 100 ns):
//! `decisions/record_repeat` counts a decision already seen (the steady state of a busy
//! caller), `decisions/record_1000_kinds` cycles through 1,000 kinds (principals and
//! resources), all already in the table. Run with `cargo bench --bench decisions`; numbers
//! go in docs/PERFORMANCE.md.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use scopegate::authn::{Authenticated, CredentialVia};
use scopegate::gateway::decisions::{Decision, DecisionLog};
use scopegate::policy::permission::catalogue;
use scopegate::policy::role::{Principal, PrincipalType};
use scopegate::policy::{Identifier, Scope};
use scopegate::web::metrics::Metrics;

fn who(i: usize) -> Authenticated {
    Authenticated {
        principal: Principal {
            principal_type: PrincipalType::User,
            identifier: Identifier::new(&format!("user{i}")).unwrap(),
            scope: Scope::parse("acme").unwrap(),
        },
        restriction: None,
        via: CredentialVia::ApiToken {
            token_id: Arc::from(format!("tok{i}").as_str()),
        },
    }
}

fn bench_record(c: &mut Criterion) {
    let log = DecisionLog::new(Arc::new(Metrics::new(&[]).unwrap()), 1_764_720_000_000);
    let permission = catalogue().get("sei_seiteams_view").unwrap();
    let scope = Scope::parse("acme/eng/web").unwrap();
    let callers: Vec<Authenticated> = (0..100).map(who).collect();
    let teams: Vec<String> = (0..10).map(|i| format!("team-{i}")).collect();
    let decision = |w: &'static Authenticated, team: &'static str| Decision {
        who: w,
        permission,
        scope: Box::leak(Box::new(scope.clone())),
        resource_type: "SEI_TEAM",
        identifier: Some(team),
        attributes: None,
        allowed: true,
    };
    let callers: &'static [Authenticated] = Box::leak(callers.into_boxed_slice());
    let teams: &'static [String] = Box::leak(teams.into_boxed_slice());
    let one = decision(&callers[0], &teams[0]);
    log.record(&one);
    c.bench_function("decisions/record_repeat", |b| {
        b.iter(|| log.record(black_box(&one)))
    });
    let kinds: Vec<Decision> = callers
        .iter()
        .flat_map(|w| teams.iter().map(move |t| decision(w, t)))
        .collect();
    for d in &kinds {
        log.record(d);
    }
    let mut i = 0;
    c.bench_function("decisions/record_1000_kinds", |b| {
        b.iter(|| {
            i = (i + 1) % kinds.len();
            log.record(black_box(&kinds[i]))
        })
    });
    assert_eq!(log.dropped(), 0);
}

criterion_group!(benches, bench_record);
criterion_main!(benches);
