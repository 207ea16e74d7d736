//! What the benchmarks share: the real app on a fresh SQLite database with one practice and its
//! owner, and percentiles.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use app::clients::types::ClientInput;
use app::ids::{ClientId, PracticeId, UserId};
use app::server::clock::Clock;
use app::server::envelope;
use app::server::sessions::{CurrentUser, Role};
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

/// The owner of practice 1 as a signed-in request sees them, for calling services directly.
#[allow(dead_code, reason = "each bench compiles this file; not all call services directly")]
pub fn owner(user_id: UserId) -> CurrentUser {
    CurrentUser {
        user_id,
        practice_id: PracticeId(1),
        email: "bench@example.no".into(),
        name: "Bench".into(),
        practice_name: "Bench".into(),
        session_id: 0,
        password_confirmed_at: 0,
        idle_timeout_secs: 86_400,
        role: Role::Practitioner,
    }
}

/// A client of the practice, made as the app makes one: its profile sealed with its own key.
pub async fn add_client(state: &AppState, practice_id: PracticeId, name: &str, email: &str) -> ClientId {
    let input = ClientInput {
        name: name.into(),
        email: email.into(),
        phone: String::new(),
        birth_date: String::new(),
        address: String::new(),
        notes: String::new(),
    };
    let mut tx = app::server::db::begin_write(&state.db).await.unwrap();
    let id = app::clients::service::create_in(state, &mut tx, practice_id, &input, 0).await.unwrap();
    tx.commit().await.unwrap();
    id
}

/// An appointment with these notes, sealed with the client's key as the calendar seals them.
#[allow(dead_code, reason = "each bench compiles this file; the journal bench has no appointments")]
pub async fn add_appointment(
    state: &AppState,
    (practice_id, client_id, service_id): (PracticeId, ClientId, i64),
    starts_at: i64,
    ends_at: i64,
    notes: &str,
) {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO appointments (practice_id, client_id, service_id, starts_at, ends_at, created_at)
         VALUES ($1, $2, $3, $4, $5, 0) RETURNING id",
    )
    .bind(practice_id)
    .bind(client_id)
    .bind(service_id)
    .bind(starts_at)
    .bind(ends_at)
    .fetch_one(&state.db)
    .await
    .unwrap();
    let keys = envelope::for_client(&state.db, &state.master_key, practice_id, client_id).await.unwrap();
    let sealed = app::calendar::service::seal_notes(&keys, id, notes);
    let mut conn = state.db.acquire().await.unwrap();
    app::calendar::store::set_notes_in(&mut conn, id, sealed.as_deref()).await.unwrap();
}

/// Opens the practice on `weekdays` (0 = Monday) from `opens` to `closes` (minutes of the day)
/// and adds one service, "Samtale", of `duration` minutes; the service's id.
pub async fn open_practice(
    state: &AppState,
    practice_id: PracticeId,
    weekdays: std::ops::Range<i64>,
    (opens, closes): (i64, i64),
    duration: i64,
) -> i64 {
    let db = &state.db;
    for weekday in weekdays {
        sqlx::query(
            "INSERT INTO opening_hours (practice_id, weekday, opens_minute, closes_minute) VALUES ($1, $2, $3, $4)",
        )
        .bind(practice_id)
        .bind(weekday)
        .bind(opens)
        .bind(closes)
        .execute(db)
        .await
        .unwrap();
    }
    sqlx::query_scalar(
        "INSERT INTO services (practice_id, name, duration_minutes, created_at) VALUES ($1, 'Samtale', $2, 0)
         RETURNING id",
    )
    .bind(practice_id)
    .bind(duration)
    .fetch_one(db)
    .await
    .unwrap()
}

pub fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    samples[((samples.len() - 1) as f64 * p).round() as usize]
}
