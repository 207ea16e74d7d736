//! Starting the real binary: what it writes is for its own user alone (umask 077), it refuses to
//! start while the data directory, the key file or the `TRYGG_CONFIG` file is open to other
//! users, and it warns when the operator's details for the data processing agreement are missing.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::helpers::TempDir;

const OPERATOR: [(&str, &str); 3] = [
    ("TRYGG_OPERATOR_ADDRESS", "Storgata 1, 0155 Oslo"),
    ("TRYGG_OPERATOR_ORG_NUMBER", "974760673"),
    ("TRYGG_OPERATOR_EMAIL", "personvern@trygg.example"),
];

fn scratch() -> TempDir {
    // The parent is private to this test; what the server makes inside it is what is checked.
    let dir = std::env::temp_dir().join(format!("trygg-start-{}", app::server::crypto::new_token()));
    std::fs::create_dir(&dir).unwrap();
    chmod(&dir, 0o700);
    TempDir(dir)
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// How a start ended: `Some(log)` once it listens (the server is then stopped), or the exit
/// status and log when it stopped by itself.
enum Start {
    Listening(String),
    Refused(String),
}

fn start(data_dir: &Path, env: &[(&str, &str)]) -> Start {
    let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "info")
        .env("LEPTOS_OUTPUT_NAME", "trygg")
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("TRYGG_DATA_DIR", data_dir)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    let (lines, receive) = mpsc::channel();
    for stream in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ] {
        let lines = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
    }
    drop(lines);
    let mut log = String::new();
    loop {
        match receive.recv_timeout(Duration::from_secs(120)) {
            Ok(line) => {
                log.push_str(&line);
                log.push('\n');
                if line.contains("listening") {
                    child.kill().unwrap();
                    child.wait().unwrap();
                    return Start::Listening(log);
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let status = child.wait().unwrap();
                assert!(!status.success(), "the server ended without listening or failing:\n{log}");
                return Start::Refused(log);
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                child.kill().unwrap();
                panic!("the server neither listened nor stopped within 2 minutes:\n{log}");
            }
        }
    }
}

fn listening(data_dir: &Path, env: &[(&str, &str)]) -> String {
    match start(data_dir, env) {
        Start::Listening(log) => log,
        Start::Refused(log) => panic!("the server refused to start:\n{log}"),
    }
}

fn refused(data_dir: &Path, env: &[(&str, &str)]) -> String {
    match start(data_dir, env) {
        Start::Refused(log) => log,
        Start::Listening(log) => panic!("the server started anyway:\n{log}"),
    }
}

#[test]
fn what_the_server_writes_is_private_and_a_missing_operator_is_warned_about() {
    let scratch = scratch();
    let data: PathBuf = scratch.0.join("data");
    let log = listening(&data, &[]);
    assert!(log.contains("data processing agreement"), "{log}");
    for name in ["TRYGG_OPERATOR_ADDRESS", "TRYGG_OPERATOR_ORG_NUMBER", "TRYGG_OPERATOR_EMAIL"] {
        assert!(log.contains(name), "the warning names {name}:\n{log}");
    }
    assert_eq!(mode(&data), 0o700);
    let written: Vec<PathBuf> = std::fs::read_dir(&data).unwrap().map(|e| e.unwrap().path()).collect();
    assert!(written.iter().any(|p| p.ends_with("trygg.db")) && written.iter().any(|p| p.ends_with("master.key")));
    for path in &written {
        assert_eq!(mode(path), 0o600, "{} is for the server's user alone", path.display());
    }

    // Configured, the same data starts without the warning.
    let log = listening(&data, &OPERATOR);
    assert!(!log.contains("data processing agreement"), "{log}");
}

#[test]
fn the_server_refuses_to_start_with_its_files_open_to_others() {
    let scratch = scratch();
    let data = scratch.0.join("data");
    listening(&data, &OPERATOR);

    chmod(&data, 0o755);
    let log = refused(&data, &OPERATOR);
    assert!(log.contains("data directory") && log.contains(&format!("chmod 700 {}", data.display())), "{log}");
    chmod(&data, 0o700);

    let key = data.join("master.key");
    chmod(&key, 0o640);
    let log = refused(&data, &OPERATOR);
    assert!(log.contains("master key file") && log.contains("chmod 600"), "{log}");
    chmod(&key, 0o600);

    let config = scratch.0.join("trygg.conf");
    let lines: String = OPERATOR.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
    std::fs::write(&config, lines).unwrap();
    chmod(&config, 0o644);
    let config_env = [("TRYGG_CONFIG", config.to_str().unwrap())];
    let log = refused(&data, &config_env);
    assert!(log.contains("TRYGG_CONFIG") && log.contains(&format!("chmod 600 {}", config.display())), "{log}");

    chmod(&config, 0o600);
    let log = listening(&data, &config_env);
    assert!(!log.contains("data processing agreement"), "the operator comes from the file:\n{log}");
}
