//! Data out (GDPR art. 15 and 20): a client's whole record as one ZIP archive, with a PDF a
//! person can read, the same as JSON for a program, the consent copies and the files sent in
//! messages.

#[cfg(feature = "ssr")]
pub mod archive;
#[cfg(feature = "ssr")]
pub mod record;
#[cfg(feature = "ssr")]
pub mod routes;
#[cfg(feature = "ssr")]
pub mod service;

#[cfg(feature = "ssr")]
pub use routes::routes;

use crate::ids::ClientId;

/// Where a client's archive is downloaded.
pub fn client_archive_path(id: ClientId) -> String {
    format!("/clients/{id}/export.zip")
}
