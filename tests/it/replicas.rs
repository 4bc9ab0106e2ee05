//! Two replicas sharing one database, and a database that stops answering (DESIGN §6, §7).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::Connection;
use scopegate::policy::role::PrincipalType;
use scopegate::policy::Scope;
use scopegate::storage::epochs::{EpochKind, Epochs};
use scopegate::storage::tokens::ApiToken;

use super::harness::{TestApp, ACCOUNT};

struct Replica(Child);

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `scopegate serve` on the TestApp's database and upstreams.
async fn second_replica(app: &TestApp) -> (Replica, String) {
    let port = free_port();
    let mut toml = format!(
        "[server]\nlisten = \"127.0.0.1:{port}\"\nworkers = 1\n[database]\nurl = \"{}\"\n[gateway]\nroute_packs = [\"default\", \"portal\"]\n[upstreams]\n",
        app.state.config.database.url
    );
    for (name, addr, _) in &app.backends {
        toml.push_str(&format!("{name} = \"http://{addr}\"\n"));
    }
    let file = app.dir.path().join("replica.toml");
    std::fs::write(&file, toml).unwrap();
    let replica = Replica(
        Command::new(env!("CARGO_BIN_EXE_scopegate"))
            .args(["serve", "--config"])
            .arg(&file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if app
            .client
            .get(format!("{url}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            return (replica, url);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("replica did not start");
}

async fn status(app: &TestApp, url: &str, token: &str) -> u16 {
    app.client
        .get(format!("{url}/v1/integrations"))
        .insert_header(("x-api-key", token))
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

#[actix_web::test]
async fn a_revocation_on_one_replica_stops_the_token_on_another_within_a_second() {
    let app = TestApp::start().await;
    let token = app
        .user_with_role(
            "rita",
            None,
            &[(
                "_sei_viewer",
                "_all_resources_including_child_scopes",
                ACCOUNT,
            )],
        )
        .await;
    let (_replica, other) = second_replica(&app).await;
    assert_eq!(
        status(&app, &other, &token).await,
        200,
        "the other replica serves the token"
    );
    assert_eq!(status(&app, &other, &token).await, 200, "and caches it");
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || {
        db.transaction(|c| {
            ApiToken::delete_logical(c, PrincipalType::User, &Scope::parse(ACCOUNT)?, "rita", "t")?;
            Epochs::bump(c, ACCOUNT, EpochKind::Credentials)
        })
        .unwrap()
    })
    .await
    .unwrap();
    let revoked = Instant::now();
    loop {
        let s = status(&app, &other, &token).await;
        if s == 401 {
            break;
        }
        assert_eq!(s, 200);
        assert!(
            revoked.elapsed() < Duration::from_secs(1),
            "still accepted after {:?}",
            revoked.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(revoked.elapsed() < Duration::from_secs(1));
}

/// Runs SQL on the test cluster's maintenance connection.
fn pg_admin(sql: &str) {
    let base = std::env::var("SCOPEGATE_TEST_DATABASE_URL").expect("postgres url");
    let mut c = diesel::pg::PgConnection::establish(&base).expect("connect postgres");
    for statement in sql.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        c.batch_execute(statement).expect(statement);
    }
}

#[actix_web::test]
async fn an_unreachable_database_serves_cached_callers_until_stale_then_503() {
    let Ok(base) = std::env::var("SCOPEGATE_TEST_DATABASE_URL") else {
        super::support::postgres_missing("database-down test");
        return;
    };
    let name = format!("sg_down_{}", std::process::id());
    pg_admin(&format!(
        "DROP DATABASE IF EXISTS {name}; CREATE DATABASE {name};"
    ));
    let url = format!("{}/{name}", base.rsplit_once('/').unwrap().0);
    let app = TestApp::start_with(move |c| {
        c.cache.stale_seconds = 1;
        c.database.url = url;
    })
    .await;
    let cached = app
        .user_with_role(
            "carl",
            None,
            &[(
                "_sei_viewer",
                "_all_resources_including_child_scopes",
                ACCOUNT,
            )],
        )
        .await;
    let fresh = app
        .user_with_role(
            "nina",
            None,
            &[(
                "_sei_viewer",
                "_all_resources_including_child_scopes",
                ACCOUNT,
            )],
        )
        .await;
    assert_eq!(
        app.call("GET", "/v1/integrations", Some(&cached), None)
            .await
            .status,
        200
    );
    // The database goes away: connections are cut and new ones refused.
    pg_admin(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false; SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}';"));
    assert_eq!(
        app.call("GET", "/v1/integrations", Some(&cached), None)
            .await
            .status,
        200,
        "cached caller served within stale_seconds"
    );
    let new_caller = app
        .call("GET", "/v1/integrations", Some(&fresh), None)
        .await;
    assert_eq!(
        (new_caller.status, new_caller.body["code"].as_str()),
        (503, Some("UNAVAILABLE")),
        "a new caller needs the database"
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let stale = app
        .call("GET", "/v1/integrations", Some(&cached), None)
        .await;
    assert_eq!(
        (stale.status, stale.body["code"].as_str()),
        (503, Some("UNAVAILABLE")),
        "after stale_seconds every caller gets 503"
    );
    pg_admin(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true;"));
    let mut back = 0;
    for _ in 0..100 {
        back = app
            .call("GET", "/v1/integrations", Some(&cached), None)
            .await
            .status;
        if back == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(back, 200, "served again once the database answers");
    assert_eq!(
        app.call("GET", "/v1/integrations", Some(&fresh), None)
            .await
            .status,
        200
    );
}
