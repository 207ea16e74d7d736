//! Calendar benchmark: the server renders a week holding 500 appointments, as the browser asks
//! for it (`GET /calendar?date=…`: session lookup, queries, server-side rendering of the whole
//! page). Run: `cargo bench -p server --bench calendar`. Results: BENCHMARKS.md.

use std::time::Instant;

use app::calendar::types::CalendarMode;
use app::ids::PracticeId;
use app::server::envelope::{self, Field};

#[path = "common.rs"]
mod common;

use common::percentile;

const MONDAY: &str = "2030-01-07";
/// 2030-01-07 00:00 in Oslo (UTC+1 in January), as Unix seconds.
const MONDAY_UTC: i64 = 1893970800;
const APPOINTMENTS: i64 = 500;

#[tokio::main]
async fn main() {
    let common::Bench { state, listener, addr, dir, user_id } = common::start().await;
    let db = &state.db;
    common::open_practice(&state, PracticeId(1), 0..7, (420, 1320), 10).await;
    let mut clients = Vec::new();
    for i in 0..50 {
        clients.push(common::add_client(&state, PracticeId(1), &format!("Klient Nummer {i}"), "").await);
    }
    // 500 ten-minute appointments: 72 a day from 08:00, Monday to Sunday (the last day has 68);
    // names and notes sealed, as the app keeps them.
    for i in 0..APPOINTMENTS {
        let (day, slot) = (i / 72, i % 72);
        let starts = MONDAY_UTC + day * 86_400 + 8 * 3600 + slot * 600;
        let owner = (PracticeId(1), clients[(i % 50) as usize], 1);
        common::add_appointment(&state, owner, starts, starts + 600, "Oppfølging").await;
    }
    let token = state.sessions.create(user_id, "127.0.0.1", "bench").await.unwrap();
    let mut samples = Vec::with_capacity(200);
    for _ in 0..200 {
        let started = Instant::now();
        let rows =
            app::calendar::store::booked_between(db, PracticeId(1), MONDAY_UTC, MONDAY_UTC + 7 * 86_400).await.unwrap();
        samples.push(started.elapsed());
        assert_eq!(rows.len() as i64, APPOINTMENTS);
    }
    let p50 = percentile(&mut samples, 0.5);
    println!("query: the week's 500 appointments (SQLite)               n=200 p50={p50:.2?}");
    let mut samples = Vec::with_capacity(200);
    for _ in 0..200 {
        let started = Instant::now();
        let directory = app::clients::service::directory(&state, PracticeId(1)).await.unwrap();
        samples.push(started.elapsed());
        assert_eq!(directory.len(), 50);
    }
    let p50 = percentile(&mut samples, 0.5);
    println!("the practice's opened clients (revision check)          n=200 p50={p50:.2?}");
    // What remembering the opened notes saves: opening 500 of them each time.
    let keys = envelope::for_client(db, &state.master_key, PracticeId(1), clients[0]).await.unwrap();
    let sealed: Vec<Vec<u8>> =
        (0..APPOINTMENTS).map(|id| app::calendar::service::seal_notes(&keys, id, "Oppfølging").unwrap()).collect();
    let mut samples = Vec::with_capacity(200);
    for _ in 0..200 {
        let started = Instant::now();
        for (id, sealed) in sealed.iter().enumerate() {
            let record = app::calendar::service::appointment_record(id as i64);
            let field = Field { record: &record, field: app::calendar::service::NOTES };
            assert_eq!(keys.open_text(sealed, field).unwrap().len(), 11);
        }
        samples.push(started.elapsed());
    }
    let p50 = percentile(&mut samples, 0.5);
    println!("opening 500 sealed notes (what the memory saves)         n=200 p50={p50:.2?}");
    let user = common::owner(user_id);
    let mut samples = Vec::with_capacity(200);
    for _ in 0..200 {
        let started = Instant::now();
        let week = app::calendar::service::week(&state, &user, MONDAY, CalendarMode::Week, false).await.unwrap();
        samples.push(started.elapsed());
        assert_eq!(week.appointments.len() as i64, APPOINTMENTS);
        assert_eq!(week.appointments[0].notes, "Oppfølging");
    }
    let p50 = percentile(&mut samples, 0.5);
    println!("the week's data: queries, names and 500 notes opened     n=200 p50={p50:.2?}");
    let common::launch::Running { stop, server } = common::launch::run(listener, state.clone());

    let client = reqwest::Client::new();
    let url = format!("http://{addr}/calendar?date={MONDAY}");
    let get = || async {
        let response =
            client.get(&url).header("cookie", format!("trygg_session={}", token.expose())).send().await.unwrap();
        assert_eq!(response.status(), 200);
        response.text().await.unwrap()
    };
    let page = get().await;
    assert_eq!(page.matches("class=\"appt ").count() as i64, APPOINTMENTS, "all 500 are on the page");
    println!("page size: {:.1} KiB", page.len() as f64 / 1024.0);
    for _ in 0..50 {
        get().await;
    }
    let mut samples = Vec::with_capacity(500);
    for _ in 0..500 {
        let started = Instant::now();
        get().await;
        samples.push(started.elapsed());
    }
    let (p50, p95) = (percentile(&mut samples, 0.5), percentile(&mut samples, 0.95));
    println!("GET /calendar, week with {APPOINTMENTS} appointments (SQLite)  n=500 p50={p50:.2?} p95={p95:.2?}");

    // The same week as data only (the server function the page calls), to tell queries from rendering.
    let api = format!("http://{addr}/api/calendar/week");
    let mut samples = Vec::with_capacity(500);
    for _ in 0..500 {
        let started = Instant::now();
        let response = client
            .post(&api)
            .header("cookie", format!("trygg_session={}", token.expose()))
            .header("origin", format!("http://{addr}"))
            .form(&[("date", MONDAY)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.bytes().await.unwrap();
        samples.push(started.elapsed());
    }
    let (p50, p95) = (percentile(&mut samples, 0.5), percentile(&mut samples, 0.95));
    println!("POST /api/calendar/week, data only                      n=500 p50={p50:.2?} p95={p95:.2?}");
    let _ = stop.send(());
    server.await.unwrap().unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}
