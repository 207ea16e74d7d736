//! The practice's audit log: who did what to which client's data, and when. Never the content.

#[cfg(feature = "ssr")]
pub mod store;
pub mod types;
