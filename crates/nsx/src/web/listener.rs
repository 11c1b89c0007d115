//! The HTTP listener: accepts connections up to a cap and closes the ones that hold a slot
//! without using it.
//!
//! Every connection is in one of three phases, tracked by a watch on its socket and on the
//! requests it carries:
//!
//! - **head**: the client owes the server a request head. A new connection starts here, and
//!   a connection that was idle enters it with the first byte of its next request. If the
//!   head is not complete within `header_read_timeout_secs`, the connection is closed (a
//!   client that trickles its headers, or opens a socket and sends nothing, holds it no
//!   longer than that);
//! - **busy**: at least one request is being answered (from its parsed head until the last
//!   byte of its response body is handed to the socket). No timeout here: the request
//!   timeout bounds the handler;
//! - **idle**: a kept-alive connection between requests. It is closed when nothing arrives
//!   within `keep_alive_secs`.
//!
//! At most `max_connections` connections are open at once: when all slots are taken the
//! listener stops accepting (new clients wait in the kernel's queue) until one closes.
//! On shutdown every connection is asked to finish its request in flight and close; the
//! wait is bounded.
//!
//! An anonymous `GET` of a page the page cache holds under its address is answered from
//! memory before the router (`PageCache::answer_from_memory`), with the same headers the
//! full stack writes; every other request goes through the router and its middleware.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::{Instant, Sleep};
use tower::ServiceExt;

use super::PageCache;

/// Limits on HTTP connections (`[http]` in the configuration file, `NSX_HTTP__*`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct HttpConfig {
    /// Seconds a client has to send a complete request head, counted from the connection's
    /// opening or from the first byte of a later request.
    pub header_read_timeout_secs: u64,
    /// Seconds a kept-alive connection may wait for its next request.
    pub keep_alive_secs: u64,
    /// Connections open at once; beyond this, new clients wait to be accepted.
    pub max_connections: usize,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            header_read_timeout_secs: 10,
            keep_alive_secs: 15,
            max_connections: 512,
        }
    }
}

impl HttpConfig {
    /// Checks that every limit is positive.
    pub fn validate(&self) -> Result<(), String> {
        if self.header_read_timeout_secs == 0 {
            return Err("http.header_read_timeout_secs must be at least 1".into());
        }
        if self.keep_alive_secs == 0 {
            return Err("http.keep_alive_secs must be at least 1".into());
        }
        if self.max_connections == 0 {
            return Err("http.max_connections must be at least 1".into());
        }
        Ok(())
    }
}

/// Where a connection is between requests (see the module documentation).
#[derive(Debug, Clone, Copy)]
enum Phase {
    Head { since: Instant },
    Busy { requests: usize },
    Idle { since: Instant },
}

/// What the socket and the request guards of one connection share.
#[derive(Debug)]
struct Watch {
    phase: Phase,
    /// The task reading the socket, woken when the connection turns idle so that its
    /// deadline is armed.
    reader: Option<Waker>,
}

#[derive(Clone, Debug)]
struct ConnState(Arc<Mutex<Watch>>);

impl ConnState {
    fn new() -> Self {
        ConnState(Arc::new(Mutex::new(Watch {
            phase: Phase::Head {
                since: Instant::now(),
            },
            reader: None,
        })))
    }

    fn with<T>(&self, f: impl FnOnce(&mut Watch) -> T) -> T {
        let mut g = match self.0.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut g)
    }

    /// Bytes arrived: an idle connection starts reading a head.
    fn received(&self) {
        self.with(|w| {
            if let Phase::Idle { .. } = w.phase {
                w.phase = Phase::Head {
                    since: Instant::now(),
                };
            }
        });
    }

    /// A request head was parsed.
    fn request_started(&self) {
        self.with(|w| {
            w.phase = match w.phase {
                Phase::Busy { requests } => Phase::Busy {
                    requests: requests + 1,
                },
                _ => Phase::Busy { requests: 1 },
            };
        });
    }

    /// A response was written out (or abandoned).
    fn request_finished(&self) {
        let wake = self.with(|w| {
            if let Phase::Busy { requests } = w.phase {
                if requests > 1 {
                    w.phase = Phase::Busy {
                        requests: requests - 1,
                    };
                    None
                } else {
                    w.phase = Phase::Idle {
                        since: Instant::now(),
                    };
                    w.reader.take()
                }
            } else {
                None
            }
        });
        if let Some(w) = wake {
            w.wake();
        }
    }

    /// When the connection is to be closed, if nothing changes before then.
    fn deadline(&self, limits: &Limits) -> Option<Instant> {
        self.with(|w| match w.phase {
            Phase::Head { since } => Some(since + limits.header),
            Phase::Idle { since } => Some(since + limits.idle),
            Phase::Busy { .. } => None,
        })
    }
}

