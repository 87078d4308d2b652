//! Fetcher tests against a tiny HTTP server on 127.0.0.1. No outside network
//! is used: refused addresses are refused before any connection is made.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use insignia_fetch::{FetchError, FetchPolicy, Fetcher};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const HUGE: usize = 3 * 1024 * 1024;

struct Server {
    base: String,
    port: u16,
    requests: Arc<AtomicUsize>,
}

async fn start_server() -> Server {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind test server");
    let port = listener.local_addr().expect("local addr").port();
    let requests = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&requests);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let counter = Arc::clone(&counter);
            tokio::spawn(async move {
                // Errors here only mean the client hung up (e.g. a refused body).
                let _ = serve(stream, counter).await;
            });
        }
    });
    Server {
        base: format!("http://127.0.0.1:{port}"),
        port,
        requests,
    }
}

async fn serve(mut stream: TcpStream, counter: Arc<AtomicUsize>) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    counter.fetch_add(1, Ordering::SeqCst);
    let head = String::from_utf8_lossy(&head).into_owned();
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();

    let simple = |status: &str, extra: &str, body: &str| {
        format!(
            "HTTP/1.1 {status}\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
    };
    let redirect = |to: &str| simple("302 Found", &format!("Location: {to}\r\n"), "");

    let reply = if path == "/issuer.example/redirect" {
        // Relative to the original URL: stays on the overridden host.
        redirect("/docs/after-redirect")
    } else if path.starts_with("/issuer.example/") {
        // Stands in for `https://issuer.example/...`: echoes the path it got.
        simple("200 OK", "", &path)
    } else if path == "/ok" {
        simple(
            "200 OK",
            "Content-Type: application/ld+json\r\n",
            r#"{"hello":"badge"}"#,
        )
    } else if path == "/accept" {
        let accept = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("accept:")
                    .map(|v| v.trim().to_owned())
            })
            .unwrap_or_default();
        simple("200 OK", "", &accept)
    } else if path == "/gone" {
        simple("410 Gone", "Content-Type: text/plain\r\n", "revoked")
    } else if let Some(n) = path.strip_prefix("/chain/") {
        let n: usize = n.parse().unwrap_or(0);
        if n == 0 {
            simple("200 OK", "", "end of chain")
        } else {
            redirect(&format!("/chain/{}", n - 1))
        }
    } else if path == "/dir/relative" {
        redirect("../ok")
    } else if path == "/loop" {
        redirect("/loop")
    } else if path == "/metadata" {
        redirect("http://169.254.169.254/latest/meta-data/")
    } else if path == "/to-ftp" {
        redirect("ftp://127.0.0.1/file")
    } else if path == "/huge-with-length" || path == "/huge-without-length" {
        let header = if path == "/huge-with-length" {
            format!("HTTP/1.1 200 OK\r\nContent-Length: {HUGE}\r\nConnection: close\r\n\r\n")
        } else {
            // No length: the body runs until the connection closes.
            "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".to_owned()
        };
        stream.write_all(header.as_bytes()).await?;
        let block = vec![b'x'; 64 * 1024];
        for _ in 0..HUGE / block.len() {
            stream.write_all(&block).await?;
        }
        return stream.shutdown().await;
    } else if path == "/slow" {
        tokio::time::sleep(Duration::from_secs(10)).await;
        simple("200 OK", "", "too late")
    } else {
        simple("404 Not Found", "", "no such path")
    };
    stream.write_all(reply.as_bytes()).await?;
    stream.shutdown().await
}

/// Loopback and everything else allowed: for the happy paths.
fn open_policy() -> FetchPolicy {
    FetchPolicy {
        allow_http: true,
        allow_private_addresses: true,
        ..FetchPolicy::default()
    }
}

/// Loopback allowed, every other non-public address refused.
fn loopback_only_policy() -> FetchPolicy {
    FetchPolicy {
        allow_http: true,
        allow_loopback: true,
        ..FetchPolicy::default()
    }
}

fn fetcher(policy: FetchPolicy) -> Fetcher {
    Fetcher::new(policy).expect("build fetcher")
}

