//! What the benchmarks share: the real app on a fresh SQLite database with one practice and its
//! owner, and percentiles.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use app::ids::UserId;
use app::server::clock::Clock;
use app::server::state::AppState;
use tokio::net::TcpListener;

#[path = "../tests/common/launch.rs"]
pub mod launch;

pub struct Bench {
    pub state: AppState,
    pub listener: TcpListener,
    pub addr: SocketAddr,
    pub dir: PathBuf,
    /// The owner of practice 1.
    pub user_id: UserId,
}

pub async fn start() -> Bench {
    let dir = std::env::temp_dir().join(format!("trygg-bench-{}", app::server::crypto::new_token()));
    let (listener, config) = launch::bind(&dir).await;
    let addr = listener.local_addr().unwrap();
    let state = launch::build(config, addr, Clock::default()).await;
    sqlx::query("INSERT INTO practices (name, created_at) VALUES ('Bench', 0)").execute(&state.db).await.unwrap();
    let user_id: UserId = sqlx::query_scalar(
        "INSERT INTO users (practice_id, email, name, password_hash, email_verified_at, created_at)
         VALUES (1, 'bench@example.no', 'Bench', 'x', 0, 0) RETURNING id",
    )
    .fetch_one(&state.db)
    .await
    .unwrap();
    Bench { state, listener, addr, dir, user_id }
}

pub fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    samples[((samples.len() - 1) as f64 * p).round() as usize]
}
