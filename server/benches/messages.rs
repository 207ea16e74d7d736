//! Secure messages: opening a conversation of 500 sealed messages on the server, and a 10 MB file
//! sent and fetched through the real routes, with the peak heap the process used for it.
//! Run: `cargo bench -p server --bench messages`. Results: BENCHMARKS.md.
//!
//! The heap is counted by this binary's allocator (every allocation of the process, server and
//! client alike). The client streams its upload from a generator and reads the download chunk by
//! chunk, so the figures are the server's, plus a few kilobytes.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use app::i18n::Lang;
use app::ids::{ClientId, PracticeId};
use app::messages::service::{self, ClientSession, Typed};
use app::messages::store;

#[path = "common.rs"]
#[allow(dead_code, reason = "this bench needs no opening hours or service")]
mod common;

use common::percentile;

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = CURRENT.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every call is passed on to the system allocator unchanged; only sizes are counted.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            grew(layout.size());
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        unsafe { System.dealloc(pointer, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let moved = unsafe { System.realloc(pointer, layout, new_size) };
        if !moved.is_null() {
            CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
            grew(new_size);
        }
        moved
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `work` and returns how long it took and how far the heap rose above where it stood.
async fn measured<T>(work: impl std::future::Future<Output = T>) -> (T, Duration, usize) {
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let started = Instant::now();
    let value = work.await;
    (value, started.elapsed(), PEAK.load(Ordering::Relaxed).saturating_sub(base))
}

const MESSAGES: usize = 500;
const FILE_BYTES: usize = 10 * 1024 * 1024;

fn mib(bytes: usize) -> String {
    format!("{:.2} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// A text file of `bytes` (a multiple of 64 KiB) as a stream of 64 KiB pieces: the client never
/// holds it whole.
fn file_stream(bytes: usize) -> reqwest::Body {
    let piece = vec![b'x'; 64 * 1024];
    let pieces = (0..bytes / piece.len()).map(move |_| Ok::<_, std::io::Error>(piece.clone()));
    reqwest::Body::wrap_stream(futures::stream::iter(pieces))
}

#[tokio::main]
async fn main() {
    let common::Bench { state, listener, addr, dir, user_id } = common::start().await;
    let user = common::owner(user_id);
    let practice = PracticeId(1);
    let client_id: ClientId = common::add_client(&state, practice, "Ola Klient", "ola@example.no").await;

    // 500 messages, the practitioner's and the client's in turn, each sealed as the app seals it.
    let started = Instant::now();
    for i in 0..MESSAGES {
        let body = format!("Melding {i}: hvordan har uka vært? Jeg tenkte på det vi snakket om sist.");
        if i % 2 == 0 {
            let begun = service::begin_message(&state, &user, client_id).await.unwrap();
            service::send_message(&state, &user, begun, Typed { body: &body, second_factor: None }, Lang::Nb)
                .await
                .unwrap();
        } else {
            let conversation = store::of_client(&state.db, practice, client_id).await.unwrap().unwrap();
            let draft = service::begin_reply(&state, ClientSession { session_id: 0, conversation }).await.unwrap();
            service::send_reply(&state, draft, &body, Lang::Nb).await.unwrap();
        }
    }
    println!("wrote {MESSAGES} sealed messages in {:.2?}", started.elapsed());

    let mut samples = Vec::with_capacity(200);
    for _ in 0..200 {
        let started = Instant::now();
        let thread = service::thread(&state, &user, client_id).await.unwrap();
        samples.push(started.elapsed());
        assert_eq!(thread.messages.len(), MESSAGES);
    }
    let (p50, p95) = (percentile(&mut samples, 0.5), percentile(&mut samples, 0.95));
    println!("open a conversation of {MESSAGES} messages (service)        n=200 p50={p50:.2?} p95={p95:.2?}");

    let token = state.sessions.create(user_id, "127.0.0.1", "bench").await.unwrap();
    let cookie = format!("trygg_session={}", token.expose());
    let common::launch::Running { stop, server } = common::launch::run(listener, state.clone());
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let origin = format!("http://{addr}");

    let api = format!("{origin}/api/messages/thread");
    let mut samples = Vec::with_capacity(200);
    for _ in 0..200 {
        let started = Instant::now();
        let response = http
            .post(&api)
            .header("cookie", &cookie)
            .header("origin", &origin)
            .form(&[("client_id", client_id.to_string())])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.bytes().await.unwrap();
        samples.push(started.elapsed());
    }
    let (p50, p95) = (percentile(&mut samples, 0.5), percentile(&mut samples, 0.95));
    println!("POST /api/messages/thread, {MESSAGES} messages as JSON      n=200 p50={p50:.2?} p95={p95:.2?}");

    let page = format!("{origin}/messages/{client_id}");
    let mut samples = Vec::with_capacity(100);
    for _ in 0..100 {
        let started = Instant::now();
        let response = http.get(&page).header("cookie", &cookie).send().await.unwrap();
        assert_eq!(response.status(), 200);
        response.bytes().await.unwrap();
        samples.push(started.elapsed());
    }
    let (p50, p95) = (percentile(&mut samples, 0.5), percentile(&mut samples, 0.95));
    println!("GET /messages/{{client}}, the page with {MESSAGES} messages    n=100 p50={p50:.2?} p95={p95:.2?}");

    // A 10 MB file up and down, one at a time and four at once.
    let upload_of = |bytes: usize| {
        let (http, cookie, origin) = (&http, &cookie, &origin);
        async move {
            let part =
                reqwest::multipart::Part::stream_with_length(file_stream(bytes), bytes as u64).file_name("stor.txt");
            let form = reqwest::multipart::Form::new().text("body", "").part("files", part);
            let response = http
                .post(format!("{origin}/messages/{client_id}/send"))
                .header("cookie", cookie)
                .header("origin", origin)
                .multipart(form)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 303);
            assert!(response.headers()["location"].to_str().unwrap().contains("sent=1"));
        }
    };
    let upload = || upload_of(FILE_BYTES);
    let download = |id: i64| {
        let (http, cookie, origin) = (&http, &cookie, &origin);
        async move {
            let mut response =
                http.get(format!("{origin}/messages/files/{id}")).header("cookie", cookie).send().await.unwrap();
            assert_eq!(response.status(), 200);
            let mut total = 0;
            while let Some(chunk) = response.chunk().await.unwrap() {
                total += chunk.len();
            }
            assert_eq!(total, FILE_BYTES);
        }
    };
    upload().await;
    let ((), took, peak) = measured(upload_of(FILE_BYTES / 10)).await;
    println!("upload a 1 MB file: {took:.2?}, peak heap above baseline {}", mib(peak));
    let ((), took, peak) = measured(upload()).await;
    println!("upload a 10 MB file: {took:.2?}, peak heap above baseline {}", mib(peak));
    let (_, took, peak) = measured(async { futures::join!(upload(), upload(), upload(), upload()) }).await;
    println!("upload four 10 MB files at once: {took:.2?}, peak heap above baseline {}", mib(peak));
    let newest: i64 = sqlx::query_scalar("SELECT MAX(id) FROM message_files").fetch_one(&state.db).await.unwrap();
    download(newest).await;
    let ((), took, peak) = measured(download(newest)).await;
    println!("download a 10 MB file: {took:.2?}, peak heap above baseline {}", mib(peak));
    let four =
        async { futures::join!(download(newest), download(newest - 1), download(newest - 2), download(newest - 3)) };
    let (_, took, peak) = measured(four).await;
    println!("download four 10 MB files at once: {took:.2?}, peak heap above baseline {}", mib(peak));

    let _ = stop.send(());
    server.await.unwrap().unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}
