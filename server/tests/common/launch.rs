//! Starting the real app in this process on a random local port: what the integration tests
//! (`helpers::spawn_app`) and the benchmarks share.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;

use app::server::clock::Clock;
use app::server::config::Config;
use app::server::state::AppState;
use app::startup::{build_state, serve};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A port to serve on, and the configuration of an app keeping its data in `data_dir` whose public
/// address is that port (every other setting as `server` would read it from an empty
/// environment: SQLite in `data_dir`).
pub async fn bind(data_dir: &Path) -> (TcpListener, Config) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let vars = HashMap::from([("TRYGG_DATA_DIR".to_string(), data_dir.display().to_string())]);
    let mut config = Config::from_vars(&vars).unwrap();
    config.base_url = format!("http://{}", listener.local_addr().unwrap());
    (listener, config)
}

/// The app's state as `server` builds it (database migrated, keys loaded), its pages' assets
/// from `target/site`.
pub async fn build(config: Config, addr: SocketAddr, clock: Clock) -> AppState {
    let options = leptos::config::LeptosOptions::builder()
        .output_name("trygg")
        .site_root(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/site"))
        .site_addr(addr)
        .build();
    build_state(config, options, clock).await.expect("the app starts")
}

/// A server running in the background until `stop` is sent or dropped; `server` then ends once
/// it has shut down gracefully.
pub struct Running {
    pub stop: oneshot::Sender<()>,
    pub server: JoinHandle<std::io::Result<()>>,
}

pub fn run(listener: TcpListener, state: AppState) -> Running {
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(serve(listener, state, async {
        let _ = stopped.await;
    }));
    Running { stop, server }
}
