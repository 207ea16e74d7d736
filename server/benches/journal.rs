//! Journal benchmark: sealing and opening one journal entry with a client's data key, unwrapping
//! that key, and listing 1 000 entries of one client as the browser asks for them (session
//! lookup, the query, unwrapping, 2 000 decryptions, the audit row, JSON). Also the data
//! processing agreement as PDF. Run: `cargo bench -p server --bench journal`. Results:
//! BENCHMARKS.md.

use std::time::{Duration, Instant};

use app::ids::{ClientId, PracticeId};
use app::journal::service::{RawEntry, TEXT_FIELD, create, record};
use app::journal::types::ENTRIES_PAGE;
use app::server::envelope::{self, Field};

#[path = "common.rs"]
#[allow(dead_code, reason = "this bench needs no opening hours or service")]
mod common;

use common::percentile;

const ENTRIES: usize = 1_000;

/// A journal entry of about 2 KB: a few paragraphs, as a session note runs.
fn entry_text(i: usize) -> String {
    format!(
        "Samtale {i}. Klienten forteller om bedre søvn de siste ukene, men fortsatt uro før møter på jobb. \
         Vi gikk gjennom situasjonene som utløser angsten, og hva som har hjulpet.\n\n"
    )
    .repeat(8)
}

fn time<F: FnMut()>(n: usize, mut f: F) -> Vec<Duration> {
    (0..n)
        .map(|_| {
            let started = Instant::now();
            f();
            started.elapsed()
        })
        .collect()
}

#[tokio::main]
async fn main() {
    let common::Bench { state, listener, addr, dir, user_id } = common::start().await;
    let db = &state.db;
    let client_id: ClientId = common::add_client(&state, PracticeId(1), "Ola Nordmann", "").await;
    let user = common::owner(user_id);

    // One entry, sealed and opened with the client's key (in memory).
    let keys = envelope::for_client(db, &state.master_key, PracticeId(1), client_id).await.unwrap();
    let text = entry_text(0);
    let record_name = record(1, 1);
    let field = Field { record: &record_name, field: TEXT_FIELD };
    let sealed = keys.seal_text(&text, field);
    let mut seal = time(20_000, || {
        std::hint::black_box(keys.seal_text(std::hint::black_box(&text), field));
    });
    let mut open = time(20_000, || {
        std::hint::black_box(keys.open_text(std::hint::black_box(&sealed), field).unwrap());
    });
    println!("entry of {} bytes:", text.len());
    println!("  seal  n=20000 p50={:.2?} p95={:.2?}", percentile(&mut seal, 0.5), percentile(&mut seal, 0.95));
    println!("  open  n=20000 p50={:.2?} p95={:.2?}", percentile(&mut open, 0.5), percentile(&mut open, 0.95));
    let mut unwrap = Vec::with_capacity(2000);
    for _ in 0..2000 {
        let started = Instant::now();
        envelope::existing(db, &state.master_key, PracticeId(1), client_id).await.unwrap().unwrap();
        unwrap.push(started.elapsed());
    }
    println!("  the client's key from the database, unwrapped  n=2000 p50={:.2?}", percentile(&mut unwrap, 0.5));

    let mut writes = Vec::with_capacity(ENTRIES);
    for i in 0..ENTRIES {
        let date = format!("20{:02}-{:02}-{:02}", 20 + i / 336, 1 + (i / 28) % 12, 1 + i % 28);
        let body = entry_text(i);
        let started = Instant::now();
        create(&state, &user, client_id, RawEntry { date: &date, title: &format!("Samtale {i}"), text: &body })
            .await
            .unwrap();
        writes.push(started.elapsed());
    }
    println!(
        "write an entry (check, seal, insert entry + version + audit row)  n={ENTRIES} p50={:.2?} p95={:.2?}",
        percentile(&mut writes, 0.5),
        percentile(&mut writes, 0.95)
    );

    let token = state.sessions.create(user_id, "127.0.0.1", "bench").await.unwrap();
    let common::launch::Running { stop, server } = common::launch::run(listener, state.clone());
    let client = reqwest::Client::new();
    let url = format!("http://{addr}/api/journal/list");
    let list = |entries: usize| {
        let (client, url, token) = (&client, &url, &token);
        async move {
            let response = client
                .post(url)
                .header("cookie", format!("trygg_session={}", token.expose()))
                .header("origin", format!("http://{addr}"))
                .form(&[("client_id", client_id.to_string()), ("entries", entries.to_string())])
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            response.bytes().await.unwrap()
        }
    };
    // All 1 000 at once (`?entries=1000`), and the first page the client page shows.
    for (entries, what) in [(ENTRIES, "all entries of one client"), (ENTRIES_PAGE, "the first page (newest)")] {
        let body = list(entries).await;
        let journal: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(journal["entries"].as_array().unwrap().len(), entries);
        println!("list answer: {:.0} KiB of JSON", body.len() as f64 / 1024.0);
        for _ in 0..10 {
            list(entries).await;
        }
        let mut samples = Vec::with_capacity(200);
        for _ in 0..200 {
            let started = Instant::now();
            list(entries).await;
            samples.push(started.elapsed());
        }
        println!(
            "POST /api/journal/list, {entries} entries: {what}  n=200 p50={:.2?} p95={:.2?}",
            percentile(&mut samples, 0.5),
            percentile(&mut samples, 0.95)
        );
    }
    let mut query = Vec::with_capacity(200);
    for _ in 0..200 {
        let started = Instant::now();
        let rows = app::journal::store::current(db, PracticeId(1), client_id, ENTRIES as i64).await.unwrap();
        query.push(started.elapsed());
        assert_eq!(rows.len(), ENTRIES);
    }
    println!("  of which the query (sealed rows)  n=200 p50={:.2?}", percentile(&mut query, 0.5));

    let practice = app::profile::store::practice(db, PracticeId(1)).await.unwrap();
    let mut pdf = time(200, || {
        std::hint::black_box(app::profile::service::render(
            app::i18n::Lang::Nb,
            &practice,
            &state.config.operator,
            "2026-11-25",
        ));
    });
    println!("data processing agreement as PDF  n=200 p50={:.2?}", percentile(&mut pdf, 0.5));

    let _ = stop.send(());
    server.await.unwrap().unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}