#[derive(Debug, Clone, Copy)]
struct Limits {
    header: Duration,
    idle: Duration,
}

/// A socket that fails its reads once its connection's deadline has passed, which makes
/// the HTTP server close it.
struct WatchedIo {
    io: TcpStream,
    state: ConnState,
    limits: Limits,
    timer: Pin<Box<Sleep>>,
}

impl WatchedIo {
    fn new(io: TcpStream, state: ConnState, limits: Limits) -> Self {
        let first = state.deadline(&limits).unwrap_or_else(Instant::now);
        WatchedIo {
            io,
            state,
            limits,
            timer: Box::pin(tokio::time::sleep_until(first)),
        }
    }

    /// Called when a read found nothing to read: `Ready(Err)` once the deadline has passed,
    /// otherwise arms the timer so that the task is woken at the deadline.
    fn expired(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        loop {
            let Some(deadline) = self.state.deadline(&self.limits) else {
                self.state.with(|w| w.reader = Some(cx.waker().clone()));
                return Poll::Pending;
            };
            if self.timer.deadline() != deadline {
                self.timer.as_mut().reset(deadline);
            }
            match self.timer.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    // The phase may have moved on while the timer ran.
                    if self.state.deadline(&self.limits) == Some(deadline) {
                        return Poll::Ready(io::Error::new(
                            io::ErrorKind::TimedOut,
                            "the client sent no complete request in time",
                        ));
                    }
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl AsyncRead for WatchedIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.io).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    this.state.received();
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => this.expired(cx).map(Err),
        }
    }
}

impl AsyncWrite for WatchedIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

/// Marks a request as finished when dropped (the response body is dropped once written).
struct RequestGuard(ConnState);

impl Drop for RequestGuard {
    fn drop(&mut self) {
        self.0.request_finished();
    }
}

/// A response body that keeps its request counted as in flight until it is written out.
struct TrackedBody {
    payload: Payload,
    _guard: RequestGuard,
}

/// What a [`TrackedBody`] sends.
enum Payload {
    /// Bytes already in memory (a page answered from the page cache), sent as one frame;
    /// `None` once sent.
    Bytes(Option<Bytes>),
    /// Any body the router gave.
    Boxed(Body),
}

impl TrackedBody {
    fn bytes(bytes: Bytes, guard: RequestGuard) -> Self {
        TrackedBody {
            payload: Payload::Bytes(Some(bytes).filter(|b| !b.is_empty())),
            _guard: guard,
        }
    }

    fn boxed(body: Body, guard: RequestGuard) -> Self {
        TrackedBody {
            payload: Payload::Boxed(body),
            _guard: guard,
        }
    }
}

impl HttpBody for TrackedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        match &mut self.get_mut().payload {
            Payload::Bytes(bytes) => {
                Poll::Ready(bytes.take().map(|b| Ok(http_body::Frame::data(b))))
            }
            Payload::Boxed(body) => Pin::new(body).poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.payload {
            Payload::Bytes(bytes) => bytes.is_none(),
            Payload::Boxed(body) => body.is_end_stream(),
        }
    }

    fn size_hint(&self) -> http_body::SizeHint {
        match &self.payload {
            Payload::Bytes(bytes) => {
                http_body::SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64))
            }
            Payload::Boxed(body) => body.size_hint(),
        }
    }
}

