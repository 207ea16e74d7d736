//! Load benchmarks, release build on SQLite, the server and the load in one process on the same
//! cores:
//! 1. 200 signed-in browsers, each the owner of a practice of their own, click through the
//!    calendar, the client list, a client's profile and journal, and write a journal entry every
//!    seventh click: for 60 s with 0.5–1.5 s between clicks, then for 60 s with no pause at all.
//! 2. Twenty other users open pages while 50 wrong logins a second come in: none (the baseline),
//!    from one address against one account (the throttle soon answers without hashing), and from
//!    250 addresses with unknown emails (every attempt costs a full argon2 verification).
//!
//! Run: `cargo bench -p server --bench load`; `TRYGG_BENCH_SECS=10` shortens every phase, and
//! `TRYGG_BENCH_ONLY=browsers`, `flood` or `flat-out` runs one part.
//! Results: BENCHMARKS.md.

use app::calendar::api::CalendarWeek;
use app::clients::api::ListClients;
use app::journal::api::{CreateJournalEntry, GetJournal};
use leptos::server_fn::ServerFn as _;
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use app::ids::{ClientId, PracticeId, UserId};
use app::journal::service::{RawEntry, create};
use app::server::password::PlainPassword;
use app::server::sessions::{CurrentUser, Role};
use app::server::state::AppState;

#[path = "common.rs"]
mod common;

use common::percentile;

const BROWSERS: usize = 200;
const CLIENTS_PER_PRACTICE: i64 = 20;
const APPOINTMENTS_PER_PRACTICE: i64 = 30;
const ENTRIES_PER_PRACTICE: usize = 5;
const WATCHERS: usize = 20;
const FLOOD_PER_SEC: u64 = 50;
const FLOOD_SOURCES: u32 = 250;

/// A signed-in browser: its session and its practice's clients.
#[derive(Clone)]
struct Browser {
    token: String,
    clients: Vec<ClientId>,
}

/// xorshift64: think times and picks vary per browser without another dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[derive(Default)]
struct Samples {
    page: Vec<Duration>,
    data: Vec<Duration>,
    write: Vec<Duration>,
    errors: Vec<String>,
}

impl Samples {
    fn merge(&mut self, other: Samples) {
        self.page.extend(other.page);
        self.data.extend(other.data);
        self.write.extend(other.write);
        self.errors.extend(other.errors);
    }

    fn requests(&self) -> usize {
        self.page.len() + self.data.len() + self.write.len() + self.errors.len()
    }
}

fn line(what: &str, samples: &mut [Duration]) {
    if samples.is_empty() {
        return;
    }
    let n = samples.len();
    let (p50, p95, p99) = (percentile(samples, 0.5), percentile(samples, 0.95), percentile(samples, 0.99));
    let max = samples[n - 1];
    println!("    {what:<34} n={n:<7} p50={p50:>9.2?} p95={p95:>9.2?} p99={p99:>9.2?} max={max:>9.2?}");
}

fn report(title: &str, secs: u64, mut samples: Samples) {
    let requests = samples.requests();
    println!(
        "  {title}: {requests} requests in {secs} s ({:.0}/s), {} errors",
        requests as f64 / secs as f64,
        samples.errors.len()
    );
    for error in samples.errors.iter().take(5) {
        println!("    error: {error}");
    }
    line("pages (GET, rendered on the server)", &mut samples.page);
    line("data (server functions)", &mut samples.data);
    line("writes (journal entry)", &mut samples.write);
    let mut all: Vec<Duration> = samples.page.iter().chain(&samples.data).chain(&samples.write).copied().collect();
    line("all", &mut all);
}

/// 200 practices with their owner signed in, opening hours, a service, 20 clients, 30
/// appointments around today and five journal entries each.
async fn seed(state: &AppState, first_user: UserId) -> Vec<Browser> {
    let db = &state.db;
    let now = state.clock.now();
    let mut browsers = Vec::with_capacity(BROWSERS);
    for i in 0..BROWSERS {
        let (practice_id, user_id) = if i == 0 {
            (PracticeId(1), first_user)
        } else {
            let practice: PracticeId =
                sqlx::query_scalar("INSERT INTO practices (name, created_at) VALUES ($1, 0) RETURNING id")
                    .bind(format!("Praksis {i}"))
                    .fetch_one(db)
                    .await
                    .unwrap();
            let user: UserId = sqlx::query_scalar(
                "INSERT INTO users (practice_id, email, name, password_hash, email_verified_at, created_at)
                 VALUES ($1, $2, 'Bench', 'x', 0, 0) RETURNING id",
            )
            .bind(practice)
            .bind(format!("bench{i}@example.no"))
            .fetch_one(db)
            .await
            .unwrap();
            (practice, user)
        };
        let service = common::open_practice(state, practice_id, 0..7, (420, 1320), 50).await;
        let mut clients = Vec::new();
        for c in 0..CLIENTS_PER_PRACTICE {
            let (name, email) = (format!("Klient Nummer {c}"), format!("klient{c}@example.no"));
            clients.push(common::add_client(state, practice_id, &name, &email).await);
        }
        for a in 0..APPOINTMENTS_PER_PRACTICE {
            let starts = now - 2 * 86_400 + a * 5 * 3600;
            let owner = (practice_id, clients[(a % CLIENTS_PER_PRACTICE) as usize], service);
            common::add_appointment(state, owner, starts, starts + 3000, "").await;
        }
        let owner = CurrentUser {
            user_id,
            practice_id,
            email: format!("bench{i}@example.no"),
            name: "Bench".into(),
            practice_name: format!("Praksis {i}"),
            session_id: 0,
            password_confirmed_at: 0,
            idle_timeout_secs: 86_400,
            role: Role::Practitioner,
        };
        for e in 0..ENTRIES_PER_PRACTICE {
            let text = "Klienten forteller om bedre søvn, men fortsatt uro før møter på jobb. ".repeat(10);
            let entry = RawEntry { date: "2026-11-20", title: &format!("Samtale {e}"), text: &text };
            create(state, &owner, clients[0], entry).await.unwrap();
        }
        let token = state.sessions.create(user_id, "127.0.0.1", "bench").await.unwrap();
        browsers.push(Browser { token: token.expose().to_string(), clients });
    }
    browsers
}

