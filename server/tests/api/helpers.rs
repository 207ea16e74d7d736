//! `spawn_app()`: the real server on a random port, with its own database, data directory and a
//! clock the test moves.

use app::auth::api::{LogIn, SignUp, VerifyEmail};
use app::clients::api::CreateClient;
use app::two_factor::api::{BeginTwoFactor, EnableTwoFactor};
use leptos::server_fn::ServerFn as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use app::server::clock::Clock;
use app::server::config::Config;
use app::server::state::AppState;
use app::two_factor::totp::TotpSecret;
use reqwest::header::{HeaderMap, HeaderValue};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use crate::launch::{self, Running};

pub const PASSWORD: &str = "a calm river under nine bridges";

pub struct TestApp {
    pub base: String,
    pub state: AppState,
    pub clock: Clock,
    /// A browser-like client: keeps cookies, does not follow redirects, sends our Origin.
    pub client: reqwest::Client,
    /// The cookies `client` keeps; another instance of the same deployment shares them.
    jar: Arc<reqwest::cookie::Jar>,
    /// Dropping it (with the app) shuts the server down gracefully.
    shutdown: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    /// The instance that made the data directory removes it; another instance on it does not.
    _data_dir: Option<TempDir>,
}

pub struct TempDir(pub std::path::PathBuf);