/// Serves `app` on `listener` with the connection limits in `config` until `shutdown`
/// completes, then lets requests in flight finish (for at most `drain`). Requests `pages`
/// can answer from memory (see [`PageCache::answer_from_memory`]) are answered before the
/// router.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    pages: Arc<PageCache>,
    config: HttpConfig,
    drain: Duration,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let limits = Limits {
        header: Duration::from_secs(config.header_read_timeout_secs.max(1)),
        idle: Duration::from_secs(config.keep_alive_secs.max(1)),
    };
    let slots = Arc::new(Semaphore::new(config.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            s = slots.clone().acquire_owned() => match s {
                Ok(s) => s,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Responses are written whole, so Nagle's algorithm would only hold back the last
        // segment of a large page until the client acknowledges the ones before it.
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
        let state = ConnState::new();
        let io = TokioIo::new(WatchedIo::new(stream, state.clone(), limits));
        let service = connection_service(app.clone(), pages.clone(), peer, state);
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let mut builder = auto::Builder::new(TokioExecutor::new());
            // hyper's own head timer runs from the moment it waits for a head, idle time
            // included; it is only a backstop behind the watch above.
            builder
                .http1()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header + limits.idle);
            let conn = builder.serve_connection_with_upgrades(io, service);
            if let Err(e) = watcher.watch(conn).await {
                tracing::debug!(error = %e, %peer, "connection ended");
            }
            drop(slot);
        });
    }
    drop(listener);
    if tokio::time::timeout(drain, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still in flight after the shutdown grace period; closing");
    }
    Ok(())
}

/// The router as a hyper service for one connection: each request carries the peer's
/// address and counts as in flight until its response is written. Requests the page cache
/// answers from memory do not reach the router.
fn connection_service(
    app: Router,
    pages: Arc<PageCache>,
    peer: SocketAddr,
    state: ConnState,
) -> impl hyper::service::Service<
    axum::http::Request<hyper::body::Incoming>,
    Response = axum::http::Response<TrackedBody>,
    Error = std::convert::Infallible,
    Future = impl Future<Output = Result<axum::http::Response<TrackedBody>, std::convert::Infallible>>
             + Send
             + 'static,
> + Clone
+ Send
+ 'static {
    hyper::service::service_fn(move |mut req: axum::http::Request<hyper::body::Incoming>| {
        state.request_started();
        let guard = RequestGuard(state.clone());
        let route = match pages.answer_from_memory(&req) {
            Some(answer) => Err(answer),
            None => {
                req.extensions_mut().insert(ConnectInfo(peer));
                Ok((app.clone(), req))
            }
        };
        async move {
            let resp = match route {
                Err(answer) => answer.map(|bytes| TrackedBody::bytes(bytes, guard)),
                Ok((app, req)) => app
                    .oneshot(req.map(Body::new))
                    .await
                    .unwrap_or_else(|e| match e {})
                    .map(|body| TrackedBody::boxed(body, guard)),
            };
            Ok::<_, std::convert::Infallible>(resp)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phase(state: &ConnState) -> Phase {
        state.with(|w| w.phase)
    }

    #[tokio::test]
    async fn bytes_in_memory_go_out_as_one_frame_and_hold_their_request_until_sent() {
        let state = ConnState::new();
        state.request_started();
        let mut body =
            TrackedBody::bytes(Bytes::from_static(b"the page"), RequestGuard(state.clone()));
        assert_eq!(body.size_hint().exact(), Some(8));
        assert!(!body.is_end_stream());
        let frame = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx))
            .await
            .expect("a frame")
            .expect("no error");
        assert_eq!(frame.into_data().expect("data"), "the page");
        assert!(body.is_end_stream());
        assert!(
            std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx))
                .await
                .is_none()
        );
        assert!(matches!(phase(&state), Phase::Busy { requests: 1 }));
        drop(body);
        assert!(matches!(phase(&state), Phase::Idle { .. }));

        // An empty body (a 304) ends at once.
        state.request_started();
        let empty = TrackedBody::bytes(Bytes::new(), RequestGuard(state.clone()));
        assert!(empty.is_end_stream());
        assert_eq!(empty.size_hint().exact(), Some(0));
        drop(empty);
        assert!(matches!(phase(&state), Phase::Idle { .. }));
    }
}