#[derive(Clone, Copy)]
enum Clicks {
    /// Calendar, client list, a profile, their data, and a journal entry now and then.
    Everything,
    /// Pages only: what the watchers measure during a login flood.
    Pages,
}

/// One browser clicking until `until`, pausing `think` (a range in ms) between clicks.
async fn browse(
    addr: SocketAddr,
    browser: Browser,
    clicks: Clicks,
    think: Option<(u64, u64)>,
    until: Instant,
    seed: u64,
) -> Samples {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().unwrap();
    let base = format!("http://{addr}");
    let cookie = format!("trygg_session={}", browser.token);
    let today = app::server::clock::Clock::default().latest_date_anywhere();
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut samples = Samples::default();
    let mut step: u64 = 0;
    // People do not all click at the same instant: each starts somewhere in its first pause.
    if let Some((_, high)) = think {
        tokio::time::sleep(Duration::from_millis(rng.below(high))).await;
    }
    while Instant::now() < until {
        let client_id = browser.clients[rng.below(browser.clients.len() as u64) as usize].to_string();
        let post = |function: &str| {
            client.post(format!("{base}/api/{function}")).header("cookie", &cookie).header("origin", &base)
        };
        let get = |path: &str| client.get(format!("{base}{path}")).header("cookie", &cookie);
        let click = match clicks {
            Clicks::Everything => step % 7,
            Clicks::Pages => [0, 2, 4][(step % 3) as usize],
        };
        let (kind, request) = match click {
            0 => ("page", get("/calendar")),
            1 => ("data", post(CalendarWeek::PATH).form(&[("date", &today)])),
            2 => ("page", get("/clients")),
            3 => ("data", post(ListClients::PATH).form(&[("query", "")])),
            4 => ("page", get(&format!("/clients/{client_id}"))),
            5 => ("data", post(GetJournal::PATH).form(&[("client_id", &client_id)])),
            _ => (
                "write",
                post(CreateJournalEntry::PATH).form(&[
                    ("client_id", client_id.as_str()),
                    ("date", today.as_str()),
                    ("title", "Oppfølging"),
                    ("text", "Kort notat fra timen i dag."),
                ]),
            ),
        };
        let started = Instant::now();
        let outcome = match request.send().await {
            Ok(response) if response.status() == 200 => response.bytes().await.map(|_| ()).map_err(|e| e.to_string()),
            Ok(response) => Err(format!("{kind} #{click}: status {}", response.status())),
            Err(error) => Err(format!("{kind} #{click}: {error}")),
        };
        let elapsed = started.elapsed();
        match (outcome, kind) {
            (Err(error), _) => samples.errors.push(error),
            (Ok(()), "page") => samples.page.push(elapsed),
            (Ok(()), "data") => samples.data.push(elapsed),
            (Ok(()), _) => samples.write.push(elapsed),
        }
        step += 1;
        if let Some((low, high)) = think {
            tokio::time::sleep(Duration::from_millis(low + rng.below(high - low))).await;
        }
    }
    samples
}

async fn run_browsers(
    addr: SocketAddr,
    browsers: &[Browser],
    clicks: Clicks,
    think: Option<(u64, u64)>,
    secs: u64,
) -> Samples {
    let until = Instant::now() + Duration::from_secs(secs);
    let tasks: Vec<_> = browsers
        .iter()
        .cloned()
        .enumerate()
        .map(|(i, browser)| tokio::spawn(browse(addr, browser, clicks, think, until, i as u64 + 1)))
        .collect();
    let mut all = Samples::default();
    for task in tasks {
        all.merge(task.await.unwrap());
    }
    all
}

#[derive(Clone, Copy, PartialEq)]
enum Flood {
    None,
    /// One address guessing one account's password.
    OneAddress,
    /// 250 addresses, a new unknown email every time: nothing to throttle, every attempt hashed.
    ManyAddresses,
}

#[derive(Default)]
struct FloodOutcome {
    statuses: BTreeMap<String, usize>,
    latencies: Vec<Duration>,
}