#[tokio::test]
async fn ok_returns_body_status_and_content_type() {
    let server = start_server().await;
    let f = fetcher(open_policy());
    let url = format!("{}/ok", server.base);
    let got = f.get(&url, "application/ld+json").await.expect("fetch ok");
    assert_eq!(got.status, 200);
    assert_eq!(got.final_url, url);
    assert_eq!(got.content_type.as_deref(), Some("application/ld+json"));
    assert_eq!(&got.body[..], br#"{"hello":"badge"}"#);
}

#[tokio::test]
async fn accept_header_is_sent() {
    let server = start_server().await;
    let f = fetcher(open_policy());
    let got = f
        .get(
            &format!("{}/accept", server.base),
            "application/ld+json, application/json",
        )
        .await
        .expect("fetch");
    assert_eq!(&got.body[..], b"application/ld+json, application/json");
}

#[tokio::test]
async fn gone_is_returned_not_an_error() {
    let server = start_server().await;
    let f = fetcher(open_policy());
    let got = f
        .get(&format!("{}/gone", server.base), "application/json")
        .await
        .expect("410 is a result");
    assert_eq!(got.status, 410);
    assert_eq!(&got.body[..], b"revoked");
}

#[tokio::test]
async fn follows_redirect_chain_up_to_limit() {
    let server = start_server().await;
    let f = fetcher(open_policy());
    let got = f
        .get(&format!("{}/chain/5", server.base), "*/*")
        .await
        .expect("5 redirects are allowed");
    assert_eq!(got.status, 200);
    assert_eq!(got.final_url, format!("{}/chain/0", server.base));
    assert_eq!(&got.body[..], b"end of chain");
    assert_eq!(server.requests.load(Ordering::SeqCst), 6);
}

#[tokio::test]
async fn too_many_redirects() {
    let server = start_server().await;
    let f = fetcher(open_policy());
    let err = f
        .get(&format!("{}/chain/6", server.base), "*/*")
        .await
        .expect_err("6 redirects are one too many");
    assert_eq!(err, FetchError::TooManyRedirects { limit: 5 });
}

#[tokio::test]
async fn redirect_loop_is_stopped() {
    let server = start_server().await;
    let f = fetcher(open_policy());
    let err = f
        .get(&format!("{}/loop", server.base), "*/*")
        .await
        .expect_err("loop");
    assert_eq!(err, FetchError::TooManyRedirects { limit: 5 });
    assert_eq!(server.requests.load(Ordering::SeqCst), 6);
}

#[tokio::test]
async fn relative_location_is_resolved_against_current_url() {
    let server = start_server().await;
    let f = fetcher(open_policy());
    let got = f
        .get(&format!("{}/dir/relative", server.base), "*/*")
        .await
        .expect("relative redirect");
    assert_eq!(got.final_url, format!("{}/ok", server.base));
    assert_eq!(got.status, 200);
}

#[tokio::test]
async fn redirect_to_metadata_address_is_refused() {
    let server = start_server().await;
    // The first hop (loopback) is allowed; the link-local hop is not.
    let f = fetcher(loopback_only_policy());
    let ok = f
        .get(&format!("{}/ok", server.base), "*/*")
        .await
        .expect("loopback allowed");
    assert_eq!(ok.status, 200);
    let err = f
        .get(&format!("{}/metadata", server.base), "*/*")
        .await
        .expect_err("metadata refused");
    assert_eq!(
        err,
        FetchError::PrivateAddress {
            host: "169.254.169.254".into()
        }
    );
}

#[tokio::test]
async fn redirect_to_other_scheme_is_refused() {
    let server = start_server().await;
    let f = fetcher(open_policy());
    let err = f
        .get(&format!("{}/to-ftp", server.base), "*/*")
        .await
        .expect_err("ftp refused");
    assert_eq!(
        err,
        FetchError::NotAllowedScheme {
            scheme: "ftp".into()
        }
    );
}

#[tokio::test]
async fn body_over_cap_with_content_length() {
    let server = start_server().await;
    let f = fetcher(open_policy());
    let err = f
        .get(&format!("{}/huge-with-length", server.base), "*/*")
        .await
        .expect_err("too large");
    assert_eq!(
        err,
        FetchError::TooLarge {
            limit: 2 * 1024 * 1024
        }
    );
}

#[tokio::test]
async fn body_over_cap_without_content_length() {
    let server = start_server().await;
    let f = fetcher(open_policy());
    let err = f
        .get(&format!("{}/huge-without-length", server.base), "*/*")
        .await
        .expect_err("too large");
    assert_eq!(
        err,
        FetchError::TooLarge {
            limit: 2 * 1024 * 1024
        }
    );
}

#[tokio::test]
async fn body_under_a_larger_cap_is_read_whole() {
    let server = start_server().await;
    let f = fetcher(FetchPolicy {
        max_bytes: 4 * 1024 * 1024,
        ..open_policy()
    });
    let got = f
        .get(&format!("{}/huge-without-length", server.base), "*/*")
        .await
        .expect("fits");
    assert_eq!(got.body.len(), HUGE);
}

#[tokio::test]
async fn slow_response_times_out() {
    let server = start_server().await;
    let f = fetcher(FetchPolicy {
        total_timeout: Duration::from_millis(300),
        ..open_policy()
    });
    let started = std::time::Instant::now();
    let err = f
        .get(&format!("{}/slow", server.base), "*/*")
        .await
        .expect_err("timeout");
    assert_eq!(err, FetchError::Timeout);
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn cache_answers_second_request() {
    let server = start_server().await;
    let f = fetcher(open_policy());
    let url = format!("{}/ok", server.base);
    let first = f.get(&url, "application/json").await.expect("first");
    let second = f.get(&url, "application/json").await.expect("second");
    assert_eq!(first, second);
    assert_eq!(server.requests.load(Ordering::SeqCst), 1);
    // A fresh fetcher (a new verification run) asks again.
    let again = fetcher(open_policy())
        .get(&url, "application/json")
        .await
        .expect("third");
    assert_eq!(again.body, first.body);
    assert_eq!(server.requests.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn errors_are_not_cached() {
    let server = start_server().await;
    let f = fetcher(open_policy());
    let url = format!("{}/loop", server.base);
    assert!(f.get(&url, "*/*").await.is_err());
    let after_first = server.requests.load(Ordering::SeqCst);
    assert!(f.get(&url, "*/*").await.is_err());
    assert_eq!(server.requests.load(Ordering::SeqCst), after_first * 2);
}

#[tokio::test]
async fn default_policy_refuses_http() {
    let f = fetcher(FetchPolicy::default());
    let err = f
        .get("http://example.org/badge.json", "*/*")
        .await
        .expect_err("http refused");
    assert_eq!(
        err,
        FetchError::NotAllowedScheme {
            scheme: "http".into()
        }
    );
    let err = f.get("file:///etc/passwd", "*/*").await.expect_err("file");
    assert!(matches!(err, FetchError::NotAllowedScheme { .. }));
}

#[tokio::test]
async fn default_policy_refuses_private_ip_literals() {
    let f = fetcher(FetchPolicy::default());
    for (url, host) in [
        ("https://127.0.0.1/badge", "127.0.0.1"),
        ("https://[::1]/", "[::1]"),
        ("https://10.0.0.1/", "10.0.0.1"),
        (
            "https://169.254.169.254/latest/meta-data/",
            "169.254.169.254",
        ),
        ("https://[::ffff:169.254.169.254]/", "[::ffff:a9fe:a9fe]"),
        ("https://0x7f.1/", "127.0.0.1"),
        ("https://0.0.0.0/", "0.0.0.0"),
    ] {
        let err = f.get(url, "*/*").await.expect_err(url);
        assert_eq!(
            err,
            FetchError::PrivateAddress { host: host.into() },
            "{url}"
        );
    }
}

#[tokio::test]
async fn localhost_name_is_refused_by_resolver() {
    let server = start_server().await;
    let f = fetcher(FetchPolicy {
        allow_http: true,
        ..FetchPolicy::default()
    });
    let err = f
        .get(&format!("http://localhost:{}/ok", server.port), "*/*")
        .await
        .expect_err("localhost refused");
    assert_eq!(
        err,
        FetchError::PrivateAddress {
            host: "localhost".into()
        }
    );
    assert!(
        err.to_string()
            .contains("resolves only to private addresses")
    );
    assert_eq!(server.requests.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn localhost_name_is_allowed_when_loopback_is() {
    let server = start_server().await;
    let f = fetcher(loopback_only_policy());
    let got = f
        .get(&format!("http://localhost:{}/ok", server.port), "*/*")
        .await
        .expect("loopback allowed through resolver");
    assert_eq!(got.status, 200);
}

#[tokio::test]
async fn invalid_urls() {
    let f = fetcher(FetchPolicy::default());
    assert!(matches!(
        f.get("not a url", "*/*").await,
        Err(FetchError::InvalidUrl(_))
    ));
}

fn overriding(server: &Server, policy: FetchPolicy) -> Fetcher {
    let addr = format!("127.0.0.1:{}", server.port).parse().expect("addr");
    fetcher(FetchPolicy {
        test_host_overrides: vec![("issuer.example".into(), addr)],
        ..policy
    })
}

#[tokio::test]
async fn test_host_override_serves_the_host_from_the_local_server() {
    let server = start_server().await;
    let f = overriding(&server, loopback_only_policy());
    let url = "https://ISSUER.example/docs/badge.json?v=1";
    let got = f
        .get(url, "application/json")
        .await
        .expect("served locally");
    assert_eq!(got.status, 200);
    assert_eq!(&got.body[..], b"/issuer.example/docs/badge.json?v=1");
    // The caller still sees the URL it asked for.
    assert_eq!(got.final_url, "https://issuer.example/docs/badge.json?v=1");

    let hop = f
        .get("https://issuer.example/redirect", "application/json")
        .await
        .expect("redirect followed");
    assert_eq!(&hop.body[..], b"/issuer.example/docs/after-redirect");
    assert_eq!(hop.final_url, "https://issuer.example/docs/after-redirect");

    // Other hosts are left alone, unless `*` is listed.
    let err = f
        .get("http://127.0.0.2:1/elsewhere", "application/json")
        .await
        .expect_err("not overridden, nothing listens there");
    assert!(
        !matches!(err, FetchError::NotAllowedScheme { .. }),
        "{err:?}"
    );
    let addr = format!("127.0.0.1:{}", server.port).parse().expect("addr");
    let everything = fetcher(FetchPolicy {
        test_host_overrides: vec![("*".into(), addr)],
        ..loopback_only_policy()
    });
    let got = everything
        .get("https://issuer.example/docs/any", "application/json")
        .await
        .expect("served locally");
    assert_eq!(&got.body[..], b"/issuer.example/docs/any");
}

#[tokio::test]
async fn test_host_override_is_still_subject_to_the_policy() {
    let server = start_server().await;
    // https only (the default): the plain-http stand-in is refused.
    let strict = overriding(&server, FetchPolicy::default());
    let err = strict
        .get("https://issuer.example/docs/badge.json", "application/json")
        .await
        .expect_err("http stand-in refused");
    assert!(
        matches!(err, FetchError::NotAllowedScheme { .. }),
        "{err:?}"
    );
    // http allowed but not loopback: the 127.0.0.1 stand-in is refused.
    let no_loopback = overriding(
        &server,
        FetchPolicy {
            allow_http: true,
            ..FetchPolicy::default()
        },
    );
    let err = no_loopback
        .get("https://issuer.example/docs/badge.json", "application/json")
        .await
        .expect_err("loopback stand-in refused");
    assert!(matches!(err, FetchError::PrivateAddress { .. }), "{err:?}");
    assert_eq!(server.requests.load(Ordering::SeqCst), 0);
    assert!(FetchPolicy::default().test_host_overrides.is_empty());
}

#[tokio::test]
async fn test_host_override_errors_name_the_original_url() {
    // A port nothing listens on: bind, note it, close it.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let f = fetcher(FetchPolicy {
        test_host_overrides: vec![("issuer.example".into(), addr)],
        ..loopback_only_policy()
    });
    let err = f
        .get("https://issuer.example/keys/1", "application/json")
        .await
        .expect_err("nothing answers");
    let FetchError::Network(text) = &err else {
        panic!("expected a network error, got {err:?}");
    };
    assert!(text.contains("https://issuer.example/keys/1"), "{text}");
    assert!(!text.contains(&addr.to_string()), "{text}");
}
