//! DNS rebinding and the development outbox: a request must name our own host, and the outbox
//! (live reset and consent links) answers only direct requests from this machine.

use app::auth::api::{DevOutbox, SignUp};
use leptos::server_fn::ServerFn as _;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{TestApp, spawn_app};

/// Sends one HTTP/1.1 request as written and returns the status and the whole answer.
async fn raw(app: &TestApp, request: &str) -> (u16, String) {
    let addr = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or_else(|| panic!("{answer}"));
    (status, answer)
}

fn get(path: &str, host: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")
}

/// A same-origin POST as the rebound page's own script would send it: its origin is the foreign name.
fn post(path: &str, host: &str, form: &str) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nOrigin: http://{host}\r\nSec-Fetch-Site: same-origin\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{form}",
        form.len()
    )
}

#[tokio::test]
async fn a_page_on_another_host_name_reaches_nothing_not_even_the_outbox() {
    let app = spawn_app().await;
    assert_eq!(app.sign_up("kari@example.no").await.status(), 200);
    let token = app.verification_token("kari@example.no").await;
    let port = app.base.rsplit(':').next().unwrap().to_string();
    let ours = format!("127.0.0.1:{port}");
    let rebound = format!("rebind.evil.example:{port}");

    // Our own name: the outbox lists the mail with its live link.
    let (status, page) = raw(&app, &get("/dev/outbox", &ours)).await;
    assert_eq!(status, 200);
    assert!(page.contains(&token), "the outbox shows the link to its own origin");

    // The same server under a rebound name (or a name a proxy passed on) answers nothing.
    let foreign = [rebound.clone(), "localhost".into(), format!("localhost:{port}"), format!("127.0.0.1:{port}.")];
    for host in &foreign {
        let (status, answer) = raw(&app, &get("/dev/outbox", host)).await;
        assert_eq!(status, 421, "{host}");
        assert!(!answer.contains(&token), "{host}: {answer}");
        assert!(answer.contains("Misdirected request"), "{answer}");
        let (status, answer) = raw(&app, &post(DevOutbox::PATH, host, "")).await;
        assert_eq!(status, 421, "{host}");
        assert!(!answer.contains(&token), "{host}");
        assert_eq!(raw(&app, &get("/login", host)).await.0, 421, "{host}");
    }
    let form = "practice_name=Evil&name=Eve&email=eve%40example.no&password=a+calm+river+under+nine+bridges";
    assert_eq!(raw(&app, &post(SignUp::PATH, &rebound, form)).await.0, 421);
    assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE email = 'eve@example.no'").await, 0);
    let absolute = format!("GET http://{rebound}/dev/outbox HTTP/1.1\r\nHost: {ours}\r\nConnection: close\r\n\r\n");
    assert_eq!(raw(&app, &absolute).await.0, 421, "an absolute request target names the host too");

    // No host at all (HTTP/1.0 without Host) is a bad request.
    let (status, _) = raw(&app, "GET /dev/outbox HTTP/1.0\r\n\r\n").await;
    assert_eq!(status, 400);

    // A load balancer's probe by address still learns whether the instance is up.
    let (status, answer) = raw(&app, &get("/healthz", "10.0.0.7:8080")).await;
    assert_eq!(status, 200);
    assert!(answer.ends_with("ok"), "{answer}");
}

#[tokio::test]
async fn the_outbox_refuses_requests_that_came_through_a_proxy() {
    let app = spawn_app().await;
    assert_eq!(app.sign_up("kari@example.no").await.status(), 200);
    let token = app.verification_token("kari@example.no").await;
    let direct = app.call(DevOutbox::PATH, &[]).await;
    assert_eq!(direct.status(), 200);
    assert!(direct.text().await.unwrap().contains(&token));

    for (name, value) in [
        ("x-forwarded-for", "127.0.0.1"),
        ("forwarded", "for=127.0.0.1;host=127.0.0.1"),
        ("x-forwarded-host", "127.0.0.1"),
        ("x-real-ip", "127.0.0.1"),
        ("via", "1.1 localhost (nginx)"),
    ] {
        let api = app.client.post(app.url(DevOutbox::PATH)).header(name, value).send().await.unwrap();
        assert_eq!(api.status(), 404, "{name}");
        assert!(!api.text().await.unwrap().contains(&token), "{name}");
        let page = app.client.get(app.url("/dev/outbox")).header(name, value).send().await.unwrap();
        assert!(!page.text().await.unwrap().contains(&token), "{name}: the page lists nothing");
    }
}
