//! The real server binary as a child process: killed with SIGKILL in the middle of a burst of
//! writes, every write it had acknowledged is there after a restart (SQLite always, PostgreSQL
//! when `TRYGG_TEST_DATABASE_URL` names one); and it refuses to start with an unsafe mail set-up.

use app::auth::api::{DevOutbox, LogIn, SignUp, VerifyEmail};
use app::clients::api::{CreateClient, ListClients};
use app::consent::api::{ConsentRequests, ConsentTemplates, SendConsent};
use app::journal::api::GetJournal;
use leptos::server_fn::ServerFn as _;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use crate::helpers::{PASSWORD, browser, fresh_database, private_temp_dir};

/// The server binary Cargo built for these tests, with the environment `scripts/test` gives it.
fn command(dir: &Path, port: u16, vars: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
    command
        .env_clear()
        .env("LEPTOS_OUTPUT_NAME", "trygg")
        .env("LEPTOS_SITE_ROOT", concat!(env!("CARGO_MANIFEST_DIR"), "/../target/site"))
        .env("LEPTOS_SITE_PKG_DIR", "pkg")
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("TRYGG_DATA_DIR", dir)
        .env("TRYGG_BASE_URL", format!("http://127.0.0.1:{port}"))
        .env("TRYGG_MAIL_REQUESTS_PER_IP", "1000")
        .env("RUST_LOG", "warn")
        .envs(vars.iter().copied());
    command
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

struct Server {
    child: Child,
    base: String,
    log: PathBuf,
}

impl Server {
    /// Starts the binary and waits until `/healthz` answers.
    async fn start(dir: &Path, port: u16, vars: &[(&str, &str)], run: usize) -> Server {
        let log = dir.join(format!("server-{run}.log"));
        let out = std::fs::File::create(&log).unwrap();
        let child = command(dir, port, vars)
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .expect("the server binary starts");
        let server = Server { child, base: format!("http://127.0.0.1:{port}"), log };
        let probe = reqwest::Client::new();
        for _ in 0..200 {
            if probe.get(format!("{}/healthz", server.base)).send().await.is_ok_and(|r| r.status() == 200) {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the server did not come up: {}", std::fs::read_to_string(&server.log).unwrap_or_default());
    }

    /// `kill -9`: no signal handler runs, nothing is flushed or closed.
    fn kill_9(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn call(client: &reqwest::Client, base: &str, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    client.post(format!("{base}{path}")).form(form).send().await.unwrap()
}

/// The token of the newest link to `path` in mail to `to`, from the outbox.
async fn token_from_outbox(client: &reqwest::Client, base: &str, to: &str, path: &str) -> String {
    for _ in 0..200 {
        let mails: Vec<Value> = call(client, base, DevOutbox::PATH, &[]).await.json().await.unwrap();
        let link = mails
            .iter()
            .filter(|mail| mail["recipient"] == to)
            .flat_map(|mail| mail["body"].as_str().unwrap().lines().map(str::to_string).collect::<Vec<_>>())
            .find(|line| line.contains(&format!("{path}?token=")));
        if let Some(link) = link {
            return link.split("token=").nth(1).unwrap().trim().to_string();
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no mail to {to} with a link to {path}");
}

async fn new_client(owner: &reqwest::Client, base: &str, name: &str, email: &str) -> reqwest::Response {
    let form = [("name", name), ("email", email), ("phone", ""), ("birth_date", ""), ("address", ""), ("notes", "")];
    call(owner, base, CreateClient::PATH, &form).await
}

fn id_of(created: &reqwest::Response) -> String {
    created.headers()["location"].to_str().unwrap().strip_prefix("/clients/").unwrap().to_string()
}

/// What the server acknowledged (answered 200) before it was killed.
#[derive(Default)]
struct Acknowledged {
    clients: Vec<String>,
    entries: Vec<String>,
    signed: Vec<String>,
}

const CONSENTS: usize = 20;

async fn acknowledged_writes_survive_kill_9(database_url: Option<String>, dir: &Path) {
    let port = free_port();
    let mut vars = vec![("TRYGG_DEV_OUTBOX", "1".to_string())];
    if let Some(url) = database_url {
        vars.push(("TRYGG_DATABASE_URL", url));
    }
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut server = Server::start(dir, port, &vars, 1).await;
    let base = server.base.clone();

    let owner = browser(&base);
    let email = "kari@example.no";
    let form = [("practice_name", "Klinikk Nord"), ("name", "Kari Nordmann"), ("email", email), ("password", PASSWORD)];
    assert_eq!(call(&owner, &base, SignUp::PATH, &form).await.status(), 200);
    let token = token_from_outbox(&owner, &base, email, "/verify-email").await;
    assert_eq!(call(&owner, &base, VerifyEmail::PATH, &[("token", &token)]).await.status(), 200);
    assert_eq!(call(&owner, &base, LogIn::PATH, &[("email", email), ("password", PASSWORD)]).await.status(), 200);

    let journal_client = id_of(&new_client(&owner, &base, "Journal Klient", "").await);
    let templates: Vec<Value> = call(&owner, &base, ConsentTemplates::PATH, &[]).await.json().await.unwrap();
    let template = templates[0]["id"].to_string();
    let mut links = Vec::new();
    for i in 0..CONSENTS {
        let address = format!("samtykke{i}@example.no");
        let id = id_of(&new_client(&owner, &base, &format!("Samtykke Klient {i}"), &address).await);
        let sent = call(&owner, &base, SendConsent::PATH, &[("client_id", &id), ("template_id", &template)]).await;
        assert_eq!(sent.status(), 200);
        links.push((id, token_from_outbox(&owner, &base, &address, "/consent").await));
    }

    // The burst: several writers of each kind at once, until the kill cuts them off.
    let acked = Arc::new(Mutex::new(Acknowledged::default()));
    let links = Arc::new(Mutex::new(links));
    let mut writers = Vec::new();
    for writer in 0..3 {
        let (owner, base, acked) = (owner.clone(), base.clone(), acked.clone());
        writers.push(tokio::spawn(async move {
            for i in 0.. {
                let name = format!("Burst Klient {writer}-{i}");
                let form = [
                    ("name", name.as_str()),
                    ("email", ""),
                    ("phone", ""),
                    ("birth_date", ""),
                    ("address", ""),
                    ("notes", ""),
                ];
                match owner.post(format!("{base}/api/clients/create")).form(&form).send().await {
                    Ok(response) if response.status() == 200 => acked.lock().unwrap().clients.push(name),
                    Ok(response) => panic!("creating a client answered {}", response.status()),
                    Err(_) => return,
                }
            }
        }));
    }
    for writer in 0..2 {
        let (owner, base, acked, client) = (owner.clone(), base.clone(), acked.clone(), journal_client.clone());
        writers.push(tokio::spawn(async move {
            for i in 0.. {
                let title = format!("Burst notat {writer}-{i}");
                let form = [
                    ("client_id", client.as_str()),
                    ("date", "2025-03-01"),
                    ("title", &title),
                    ("text", "Kort notat."),
                ];
                match owner.post(format!("{base}/api/journal/create")).form(&form).send().await {
                    Ok(response) if response.status() == 200 => acked.lock().unwrap().entries.push(title),
                    Ok(response) => panic!("writing an entry answered {}", response.status()),
                    Err(_) => return,
                }
            }
        }));
    }
    for _ in 0..2 {
        let (base, acked, links) = (base.clone(), acked.clone(), links.clone());
        writers.push(tokio::spawn(async move {
            let phone = browser(&base);
            loop {
                let Some((id, token)) = links.lock().unwrap().pop() else { return };
                let form = [("token", token.as_str()), ("agree", "yes"), ("name", "Ola Nordmann")];
                match phone.post(format!("{base}/api/consent/sign")).form(&form).send().await {
                    Ok(response) if response.status() == 200 => acked.lock().unwrap().signed.push(id),
                    Ok(response) => panic!("signing answered {}", response.status()),
                    Err(_) => return,
                }
            }
        }));
    }
    for _ in 0..400 {
        let enough = {
            let acked = acked.lock().unwrap();
            acked.clients.len() >= 20 && acked.entries.len() >= 20 && acked.signed.len() >= 5
        };
        if enough {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    server.kill_9();
    for writer in writers {
        writer.await.unwrap();
    }
    let acked = std::mem::take(&mut *acked.lock().unwrap());
    assert!(acked.clients.len() >= 20 && acked.entries.len() >= 20 && acked.signed.len() >= 5, "the burst ran");
    eprintln!(
        "killed after {} clients, {} journal entries and {} signatures were acknowledged",
        acked.clients.len(),
        acked.entries.len(),
        acked.signed.len()
    );

    let server = Server::start(dir, port, &vars, 2).await;
    let base = server.base.clone();
    let mut names = Vec::new();
    for writer in 0..3 {
        let query = format!("Burst Klient {writer}-");
        let list: Vec<Value> = call(&owner, &base, ListClients::PATH, &[("query", &query)]).await.json().await.unwrap();
        assert!(list.len() < 500, "the list is not cut off at its limit");
        names.extend(list.iter().map(|client| client["name"].as_str().unwrap().to_string()));
    }
    let lost: Vec<&String> = acked.clients.iter().filter(|name| !names.contains(name)).collect();
    assert!(lost.is_empty(), "acknowledged clients lost: {lost:?}");

    let journal = call(&owner, &base, GetJournal::PATH, &[("client_id", &journal_client), ("entries", "10000")]).await;
    assert_eq!(journal.status(), 200);
    let journal: Value = journal.json().await.unwrap();
    let titles: Vec<&str> =
        journal["entries"].as_array().unwrap().iter().map(|e| e["title"].as_str().unwrap()).collect();
    let lost: Vec<&String> = acked.entries.iter().filter(|title| !titles.contains(&title.as_str())).collect();
    assert!(lost.is_empty(), "acknowledged journal entries lost: {lost:?}");

    for id in &acked.signed {
        let requests: Vec<Value> =
            call(&owner, &base, ConsentRequests::PATH, &[("client_id", id)]).await.json().await.unwrap();
        assert_eq!(requests[0]["status"], "Signed", "client {id}'s acknowledged signature");
    }
    // And the restarted server takes new writes.
    assert_eq!(new_client(&owner, &base, "Etter omstart", "").await.status(), 200);
}

#[tokio::test]
async fn acknowledged_writes_survive_kill_9_on_sqlite() {
    let dir = private_temp_dir("kill");
    acknowledged_writes_survive_kill_9(None, &dir.0).await;

    use sqlx::Connection;
    let url = format!("sqlite://{}", dir.0.join("trygg.db").display());
    let mut db = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let check: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&mut db).await.unwrap();
    assert_eq!(check, "ok");
}

#[tokio::test]
async fn acknowledged_writes_survive_kill_9_on_postgresql() {
    if !std::env::var("TRYGG_TEST_DATABASE_URL").is_ok_and(|url| url.starts_with("postgres")) {
        eprintln!("skipped: set TRYGG_TEST_DATABASE_URL to a postgres:// server to run this on PostgreSQL");
        return;
    }
    let dir = private_temp_dir("kill");
    let url = fresh_database(&dir.0).await;
    acknowledged_writes_survive_kill_9(Some(url), &dir.0).await;
}

/// Runs the binary with these settings: whether it stayed up (it is stopped after 10 s) or
/// exited successfully, and what it printed.
async fn refused_start(vars: &[(&str, &str)]) -> (bool, String) {
    let dir = private_temp_dir("config");
    let log = dir.0.join("server.log");
    let out = std::fs::File::create(&log).unwrap();
    let mut child =
        command(&dir.0, free_port(), vars).stdout(out.try_clone().unwrap()).stderr(out).spawn().expect("it runs");
    let mut started = true;
    for _ in 0..200 {
        if let Some(status) = child.try_wait().unwrap() {
            started = status.success();
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    (started, std::fs::read_to_string(&log).unwrap())
}

#[tokio::test]
async fn the_server_refuses_an_outbox_on_https_and_unencrypted_mail_to_another_host() {
    let cases = HashMap::from([
        ("TRYGG_DEV_OUTBOX", vec![("TRYGG_DEV_OUTBOX", "1"), ("TRYGG_BASE_URL", "https://trygg.example")]),
        ("TRYGG_SMTP_URL", vec![("TRYGG_SMTP_URL", "smtp://mailer:hunter2@mail.example:587")]),
    ]);
    for (variable, vars) in cases {
        let (started, printed) = refused_start(&vars).await;
        assert!(!started, "{variable}: {printed}");
        assert!(printed.contains(variable), "{variable}: {printed}");
        assert!(!printed.contains("hunter2"), "the password is never printed: {printed}");
    }
}

#[tokio::test]
async fn without_trygg_dev_outbox_the_outbox_page_is_off() {
    let dir = private_temp_dir("outbox");
    let server = Server::start(&dir.0, free_port(), &[], 1).await;
    let client = browser(&server.base);
    let form = [("practice_name", "Klinikk"), ("name", "Kari"), ("email", "kari@example.no"), ("password", PASSWORD)];
    assert_eq!(call(&client, &server.base, SignUp::PATH, &form).await.status(), 200);
    assert_eq!(call(&client, &server.base, DevOutbox::PATH, &[]).await.status(), 404);
}
