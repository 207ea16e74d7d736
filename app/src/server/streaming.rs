//! A response body fed by a task: the task opens or reads one piece at a time and waits while the
//! browser reads, so a large download never sits in memory whole.

use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::Bytes;

pub type Piece = Result<Bytes, std::io::Error>;

/// The receiving end, as a body stream (`axum::body::Body::from_stream`).
pub struct PieceStream(tokio::sync::mpsc::Receiver<Piece>);

/// A sender for the task and the stream for the body; at most one piece waits between them.
pub fn channel() -> (tokio::sync::mpsc::Sender<Piece>, PieceStream) {
    let (sender, receiver) = tokio::sync::mpsc::channel(1);
    (sender, PieceStream(receiver))
}

impl futures_core::Stream for PieceStream {
    type Item = Piece;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0.poll_recv(cx)
    }
}

/// Streams a file from its start, 64 KiB at a time, and closes it at the end.
pub fn file(file: std::fs::File) -> PieceStream {
    use tokio::io::AsyncReadExt;
    let (sender, stream) = channel();
    tokio::spawn(async move {
        let mut file = tokio::fs::File::from_std(file);
        let mut buffer = vec![0_u8; 64 * 1024];
        loop {
            let piece = match file.read(&mut buffer).await {
                Ok(0) => break,
                Ok(read) => Ok(Bytes::copy_from_slice(&buffer[..read])),
                Err(error) => Err(error),
            };
            let failed = piece.is_err();
            if sender.send(piece).await.is_err() || failed {
                break;
            }
        }
    });
    stream
}
