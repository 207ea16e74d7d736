//! Foundation benchmarks: server start (state, migrations, master key) and the session lookup
//! every request makes. Run: `cargo bench -p server --bench foundation` (SQLite); set
//! `TRYGG_BENCH_POSTGRES_URL` to also measure the lookup on PostgreSQL. Results: BENCHMARKS.md.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use app::server::clock::Clock;
use app::server::config::Config;
use app::server::state::AppState;
use app::startup::build_state;

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    samples[((samples.len() - 1) as f64 * p).round() as usize]
}

fn report(name: &str, samples: &mut [Duration]) {
    let p50 = percentile(samples, 0.50);
    let p95 = percentile(samples, 0.95);
    let p99 = percentile(samples, 0.99);
    println!("{name:<44} n={:<6} p50={p50:>10.1?} p95={p95:>10.1?} p99={p99:>10.1?}", samples.len());
}

fn leptos_options() -> leptos::config::LeptosOptions {
    leptos::config::LeptosOptions::builder()
        .output_name("trygg")
        .site_root(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/site"))
        .build()
}

async fn fresh_state(database_url: Option<String>) -> (AppState, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("trygg-bench-{}", app::server::crypto::new_token()));
    let vars = HashMap::from([("TRYGG_DATA_DIR".to_string(), dir.display().to_string())]);
    let mut config = Config::from_vars(&vars).unwrap();
    if let Some(url) = database_url {
        config.database_url = url;
    }
    (build_state(config, leptos_options(), Clock::default()).await.unwrap(), dir)
}

async fn bench_start() {
    let mut samples = Vec::new();
    for _ in 0..20 {
        let started = Instant::now();
        let (state, dir) = fresh_state(None).await;
        samples.push(started.elapsed());
        state.db.close().await;
        std::fs::remove_dir_all(dir).unwrap();
    }
    report("start: new SQLite file + migrations + key", &mut samples);
}

async fn bench_lookup(label: &str, state: &AppState) {
    sqlx::query("INSERT INTO practices (name, created_at) VALUES ('Bench', 0)").execute(&state.db).await.unwrap();
    let user_id: app::ids::UserId = sqlx::query_scalar(
        "INSERT INTO users (practice_id, email, name, password_hash, email_verified_at, created_at)
         VALUES ((SELECT MAX(id) FROM practices), $1, 'Bench', 'x', 0, 0) RETURNING id",
    )
    .bind(format!("bench-{}@example.no", app::server::crypto::new_token()))
    .fetch_one(&state.db)
    .await
    .unwrap();
    // Other sessions in the table, as on a live server.
    for _ in 0..1000 {
        state.sessions.create(user_id, "127.0.0.1", "bench").await.unwrap();
    }
    let token = state.sessions.create(user_id, "127.0.0.1", "Mozilla/5.0 bench").await.unwrap();
    for _ in 0..500 {
        state.sessions.lookup(token.expose()).await.unwrap().unwrap();
    }
    let mut samples = Vec::with_capacity(20_000);
    for _ in 0..20_000 {
        let started = Instant::now();
        let found = state.sessions.lookup(token.expose()).await.unwrap();
        samples.push(started.elapsed());
        assert!(found.is_ok());
    }
    report(&format!("session lookup ({label})"), &mut samples);
}

#[tokio::main]
async fn main() {
    bench_start().await;
    let (state, dir) = fresh_state(None).await;
    bench_lookup("SQLite", &state).await;
    std::fs::remove_dir_all(dir).unwrap();
    if let Ok(url) = std::env::var("TRYGG_BENCH_POSTGRES_URL") {
        use sqlx::Connection;
        let name = "trygg_bench";
        let mut admin = sqlx::PgConnection::connect(&url).await.unwrap();
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.unwrap();
        let (server, _) = url.rsplit_once('/').expect("postgres URL with a database name");
        let (state, dir) = fresh_state(Some(format!("{server}/{name}"))).await;
        bench_lookup("PostgreSQL", &state).await;
        state.db.close().await;
        sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)")).execute(&mut admin).await.unwrap();
        std::fs::remove_dir_all(dir).unwrap();
    }
}
