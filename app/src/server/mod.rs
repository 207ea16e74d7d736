//! Server-only, cross-cutting parts: configuration, database, keys, passwords, sessions, mail,
//! the request guard. Nothing here knows a feature: start-up and key rotation, which wire the
//! features together, live above them (`crate::startup`, `crate::rotation`).

pub mod alerts;
pub mod clock;
pub mod common_passwords;
pub mod config;
pub mod crypto;
pub mod db;
pub mod envelope;
pub mod http;
pub mod lease;
pub mod mail;
pub mod network;
pub mod one_time_code;
pub mod password;
pub mod pdf;
pub mod private_files;
pub mod request;
pub mod resealing;
pub mod sessions;
pub mod state;
pub mod streaming;
pub mod throttle;
pub mod unavailable;
