//! Data export benchmark (issue 19): one practice on SQLite with 1 000 clients made as the app
//! makes them (sealed profile, wrapped data key), each with 20 journal entries sealed as the
//! journal seals them (a title of about 40 characters, a text of about 600) and 3 appointments
//! with sealed notes, of the practice's one service. The whole practice is exported as the
//! Settings page asks for it (`StartPracticeExport` with the password, from a signed-in browser),
//! its stage read every 50 ms (`service::practice_export_status`) until it is ready, then the
//! archive is downloaded through the mailed link (`GET /settings/export/download?token=`),
//! streamed to a file, counted, and its client folders counted with the `zip` crate.
//! The process's resident memory (`/proc/self/status`: VmRSS, VmHWM) is read before and after
//! seeding and every 50 ms from the export's start to the download's end; its peak is reset
//! (`/proc/self/clear_refs`) when the export starts. Server and browser share the process; the
//! browser writes the download to a file as it comes, so the memory is the server's.
//! Target: the archive ready in 30 s or less, the server's memory under 200 MB.
//! Run: `cargo bench -p server --bench export`. Results: BENCHMARKS.md.

use std::io::{Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use app::clients::types::{ClientInput, RawClient};
use app::export::api::StartPracticeExport;
use app::export::archive::Archive;
use app::export::service::DOWNLOAD_PATH;
use app::export::types::ExportStage;
use app::i18n::Lang;
use app::ids::{ClientId, PracticeId};
use app::journal::service::{TEXT_FIELD, TITLE_FIELD, record};
use app::journal::store::NewVersion;
use app::journal::types::JournalInput;
use app::server::envelope::{self, Field};
use app::server::password::PlainPassword;
use app::server::sessions::CurrentUser;
use app::server::state::AppState;
use leptos::server_fn::ServerFn as _;

#[path = "common.rs"]
#[allow(dead_code, reason = "this bench makes its clients in batches, not with `add_client`")]
mod common;

use common::percentile;

const CLIENTS: usize = 1_000;
const ENTRIES_PER_CLIENT: usize = 20;
const APPOINTMENTS_PER_CLIENT: usize = 3;
/// Clients made in one transaction while seeding.
const SEED_BATCH: usize = 50;
const DAY: i64 = 86_400;
const PASSWORD: &str = "korrekt hest batteri stift";
const TIME_TARGET: Duration = Duration::from_secs(30);
/// 200 MB.
const MEMORY_TARGET: u64 = 200_000_000;
const SAMPLE_EVERY: Duration = Duration::from_millis(50);
/// Every how many clients one is taken apart (gathered, rendered, zipped again) after the run.
const PARTS_EVERY: usize = 10;
/// Pieces written alone after the run, to see whether memory follows the archive's size.
const PIECES_ALONE: i64 = 32;
const FIRST_NAMES: [&str; 10] = ["Ola", "Kari", "Per", "Åse", "Nils", "Ingrid", "Lars", "Sofie", "Jonas", "Emma"];
const TOPICS: [&str; 8] = [
    "søvn, uro og mestring på jobb",
    "eksponering i butikken, del to",
    "konflikt i familien og grenser",
    "tilbakefall etter ferien",
    "mestringsplan og nye mål",
    "samtale med fastlege, oppfølging",
    "automatiske tanker i hverdagen",
    "avslutning av behandlingsforløp",
];
const SENTENCES: [&str; 12] = [
    "Klienten forteller om bedre søvn de siste ukene, men fortsatt uro før møter på jobb. ",
    "Vi gikk gjennom situasjonene som utløser angsten, og hva som har hjulpet så langt. ",
    "Hjemmeoppgaven fra forrige gang ble gjort tre av fem dager; pusteøvelsen oppleves nyttig. ",
    "Klienten beskriver en krevende uke med konflikt i familien og lite overskudd om kveldene. ",
    "Vi øvde på å utfordre automatiske tanker med konkrete eksempler fra arbeidshverdagen. ",
    "Stemningsleiet er noe lavere enn sist, uten tegn til selvmordstanker eller planer. ",
    "Avtalt å prøve gradvis eksponering: handle i butikken på ettermiddagen to ganger denne uken. ",
    "Klienten ønsker å trappe ned til samtaler annenhver uke etter sommeren. ",
    "Fastlegen er informert om forløpet etter samtykke fra klienten. ",
    "Vi snakket om grensesetting overfor leder og hvordan et slikt møte kan forberedes. ",
    "Søvndagboken viser jevnere leggetider, men fortsatt oppvåkninger rundt klokken fire. ",
    "Neste gang: gjennomgå mestringsplanen og evaluere målene fra oppstarten. ",
];

/// `YYYY-MM-DD` (UTC) of a Unix time (Howard Hinnant's days-to-civil).
fn date_of(moment: i64) -> String {
    let z = moment.div_euclid(DAY) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Entry `e` of client `i`: a title of about 40 characters.
fn entry_title(i: usize, e: usize) -> String {
    format!("Samtale {}: {}", e + 1, TOPICS[(i + e) % TOPICS.len()])
}

/// Entry `e` of client `i`: a session note of about 600 characters, whole sentences in an order
/// of its own.
fn entry_text(i: usize, e: usize) -> String {
    let mut text = format!("Time {} av {ENTRIES_PER_CLIENT}. ", e + 1);
    let (first, step) = ((i * 31 + e * 7) % SENTENCES.len(), 1 + (i + e) % 5);
    let mut k = first;
    while text.chars().count() < 560 {
        text.push_str(SENTENCES[k % SENTENCES.len()]);
        k += step;
        if k % SENTENCES.len() == first {
            k += 1;
        }
    }
    text.trim_end().to_string()
}

/// (VmRSS, VmHWM) of this process, in bytes.
fn memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let field = |name: &str| -> u64 {
        let line = status.lines().find_map(|line| line.strip_prefix(name)).unwrap_or_else(|| panic!("{name}"));
        line.trim().trim_end_matches("kB").trim().parse::<u64>().unwrap() * 1024
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// The 1 000 clients, made as the app makes them, each with its journal (sealed with the client's
/// key as `journal::service::create` seals it) and its appointments (notes sealed as the calendar
/// seals them). Many clients to a transaction, so seeding takes seconds, not minutes.
async fn seed(state: &AppState, user: &CurrentUser, service: i64) -> Vec<ClientId> {
    let practice = PracticeId(1);
    let now = state.clock.now();
    let latest = state.clock.latest_date_anywhere();
    let first_seen = now - 2 * 365 * DAY;
    let mut ids = Vec::with_capacity(CLIENTS);
    for start in (0..CLIENTS).step_by(SEED_BATCH) {
        let mut tx = app::server::db::begin_write(&state.db).await.unwrap();
        for i in start..(start + SEED_BATCH).min(CLIENTS) {
            let name = format!("{} Klient{i:04}", FIRST_NAMES[i % FIRST_NAMES.len()]);
            let email = format!("klient{i:04}@example.no");
            let notes = format!("Henvist fra fastlege {}. Foretrekker timer tidlig på dagen.", i % 37 + 1);
            let raw = RawClient {
                name: &name,
                email: &email,
                phone: "+47 912 34 567",
                birth_date: "1980-05-17",
                address: "Storgata 1, 0155 Oslo",
                notes: &notes,
            };
            let input = ClientInput::parse(raw).unwrap();
            let created_at = first_seen + (i as i64 % 90) * DAY;
            let id = app::clients::service::create_in(state, &mut tx, practice, &input, created_at).await.unwrap();
            let keys = envelope::for_client_in(&mut tx, &state.master_key, practice, id).await.unwrap();
            for e in 0..ENTRIES_PER_CLIENT {
                let written_at = created_at + e as i64 * 14 * DAY + 10 * 3600;
                let entry =
                    JournalInput::parse(&date_of(written_at), &entry_title(i, e), &entry_text(i, e), &latest).unwrap();
                let entry_id = app::journal::store::insert_entry(&mut tx, practice, id, written_at).await.unwrap();
                let record = record(entry_id, 1);
                let version = NewVersion {
                    entry_id,
                    version: 1,
                    date: &entry.date,
                    title: keys.seal_text(&entry.title, Field { record: &record, field: TITLE_FIELD }),
                    body: keys.seal_text(&entry.text, Field { record: &record, field: TEXT_FIELD }),
                    author_id: user.user_id,
                    author: &user.name,
                    written_at,
                };
                app::journal::store::insert_version(&mut tx, version).await.unwrap();
            }
            for a in 0..APPOINTMENTS_PER_CLIENT {
                let starts = created_at + a as i64 * 14 * DAY + 9 * 3600;
                let appointment: i64 = sqlx::query_scalar(
                    "INSERT INTO appointments (practice_id, client_id, service_id, starts_at, ends_at, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(practice)
                .bind(id)
                .bind(service)
                .bind(starts)
                .bind(starts + 50 * 60)
                .bind(created_at)
                .fetch_one(&mut *tx)
                .await
                .unwrap();
                let notes = format!("Oppfølging {}: ta med søvndagbok og mestringsplan.", a + 1);
                let sealed = app::calendar::service::seal_notes(&keys, appointment, &notes);
                app::calendar::store::set_notes_in(&mut tx, appointment, sealed.as_deref()).await.unwrap();
            }
            ids.push(id);
        }
        tx.commit().await.unwrap();
    }
    ids
}

async fn count(state: &AppState, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&state.db).await.unwrap()
}

/// The most memory sampled in `[from, to]`.
fn most(samples: &[(Duration, u64)], from: Duration, to: Duration) -> u64 {
    samples.iter().filter(|(at, _)| *at >= from && *at <= to).map(|(_, rss)| *rss).max().unwrap_or(0)
}

/// One client taken apart as the build does it, each part timed: gather (read and open), JSON,
/// PDF, and both into a ZIP.
async fn parts(state: &AppState, ids: &[ClientId], scratch: &std::path::Path) -> [Vec<Duration>; 4] {
    let mut times: [Vec<Duration>; 4] = Default::default();
    let mut archive = Archive::unnamed(scratch, state.clock.now()).unwrap();
    for (n, &id) in ids.iter().step_by(PARTS_EVERY).enumerate() {
        let started = Instant::now();
        let gathered = app::export::record::gather(state, PracticeId(1), id, Lang::Nb).await.unwrap().unwrap();
        times[0].push(started.elapsed());
        let started = Instant::now();
        let json = serde_json::to_vec_pretty(&gathered.record).unwrap();
        times[1].push(started.elapsed());
        let started = Instant::now();
        let pdf = app::export::record::render(Lang::Nb, &gathered.record);
        times[2].push(started.elapsed());
        let started = Instant::now();
        archive.add(&format!("{n}/client.json"), &json).unwrap();
        archive.add(&format!("{n}/client.pdf"), &pdf).unwrap();
        times[3].push(started.elapsed());
    }
    drop(archive.finish().unwrap());
    times
}

/// How memory follows the sealed pieces alone: `n` pieces of 1 MiB sealed and written one after
/// the other as the build writes them (an export row of its own, deleted after); the growth of
/// VmRSS and of the peak, in MiB. `None` when the peak cannot be reset.
async fn pieces_alone(state: &AppState, n: i64) -> Option<(f64, f64)> {
    use app::server::crypto::{Binding, DataKey};
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO practice_exports (practice_id, user_id, status, key_wrapped, created_at, touched_at)
         VALUES (1, 1, 'failed', x'', 0, 0) RETURNING id",
    )
    .fetch_one(&state.db)
    .await
    .unwrap();
    let key = DataKey::generate();
    let mut x = 0x9E37_79B9_7F4A_7C15_u64;
    let buffer: Vec<u8> = (0..1 << 20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    std::fs::write("/proc/self/clear_refs", "5").ok()?;
    let (before, _) = memory();
    for seq in 0..n {
        let row = format!("bench:{id}/piece:{seq}");
        let sealed = key.seal(&buffer, Binding { purpose: "bench", row: &row });
        app::export::store::add_piece(&state.db, id, seq, &sealed).await.unwrap();
    }
    let (after, peak) = memory();
    app::export::store::fail(&state.db, id).await.unwrap();
    Some((mib(after) - mib(before), mib(peak) - mib(before)))
}

#[tokio::main]
async fn main() {
    let (rss_at_start, _) = memory();
    let common::Bench { state, listener, addr, dir, user_id } = common::start().await;
    let db = &state.db;
    let owner = common::owner(user_id);
    let (rss_app, _) = memory();

    let service = common::open_practice(&state, PracticeId(1), 0..5, (480, 960), 50).await;

    let started = Instant::now();
    let ids = seed(&state, &owner, service).await;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(db).await.unwrap();
    let seeded = started.elapsed();
    let (entries, appointments) = (count(&state, "journal_versions").await, count(&state, "appointments").await);
    assert_eq!(entries, (CLIENTS * ENTRIES_PER_CLIENT) as i64);
    println!("seeded {CLIENTS} clients, {entries} journal entries and {appointments} appointments in {seeded:.1?}");
    let size: i64 = sqlx::query_scalar("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()")
        .fetch_one(db)
        .await
        .unwrap();
    println!("database file: {:.1} MiB", mib(size as u64));
    let (rss_seeded, hwm_seeded) = memory();
    println!(
        "memory (VmRSS): {:.1} MiB at start, {:.1} MiB with the app started, {:.1} MiB after seeding (VmHWM {:.1} MiB)",
        mib(rss_at_start),
        mib(rss_app),
        mib(rss_seeded),
        mib(hwm_seeded)
    );

    // The owner's password, hashed as the app hashes it; a signed-in browser.
    let hash = state.passwords.hash(PlainPassword::new(PASSWORD.into())).await;
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(user_id)
        .execute(db)
        .await
        .unwrap();
    let session = state.sessions.create(user_id, "127.0.0.1", "bench").await.unwrap();
    let common::launch::Running { stop, server } = common::launch::run(listener, state.clone());
    let base = format!("http://{addr}");
    let cookie = format!("trygg_session={}", session.expose());
    let browser = reqwest::Client::builder().timeout(Duration::from_secs(600)).build().unwrap();
    let healthy = browser.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(healthy.status(), 200);

    // The export, from the browser's request to the stage "Ready", memory sampled all along.
    let (rss_before, _) = memory();
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let run_started = Instant::now();
    let stop_sampling = Arc::new(AtomicBool::new(false));
    let sampler = std::thread::spawn({
        let stop = stop_sampling.clone();
        move || {
            let mut samples = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                samples.push((run_started.elapsed(), memory().0));
                std::thread::sleep(SAMPLE_EVERY);
            }
            samples
        }
    });
    let started = browser
        .post(format!("{base}{}", StartPracticeExport::PATH))
        .header("cookie", &cookie)
        .header("origin", &base)
        .header("accept-language", "nb-NO,nb;q=0.9")
        .form(&[("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 200, "{}", started.text().await.unwrap());
    let asked = run_started.elapsed();
    let (rss_asked, _) = memory();
    let mut progress: Vec<(Duration, i64)> = Vec::new();
    // The stage every 50 ms, and every 2 ms from 95 % of the clients on, so that the moment the
    // last client is written (and the archive is finished and sealed) is seen to the millisecond.
    let mut written = None;
    let size = loop {
        let status = app::export::service::practice_export_status(&state, &owner).await.unwrap().expect("started");
        let near_end = match status.stage {
            ExportStage::Building { done, total } => {
                progress.push((run_started.elapsed(), done));
                if total > 0 && done == total && written.is_none() {
                    written = Some((run_started.elapsed(), memory().0));
                }
                total > 0 && done * 20 >= total * 19
            }
            ExportStage::Ready { size, .. } => break size,
            other => panic!("the export ended {other:?}"),
        };
        tokio::time::sleep(if near_end { Duration::from_millis(2) } else { SAMPLE_EVERY }).await;
    };
    let built = run_started.elapsed();
    let (rss_built, hwm_built) = memory();
    let pieces: i64 = sqlx::query_scalar("SELECT pieces FROM practice_exports").fetch_one(db).await.unwrap();

    // The link, from the mail.
    let token = loop {
        let mails = state.mailer.outbox().await.unwrap();
        let link = mails
            .iter()
            .filter(|mail| mail.recipient == owner.email)
            .flat_map(|mail| mail.body.lines())
            .find_map(|line| line.split_once(&format!("{DOWNLOAD_PATH}?token=")).map(|(_, token)| token.trim()));
        if let Some(token) = link {
            break token.to_string();
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    let mailed = run_started.elapsed();

    // The download: every piece streamed, written to a file as it comes.
    let download_started = run_started.elapsed();
    let started = Instant::now();
    let mut response = browser
        .get(format!("{base}{DOWNLOAD_PATH}?token={token}"))
        .header("cookie", &cookie)
        .header("accept-language", "nb-NO,nb;q=0.9")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.content_length(), Some(size as u64));
    let first_byte = started.elapsed();
    let path = dir.join("trygg-practice.zip");
    let mut file = std::fs::File::create(&path).unwrap();
    let (mut bytes, mut chunks) = (0_u64, 0_u64);
    while let Some(chunk) = response.chunk().await.unwrap() {
        bytes += chunk.len() as u64;
        chunks += 1;
        file.write_all(&chunk).unwrap();
    }
    file.flush().unwrap();
    drop(file);
    let downloaded = started.elapsed();
    let download_ended = run_started.elapsed();
    stop_sampling.store(true, Ordering::Relaxed);
    let mut samples = sampler.join().unwrap();
    let (rss_after, hwm_after) = memory();
    // The readings at the phases' edges too (a download may take less than one sampling period).
    samples.extend([(asked, rss_asked), (built, rss_built), (download_ended, rss_after)]);
    samples.extend(written);
    assert_eq!(bytes, size as u64, "the whole archive came");

    // The archive: a folder for each client, with its record as JSON and PDF.
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
    let names: Vec<String> = archive.file_names().map(String::from).collect();
    let folders = |file: &str| names.iter().filter(|name| name.starts_with("clients/") && name.ends_with(file)).count();
    let (jsons, pdfs) = (folders("/client.json"), folders("/client.pdf"));
    assert_eq!(jsons, CLIENTS, "a client.json for every client");
    assert_eq!(pdfs, CLIENTS, "a client.pdf for every client");
    assert!(names.iter().any(|name| name == "practice.json"));
    let first = names.iter().find(|name| name.starts_with(&format!("clients/{}-", ids[0])) && name.ends_with(".json"));
    let mut json = String::new();
    archive.by_name(first.expect("the first client's folder")).unwrap().read_to_string(&mut json).unwrap();
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let journal = json["journal"].as_array().unwrap();
    assert_eq!(journal.len(), ENTRIES_PER_CLIENT);
    assert_eq!(journal[0]["versions"][0]["text"], entry_text(0, 0), "the entries opened");
    assert_eq!(json["appointments"].as_array().unwrap().len(), APPOINTMENTS_PER_CLIENT);

    // Where a client's time goes: every tenth client again, part by part, with nothing else running.
    let [mut gather, mut to_json, mut to_pdf, mut zipped] = parts(&state, &ids, &dir.join("scratch")).await;
    let total = |times: &[Duration]| times.iter().sum::<Duration>() * PARTS_EVERY as u32;
    let pdf_sizes = {
        let mut sizes = Vec::new();
        for i in 0..archive.len() {
            let entry = archive.by_index(i).unwrap();
            if entry.name().ends_with("/client.pdf") {
                sizes.push((entry.size(), entry.compressed_size()));
            }
        }
        sizes
    };

    let (clients_done, sealed) = match written {
        Some((at, _)) => (at, built - at),
        None => (built, Duration::ZERO),
    };
    println!();
    println!("{:<58} {built:>9.2?}", "export, the browser's request to the stage Ready");
    println!("{:<58} {asked:>9.2?}", "    the request (password checked, build started)");
    println!(
        "{:<58} {clients_done:>9.2?}  ({:.2?} a client)",
        "    all clients written into the ZIP by",
        clients_done / CLIENTS as u32
    );
    println!("{:<58} {sealed:>9.2?}  ({pieces} pieces)", "    then the ZIP finished and sealed into the database");
    println!("{:<58} {:>9.2?}", "    the mail with the link in the outbox, after Ready", mailed - built);
    println!(
        "{:<58} {downloaded:>9.2?}  ({:.1} MiB, {chunks} chunks, first byte after {first_byte:.1?}, {:.0} MiB/s)",
        "download through the link, every piece streamed",
        mib(bytes),
        mib(bytes) / downloaded.as_secs_f64()
    );
    let pdf_total: u64 = pdf_sizes.iter().map(|(size, _)| size).sum();
    let pdf_packed: u64 = pdf_sizes.iter().map(|(_, packed)| packed).sum();
    println!(
        "archive: {} entries, {jsons} client.json, {pdfs} client.pdf ({:.1} MiB, {:.1} MiB deflated), practice.json",
        names.len(),
        mib(pdf_total),
        mib(pdf_packed)
    );
    println!("one client by part (every {PARTS_EVERY}th client again, n={}), p50 and × {CLIENTS}:", gather.len());
    for (what, times) in [
        ("gather (read, open, consents, messages)", &mut gather),
        ("JSON (serde_json, pretty)", &mut to_json),
        ("PDF (record::render)", &mut to_pdf),
        ("JSON and PDF into the ZIP (deflate)", &mut zipped),
    ] {
        let sum = total(times);
        println!("    {what:<50} p50={:>9.2?}  ≈ {sum:>8.2?}", percentile(times, 0.5));
    }

    println!();
    let growth = |rss: u64| mib(rss) - mib(rss_before);
    let build_max = most(&samples, Duration::ZERO, clients_done);
    let seal_max = most(&samples, clients_done, built);
    let download_max = most(&samples, download_started, download_ended);
    println!("memory (VmRSS every 50 ms, n={}), before the export {:.1} MiB:", samples.len(), mib(rss_before));
    println!(
        "    after the start request (the password checked, Argon2id 19 MiB): {:.1} MiB ({:+.1})",
        mib(rss_asked),
        growth(rss_asked)
    );
    println!("    writing the clients: max {:.1} MiB ({:+.1})", mib(build_max), growth(build_max));
    if let Some((_, rss)) = written {
        println!("    as the last client was seen written: {:.1} MiB ({:+.1})", mib(rss), growth(rss));
    }
    println!("    finishing and sealing: max {:.1} MiB ({:+.1})", mib(seal_max), growth(seal_max));
    println!("    download: max {:.1} MiB ({:+.1})", mib(download_max), growth(download_max));
    println!("    after the download: {:.1} MiB ({:+.1})", mib(rss_after), growth(rss_after));
    for tenth in 1..=10_i64 {
        let threshold = CLIENTS as i64 * tenth / 10;
        if let Some((at, _)) = progress.iter().find(|(_, done)| *done >= threshold) {
            println!(
                "    {:>3} % of the clients written at {:>6.2} s: VmRSS max so far {:.1} MiB",
                tenth * 10,
                at.as_secs_f64(),
                mib(most(&samples, Duration::ZERO, *at))
            );
        }
    }
    if reset {
        println!(
            "    peak (VmHWM, reset as the export started): {:.1} MiB at Ready, {:.1} MiB after the download",
            mib(hwm_built),
            mib(hwm_after)
        );
    } else {
        println!("    peak (VmHWM since the process started; could not reset): {:.1} MiB", mib(hwm_after));
    }
    let peak = hwm_after.max(samples.iter().map(|(_, rss)| *rss).max().unwrap_or(0));
    if let Some((growth, peak)) = pieces_alone(&state, PIECES_ALONE).await {
        println!(
            "    {PIECES_ALONE} sealed 1 MiB pieces through `store::add_piece` alone, after the run: VmRSS {growth:+.1} MiB, \
             VmHWM {peak:+.1} MiB"
        );
    }
    let verdict = |met: bool| if met { "met" } else { "NOT met" };
    println!("target: export ready ≤ 30 s: {} ({built:.2?})", verdict(built <= TIME_TARGET));
    println!(
        "target: server memory < 200 MB: {} (peak {:.1} MB = {:.1} MiB)",
        verdict(peak < MEMORY_TARGET),
        peak as f64 / 1e6,
        mib(peak)
    );

    let _ = stop.send(());
    server.await.unwrap().unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}
