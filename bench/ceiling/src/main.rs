//! `nsx-ceiling FILE PORT [MODE]`: serves FILE's bytes for every request, keep-alive,
//! HTTP/1.1. MODE `shared` (default) runs one multi-threaded tokio runtime accepting on one
//! socket, as `axum::serve` does; MODE `per-core` runs one single-threaded runtime per core,
//! each accepting on its own `SO_REUSEPORT` socket, as nginx's worker processes do.

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpSocket};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn main() -> Result<(), BoxError> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: nsx-ceiling FILE PORT [shared|per-core]";
    let file = args.next().ok_or(usage)?;
    let port: u16 = args.next().ok_or(usage)?.parse()?;
    let mode = args.next().unwrap_or_else(|| "shared".into());
    let body = Bytes::from(std::fs::read(file)?);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    match mode.as_str() {
        "shared" => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?
            .block_on(async move {
                let listener = TcpListener::bind(addr).await?;
                accept_loop(listener, body).await
            }),
        "per-core" => {
            let cores = std::thread::available_parallelism()?.get();
            let threads: Vec<_> = (0..cores)
                .map(|_| {
                    let body = body.clone();
                    std::thread::spawn(move || -> Result<(), BoxError> {
                        tokio::runtime::Builder::new_current_thread()
                            .enable_all()
                            .build()?
                            .block_on(async move {
                                let socket = TcpSocket::new_v4()?;
                                socket.set_reuseport(true)?;
                                socket.set_reuseaddr(true)?;
                                socket.bind(addr)?;
                                accept_loop(socket.listen(1024)?, body).await
                            })
                    })
                })
                .collect();
            for t in threads {
                t.join().map_err(|_| "worker panicked")??;
            }
            Ok(())
        }
        other => Err(format!("unknown mode {other}; {usage}").into()),
    }
}

async fn accept_loop(listener: TcpListener, body: Bytes) -> Result<(), BoxError> {
    loop {
        let (stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        let body = body.clone();
        tokio::spawn(async move {
            let service = service_fn(move |_req: Request<hyper::body::Incoming>| {
                let body = body.clone();
                async move {
                    let mut resp = Response::new(Full::new(body));
                    resp.headers_mut().insert(
                        hyper::header::CONTENT_TYPE,
                        hyper::header::HeaderValue::from_static("text/html; charset=utf-8"),
                    );
                    Ok::<_, Infallible>(resp)
                }
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