/// Fires `FLOOD_PER_SEC` login attempts a second (each without waiting for the previous one) for
/// `secs`, then waits for the stragglers.
async fn flood(addr: SocketAddr, kind: Flood, secs: u64) -> FloodOutcome {
    let base = format!("http://{addr}");
    let source = |i: u32| {
        let ip = Ipv4Addr::new(127, 1, (i / 250) as u8, (i % 250 + 1) as u8);
        reqwest::Client::builder().local_address(IpAddr::V4(ip)).timeout(Duration::from_secs(120)).build().unwrap()
    };
    let sources: Vec<reqwest::Client> = match kind {
        Flood::None => return FloodOutcome::default(),
        Flood::OneAddress => vec![source(FLOOD_SOURCES)],
        Flood::ManyAddresses => (0..FLOOD_SOURCES).map(source).collect(),
    };
    let outcome = Arc::new(Mutex::new(FloodOutcome::default()));
    let mut every = tokio::time::interval(Duration::from_micros(1_000_000 / FLOOD_PER_SEC));
    let mut attempts = Vec::new();
    for n in 0..FLOOD_PER_SEC * secs {
        every.tick().await;
        let client = sources[n as usize % sources.len()].clone();
        let email = match kind {
            Flood::ManyAddresses => format!("nobody{n}@example.no"),
            _ => "bench@example.no".to_string(),
        };
        let (base, outcome) = (base.clone(), outcome.clone());
        attempts.push(tokio::spawn(async move {
            let started = Instant::now();
            let response = client
                .post(format!("{base}/api/log_in"))
                .header("origin", &base)
                .form(&[("email", email.as_str()), ("password", "wrong wrong wrong wrong")])
                .send()
                .await;
            let status = match response {
                Ok(response) => response.status().as_u16().to_string(),
                Err(error) => format!("error: {error}"),
            };
            let mut outcome = outcome.lock().unwrap();
            *outcome.statuses.entry(status).or_default() += 1;
            outcome.latencies.push(started.elapsed());
        }));
    }
    for attempt in attempts {
        attempt.await.unwrap();
    }
    Arc::into_inner(outcome).unwrap().into_inner().unwrap()
}

/// Between phases: the WAL the last one left is written back, and the machine catches its breath.
async fn settle(state: &AppState) {
    app::server::db::purge_wal(&state.db).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
}

#[tokio::main]
async fn main() {
    let secs: u64 = std::env::var("TRYGG_BENCH_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(60);
    let common::Bench { state, listener, addr, dir, user_id } = common::start().await;
    let started = Instant::now();
    let browsers = seed(&state, user_id).await;
    println!("seeded {BROWSERS} practices in {:.1?}", started.elapsed());
    let common::launch::Running { stop, server } = common::launch::run(listener, state.clone());
    // Warm-up: every browser once through its pages.
    run_browsers(addr, &browsers, Clicks::Everything, None, 2).await;

    let only = std::env::var("TRYGG_BENCH_ONLY").unwrap_or_default();
    let runs = |part: &str| only.is_empty() || only == part;
    if runs("browsers") {
        println!("{BROWSERS} signed-in browsers, release build, SQLite:");
        let paced = run_browsers(addr, &browsers, Clicks::Everything, Some((500, 1500)), secs).await;
        report("0.5–1.5 s between clicks", secs, paced);
    }

    if runs("flood") {
        let mut verifications = Vec::with_capacity(20);
        for _ in 0..20 {
            let started = Instant::now();
            state.passwords.verify(PlainPassword::new("wrong wrong wrong wrong".into()), None).await;
            verifications.push(started.elapsed());
        }
        println!("one argon2 verification, nothing else running:");
        line("argon2id m=19 MiB t=2", &mut verifications);

        println!(
            "{WATCHERS} users opening pages (0.5–1.5 s between clicks) during a login flood of {FLOOD_PER_SEC}/s:"
        );
        let watchers = &browsers[BROWSERS - WATCHERS..];
        for (kind, title) in [
            (Flood::None, "no flood (baseline)"),
            (Flood::OneAddress, "flood from one address, one account"),
            (Flood::ManyAddresses, "flood from 250 addresses, unknown emails"),
        ] {
            settle(&state).await;
            let (pages, attempts) = tokio::join!(
                run_browsers(addr, watchers, Clicks::Pages, Some((500, 1500)), secs),
                flood(addr, kind, secs)
            );
            report(title, secs, pages);
            if kind != Flood::None {
                let FloodOutcome { statuses, mut latencies } = attempts;
                println!("    login attempts by answer: {statuses:?}");
                line("login attempts", &mut latencies);
            }
        }
    }

    // Last, as it leaves a WAL of tens of thousands of writes behind.
    if runs("flat-out") {
        settle(&state).await;
        println!("{BROWSERS} signed-in browsers, flat out:");
        let flat_out = run_browsers(addr, &browsers, Clicks::Everything, None, secs).await;
        report("no pause between clicks", secs, flat_out);
    }

    let _ = stop.send(());
    server.await.unwrap().unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}
