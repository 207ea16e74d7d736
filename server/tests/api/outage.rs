//! PostgreSQL stopped while Trygg runs: every request that needs it is answered within seconds
//! (not after the pool's 30 s default), pages with a translated 503 page, server functions (sign-in
//! too) with `ServiceUnavailable`, `/healthz` with 503; once PostgreSQL is back, everything works
//! again without a restart. The test runs its own throwaway cluster: it never stops a shared one.

use app::auth::api::LogIn;
use app::booking::api::BookingAddress;
use app::clients::api::ListClients;
use leptos::server_fn::ServerFn as _;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::helpers::{PASSWORD, TestApp, browser, spawn_app_with};

const OWNER: &str = "kari@example.no";
/// Well under the pool's default of 30 s, with room for a busy 2-core machine.
const ANSWER_WITHIN: Duration = Duration::from_secs(5);

/// A PostgreSQL cluster of its own in a temporary directory, on a free port.
struct Cluster {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
    /// initdb and postgres refuse to run as root; as root they run as the `postgres` user.
    as_postgres: bool,
}

impl Cluster {
    /// `None` when this machine has no PostgreSQL server binaries.
    fn start() -> Option<Self> {
        let bin = postgres_bin()?;
        let as_postgres = std::fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false);
        let dir = std::env::temp_dir().join(format!("trygg-outage-{}", app::server::crypto::new_token()));
        std::fs::create_dir(&dir).unwrap();
        if as_postgres {
            let owner = Command::new("id").args(["-u", "postgres"]).output().unwrap();
            let group = Command::new("id").args(["-g", "postgres"]).output().unwrap();
            let id = |out: std::process::Output| String::from_utf8(out.stdout).unwrap().trim().parse::<u32>().unwrap();
            std::os::unix::fs::chown(&dir, Some(id(owner)), Some(id(group))).unwrap();
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let cluster = Self { dir, bin, port, as_postgres };
        let data = cluster.data();
        cluster.run("initdb", &["-D", &data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
        cluster.start_again();
        Some(cluster)
    }

    fn data(&self) -> String {
        self.dir.join("data").display().to_string()
    }

    fn run(&self, program: &str, args: &[&str]) {
        let program = self.bin.join(program);
        let mut command = if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(&program);
            command
        } else {
            Command::new(&program)
        };
        let output = command.args(args).output().unwrap();
        assert!(
            output.status.success(),
            "{} {args:?}: {}{}",
            program.display(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn start_again(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off",
            self.port,
            self.dir.display()
        );
        let log = self.dir.join("postgres.log").display().to_string();
        self.run("pg_ctl", &["-D", &self.data(), "-o", &options, "-l", &log, "-w", "-t", "60", "start"]);
    }

    /// Stops the server the way an administrator does: connections are cut, the port closes.
    fn stop(&self) {
        self.run("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"]);
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data();
        let program = self.bin.join("pg_ctl");
        let _ = if self.as_postgres {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(&program)
                .args(["-D", &data, "-m", "immediate", "stop"])
                .output()
        } else {
            Command::new(&program).args(["-D", &data, "-m", "immediate", "stop"]).output()
        };
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The newest `/usr/lib/postgresql/<version>/bin` with initdb and pg_ctl, else `pg_config`'s.
fn postgres_bin() -> Option<PathBuf> {
    let complete = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| Some((entry.file_name().to_str()?.parse().ok()?, entry.path().join("bin"))))
        .filter(|(_, bin)| complete(bin))
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin).or_else(|| {
        let output = Command::new("pg_config").arg("--bindir").output().ok()?;
        let bin = PathBuf::from(String::from_utf8(output.stdout).ok()?.trim());
        complete(&bin).then_some(bin)
    })
}

/// The request's answer and how long it took.
async fn timed(request: reqwest::RequestBuilder) -> (reqwest::Response, Duration) {
    let started = Instant::now();
    let response = request.send().await.expect("an answer, not a dropped connection");
    (response, started.elapsed())
}

async fn wait_until_healthy(app: &TestApp) {
    for _ in 0..100 {
        if app.get("/healthz").await.status() == 200 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("/healthz did not recover after PostgreSQL came back");
}

#[tokio::test]
async fn a_stopped_postgresql_is_answered_quickly_and_recovered_from() {
    let Some(cluster) = Cluster::start() else {
        eprintln!(
            "SKIPPED a_stopped_postgresql_is_answered_quickly_and_recovered_from: no PostgreSQL server binaries (initdb, pg_ctl) on this machine"
        );
        return;
    };
    let url = cluster.url();
    let app = spawn_app_with(move |config| config.database_url = url).await;
    app.signed_in_user(OWNER).await;
    let address: String = app.call(BookingAddress::PATH, &[]).await.json().await.unwrap();
    let booking_page = format!("/book/{}", address.rsplit('/').next().unwrap());
    assert_eq!(app.get(&booking_page).await.status(), 200);
    let norwegian_page = |path: &str| {
        app.client.get(app.url(path)).header("accept", "text/html").header("accept-language", "nb-NO,nb;q=0.9")
    };

    cluster.stop();

    let (page, took) = timed(norwegian_page("/calendar")).await;
    assert_eq!(page.status(), 503, "a signed-in page");
    assert!(took < ANSWER_WITHIN, "a signed-in page took {took:?}");
    assert!(page.headers().contains_key("retry-after"));
    let html = page.text().await.unwrap();
    assert!(html.contains(app::i18n::NB.unavailable_title) && html.contains(app::i18n::NB.unavailable_text), "{html}");

    let (page, took) = timed(browser(&app.base).get(app.url(&booking_page)).header("accept", "text/html")).await;
    assert_eq!(page.status(), 503, "a public page that reads the database");
    assert!(took < ANSWER_WITHIN, "the booking page took {took:?}");
    assert!(page.text().await.unwrap().contains(app::i18n::EN.unavailable_title));

    let (answer, took) = timed(app.client.post(app.url(ListClients::PATH)).form(&[("query", "")])).await;
    assert_eq!(answer.status(), 503, "a server function");
    assert!(took < ANSWER_WITHIN, "clients/list took {took:?}");
    assert_eq!(answer.json::<serde_json::Value>().await.unwrap(), "ServiceUnavailable");

    let stranger = browser(&app.base);
    let form = [("email", OWNER), ("password", PASSWORD)];
    let (answer, took) = timed(stranger.post(app.url(LogIn::PATH)).form(&form)).await;
    assert_eq!(answer.status(), 503, "sign-in");
    assert!(took < ANSWER_WITHIN, "sign-in took {took:?}");
    assert_eq!(answer.json::<serde_json::Value>().await.unwrap(), "ServiceUnavailable");

    let (health, took) = timed(app.client.get(app.url("/healthz"))).await;
    assert_eq!(health.status(), 503);
    assert!(took < ANSWER_WITHIN, "/healthz took {took:?}");

    cluster.start_again();
    wait_until_healthy(&app).await;
    assert_eq!(norwegian_page("/calendar").send().await.unwrap().status(), 200, "the same session works again");
    assert_eq!(app.get(&booking_page).await.status(), 200);
    let answer = stranger.post(app.url(LogIn::PATH)).form(&form).send().await.unwrap();
    assert_eq!(answer.status(), 200, "sign-in works again");
    let list = app.call_with(&stranger, ListClients::PATH, &[("query", "")]).await;
    assert_eq!(list.status(), 200);
}