/// A new directory under the system's temporary one, private to this user as the server demands
/// of its data directory; removed when dropped.
pub fn private_temp_dir(purpose: &str) -> TempDir {
    let dir = std::env::temp_dir().join(format!("trygg-{purpose}-{}", random_suffix()));
    std::os::unix::fs::DirBuilderExt::mode(&mut std::fs::DirBuilder::new(), 0o700).create(&dir).unwrap();
    TempDir(dir)
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn random_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    format!("{}_{}_{}", std::process::id(), nanos, COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// A fresh database URL: a new SQLite file, or a new PostgreSQL database on the given server.
pub async fn fresh_database(data_dir: &std::path::Path) -> String {
    match std::env::var("TRYGG_TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => {
            use sqlx::Connection;
            let prefix = std::env::var("TRYGG_TEST_DATABASE_PREFIX").unwrap_or_else(|_| "trygg_test_".into());
            let name = format!("{prefix}{}", random_suffix());
            let mut admin = sqlx::PgConnection::connect(&url).await.expect("connect to the test PostgreSQL server");
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.unwrap();
            let (base, _) = url.rsplit_once('/').expect("postgres URL with a database name");
            format!("{base}/{name}")
        }
        _ => format!("sqlite://{}?mode=rwc", data_dir.join("trygg.db").display()),
    }
}

/// With `TEST_LOG=1` (a `RUST_LOG`-style filter also works: `TEST_LOG=trygg=debug`), the
/// server's log goes to the test's output, so a failing test shows what the server said.
fn show_server_log_if_asked() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    let Ok(filter) = std::env::var("TEST_LOG") else { return };
    ONCE.call_once(|| {
        let filter = if filter == "1" { "info".to_string() } else { filter };
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_test_writer()
            .try_init();
    });
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the app; `adjust` may change the configuration first (its base URL is then set to the
/// bound port unless `adjust` chose an https one).
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    show_server_log_if_asked();
    let temp = private_temp_dir("test");
    let data_dir = temp.0.clone();
    let (listener, mut config) = launch::bind(&data_dir).await;
    let addr = listener.local_addr().unwrap();
    let base = config.base_url.clone();
    config.database_url = fresh_database(&data_dir).await;
    config.dev_outbox = true;
    adjust(&mut config);
    let origin = config.base_url.clone();
    let clock = Clock::default();
    let state = launch::build(config, addr, clock.clone()).await;
    let Running { stop: shutdown, server } = launch::run(listener, state.clone());

    let jar = Arc::new(reqwest::cookie::Jar::default());
    let client = deployment_browser(&origin, &base, jar.clone());
    TestApp { base, state, clock, client, jar, shutdown, server, _data_dir: Some(temp) }
}

/// A second instance of the same app, as behind a load balancer: the same public origin,
/// database, data directory and key file, the same clock, its own port and state (so its own
/// keyring in memory). Its `client` is the first instance's browser, session and all.
pub async fn spawn_another_instance(first: &TestApp) -> TestApp {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let base = format!("http://{addr}");
    let config = (*first.state.config).clone();
    let clock = first.clock.clone();
    let state = launch::build(config, addr, clock.clone()).await;
    let Running { stop: shutdown, server } = launch::run(listener, state.clone());
    // A browser that already holds the first instance's cookies, reaching this instance as a load
    // balancer would pass it on: under the deployment's own host name.
    let origin = &state.config.base_url;
    let client = deployment_browser(origin, origin, first.jar.clone());
    TestApp { base, state, clock, client, jar: first.jar.clone(), shutdown, server, _data_dir: None }
}

pub const DESKTOP_CHROME: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 TryggTest/1.0";
pub const PHONE_SAFARI: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

/// A client that behaves like a same-origin browser page (desktop Chrome).
pub fn browser(origin: &str) -> reqwest::Client {
    browser_with_agent(origin, DESKTOP_CHROME)
}

/// A same-origin browser page with this User-Agent.
pub fn browser_with_agent(origin: &str, user_agent: &str) -> reqwest::Client {
    browser_sending(origin, user_agent, &[], None)
}

/// A same-origin browser whose every request a trusted proxy forwards for `client_ip` (the app
/// must trust 127.0.0.1 as its proxy).
pub fn browser_behind_proxy(origin: &str, client_ip: &str) -> reqwest::Client {
    browser_sending(origin, DESKTOP_CHROME, &[("x-forwarded-for", client_ip)], None)
}

/// A same-origin browser page of a deployment at `origin` (e.g. `https://trygg.example`) whose
/// requests reach this test server: it names that host in `Host`, as a TLS-terminating proxy in
/// front of the app would pass it on.
pub fn browser_of_deployment(origin: &str) -> reqwest::Client {
    browser_sending(origin, DESKTOP_CHROME, &[("host", host_of(origin))], None)
}

/// A browser page of the deployment at `origin` whose cookies live in `jar`, naming the host of
/// `host_url` in `Host`, as a proxy or load balancer in front of the app passes it on.
fn deployment_browser(origin: &str, host_url: &str, jar: Arc<reqwest::cookie::Jar>) -> reqwest::Client {
    browser_sending(origin, DESKTOP_CHROME, &[("host", host_of(host_url))], Some(jar))
}

fn host_of(url: &str) -> &str {
    url.split_once("://").unwrap().1
}

/// The one browser-like client the helpers make: keeps cookies (in `jar` when given), does not
/// follow redirects, sends `Origin`, `User-Agent` and `extra` headers on every request.
pub fn browser_sending(
    origin: &str,
    user_agent: &str,
    extra: &[(&'static str, &str)],
    jar: Option<Arc<reqwest::cookie::Jar>>,
) -> reqwest::Client {
    let mut headers = HeaderMap::new();
    headers.insert("origin", HeaderValue::from_str(origin).unwrap());
    headers.insert("user-agent", HeaderValue::from_str(user_agent).unwrap());
    for (name, value) in extra {
        headers.insert(*name, HeaderValue::from_str(value).unwrap());
    }
    let builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .timeout(Duration::from_secs(30));
    match jar {
        Some(jar) => builder.cookie_provider(jar),
        None => builder.cookie_store(true),
    }
    .build()
    .unwrap()
}

impl TestApp {
    /// A new browser (cookies of its own) that reaches this instance under the deployment's host.
    pub fn new_browser(&self) -> reqwest::Client {
        browser_of_deployment(&self.state.config.base_url)
    }

    /// Signals shutdown the way SIGTERM does and waits for the server to finish.
    pub async fn stop(self) -> std::io::Result<()> {
        let _ = self.shutdown.send(());
        tokio::time::timeout(Duration::from_secs(10), self.server).await.expect("server stops in time").unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Calls a server function the way the hydrated app does (form-encoded, JSON answer), by its
    /// typed path (`CreateClient::PATH`).
    pub async fn call(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.call_with(&self.client, path, form).await
    }

    pub async fn call_with(&self, client: &reqwest::Client, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        client.post(self.url(path)).form(form).send().await.unwrap()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn sign_up(&self, email: &str) -> reqwest::Response {
        self.call(
            SignUp::PATH,
            &[("practice_name", "Klinikk Nord"), ("name", "Kari Nordmann"), ("email", email), ("password", PASSWORD)],
        )
        .await
    }

    pub async fn log_in(&self, email: &str, password: &str) -> reqwest::Response {
        self.call(LogIn::PATH, &[("email", email), ("password", password)]).await
    }

    /// A second browser (its own cookies), logged in to this account.
    pub async fn another_browser(&self, email: &str, user_agent: &str) -> reqwest::Client {
        let client = browser_with_agent(&self.base, user_agent);
        let response = self.call_with(&client, LogIn::PATH, &[("email", email), ("password", PASSWORD)]).await;
        assert_eq!(response.status(), 200);
        client
    }

    /// A login attempt that claims, in `X-Forwarded-For`, to come from `forwarded_for`.
    pub async fn log_in_forwarded(&self, forwarded_for: &str, email: &str, password: &str) -> reqwest::Response {
        self.client
            .post(self.url(LogIn::PATH))
            .header("x-forwarded-for", forwarded_for)
            .form(&[("email", email), ("password", password)])
            .send()
            .await
            .unwrap()
    }

    /// Signs up and follows the verification link from the outbox.
    pub async fn verified_user(&self, email: &str) {
        assert_eq!(self.sign_up(email).await.status(), 200);
        let token = self.verification_token(email).await;
        assert_eq!(self.call(VerifyEmail::PATH, &[("token", &token)]).await.status(), 200);
    }

    /// A verified user, logged in with this app's client.
    pub async fn signed_in_user(&self, email: &str) {
        self.verified_user(email).await;
        let response = self.log_in(email, PASSWORD).await;
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    }

    /// Asks to add a client to the practice `browser` is signed in to: the fields given, the rest
    /// empty.
    pub async fn try_create_client(&self, browser: &reqwest::Client, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut form: Vec<(&str, &str)> =
            vec![("name", ""), ("email", ""), ("phone", ""), ("birth_date", ""), ("address", ""), ("notes", "")];
        for (key, value) in fields {
            form.retain(|(k, _)| k != key);
            form.push((key, value));
        }
        self.call_with(browser, CreateClient::PATH, &form).await
    }

    /// Adds a client (as [`Self::try_create_client`]) and returns its id.
    pub async fn create_client(&self, browser: &reqwest::Client, fields: &[(&str, &str)]) -> String {
        let response = self.try_create_client(browser, fields).await;
        assert_eq!(response.status(), 200, "{fields:?}");
        let location = response.headers()["location"].to_str().unwrap();
        location.strip_prefix("/clients/").expect("a redirect to the new client's page").to_string()
    }

    /// The outbox's mails to this address, newest first, as the app reads them (a client's are
    /// sealed with the client's key).
    pub async fn mails_to(&self, to: &str) -> Vec<app::server::mail::OutboxRow> {
        self.state.mailer.outbox().await.unwrap().into_iter().filter(|mail| mail.recipient == to).collect()
    }

    /// Waits for mail to this address (sending happens in the background) and returns the newest.
    pub async fn wait_for_mail(&self, to: &str, count: usize) -> Vec<(String, String)> {
        for _ in 0..200 {
            let rows: Vec<(String, String)> =
                self.mails_to(to).await.into_iter().map(|mail| (mail.subject, mail.body)).collect();
            if rows.len() >= count {
                return rows;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("expected {count} mail(s) to {to}");
    }

    /// Waits for `count` mails with this subject to this address; returns their bodies, newest first.
    pub async fn wait_for_subject(&self, to: &str, subject: &str, count: usize) -> Vec<String> {
        for _ in 0..200 {
            let bodies: Vec<String> =
                self.mails_to(to).await.into_iter().filter(|mail| mail.subject == subject).map(|m| m.body).collect();
            if bodies.len() >= count {
                return bodies;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("expected {count} mail(s) to {to} titled {subject:?}");
    }

    pub async fn verification_token(&self, email: &str) -> String {
        let bodies = self.wait_for_subject(email, "Confirm your email address for Trygg", 1).await;
        let link = bodies[0].lines().find(|l| l.contains("/verify-email?token=")).expect("verification link in mail");
        link.split("token=").nth(1).unwrap().trim().to_string()
    }

    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(&self.state.db).await.unwrap()
    }
}

/// The JSON error a failed server function answered with.
pub async fn error_of(response: reqwest::Response) -> serde_json::Value {
    let text = response.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|_| panic!("error body is JSON: {text}"))
}

/// A refused call's field problems, in the order the form shows them: (field, problem), the
/// problem as its JSON (`"Required"`, or an object for one that carries a value). Empty for any
/// other answer.
pub fn validation(error: &serde_json::Value) -> Vec<(String, serde_json::Value)> {
    let problems = error["Validation"].as_array().map(Vec::as_slice).unwrap_or_default();
    problems.iter().map(|e| (e["field"].as_str().unwrap_or_default().to_string(), e["problem"].clone())).collect()
}

/// Just the fields of [`validation`].
pub fn fields(error: &serde_json::Value) -> Vec<String> {
    validation(error).into_iter().map(|(field, _)| field).collect()
}

pub fn set_cookies(response: &reqwest::Response) -> Vec<String> {
    response.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect()
}

/// The code an authenticator app shows for this key, `offset` steps from the app's clock.
pub fn totp_code(app: &TestApp, key: &str, offset: i64) -> String {
    let secret = TotpSecret::from_base32(key).expect("a valid key");
    secret.code_at_step(app.clock.now().div_euclid(30) + offset)
}

/// Two-factor, as set up by an owner in the wizard.
pub struct TwoFactor {
    pub key: String,
    pub recovery_codes: Vec<String>,
}

impl TestApp {
    /// Turns on two-factor for the signed-in user of `client` (signed in moments ago, so fresh),
    /// then moves the clock on a step so the set-up code is spent.
    pub async fn enable_two_factor_with(&self, client: &reqwest::Client) -> TwoFactor {
        let setup: serde_json::Value = self.call_with(client, BeginTwoFactor::PATH, &[]).await.json().await.unwrap();
        let key = setup["key"].as_str().expect("the key is shown").to_string();
        let response = self.call_with(client, EnableTwoFactor::PATH, &[("code", &totp_code(self, &key, 0))]).await;
        assert_eq!(response.status(), 200);
        let recovery_codes: Vec<String> = response.json().await.unwrap();
        self.clock.advance(30);
        TwoFactor { key, recovery_codes }
    }

    pub async fn enable_two_factor(&self) -> TwoFactor {
        self.enable_two_factor_with(&self.client).await
    }

    /// The password step of a login in a fresh browser: it now holds only the login challenge.
    pub async fn password_step(&self, email: &str) -> reqwest::Client {
        let client = browser(&self.base);
        let response = self.call_with(&client, LogIn::PATH, &[("email", email), ("password", PASSWORD)]).await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["location"], "/login/code");
        client
    }
}

impl TestApp {
    /// A second practice's owner, signed in in a browser of their own.
    pub async fn other_practitioner(&self, email: &str) -> reqwest::Client {
        self.verified_user(email).await;
        self.another_browser(email, DESKTOP_CHROME).await
    }
}

/// A minimal SMTP server that accepts every message and keeps its DATA.
pub async fn smtp_sink() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = Arc::new(Mutex::new(Vec::new()));
    let store = received.clone();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else { return };
            let store = store.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(message) = data.as_mut() {
                        if line == "." {
                            store.lock().unwrap().push(data.take().unwrap());
                            write.write_all(b"250 queued\r\n").await.unwrap();
                        } else {
                            message.push_str(&line);
                            message.push('\n');
                        }
                        continue;
                    }
                    let command = line.to_ascii_uppercase();
                    let reply: &[u8] = if command.starts_with("EHLO") || command.starts_with("HELO") {
                        b"250 sink\r\n"
                    } else if command.starts_with("DATA") {
                        data = Some(String::new());
                        b"354 go ahead\r\n"
                    } else if command.starts_with("QUIT") {
                        write.write_all(b"221 bye\r\n").await.unwrap();
                        return;
                    } else {
                        b"250 ok\r\n"
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, received)
}

/// Waits for a message to `to` that holds `needle` (e.g. its subject) at the SMTP sink.
pub async fn smtp_mail(received: &Arc<Mutex<Vec<String>>>, to: &str, needle: &str) -> String {
    let to = format!("To: {to}");
    for _ in 0..200 {
        let found = received.lock().unwrap().iter().rev().find(|m| m.contains(&to) && m.contains(needle)).cloned();
        if let Some(message) = found {
            return message;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("expected a mail over SMTP to {to} with {needle:?}");
}

/// A MIME part of this content type in a received message: its file name and decoded bytes.
pub fn mime_attachment(message: &str, content_type: &str) -> Option<(String, Vec<u8>)> {
    use base64::Engine;
    let boundary = message.split("boundary=").nth(1)?.lines().next()?.trim_matches('"').to_string();
    let part = message.split(&format!("--{boundary}")).find(|part| {
        let headers = part.split("\n\n").next().unwrap_or_default();
        headers.lines().any(|line| line.eq_ignore_ascii_case(&format!("Content-Type: {content_type}")))
    })?;
    let (headers, body) = part.trim_start_matches('\n').split_once("\n\n")?;
    let name = headers.split("filename=").nth(1)?.lines().next()?.trim_matches('"').to_string();
    let data: String = body.lines().map(str::trim).collect();
    Some((name, base64::engine::general_purpose::STANDARD.decode(data).ok()?))
}

/// A quoted-printable mail text decoded (soft line breaks joined, `=XX` bytes restored).
pub fn quoted_printable(text: &str) -> String {
    let joined = text.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok());
        match (bytes[i], hex) {
            (b'=', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
