//! A small SMTP server for the tests: it accepts connections on a local
//! port, speaks enough SMTP for lettre (EHLO, STARTTLS, AUTH PLAIN and LOGIN,
//! MAIL, RCPT, DATA, RSET, NOOP, QUIT), keeps every message it receives, and
//! can refuse chosen recipients with a given reply (e.g. a permanent 550).
//!
//! Like a real submission relay it can offer TLS, with STARTTLS or from the
//! first byte (`smtps://`), with the test-only certificate in `tls/` (signed
//! by a private test CA), and require a log-in, which it offers only once the
//! connection is encrypted. Each message records whether it came over TLS and
//! who had logged in.
//!
//! Why our own rather than a crate: the maintained embeddable server,
//! `mailin-embedded`, always compiles a TLS module (rustls 0.23 with its
//! default features unless OpenSSL is chosen), which would pull aws-lc-rs, a
//! C build, into every test build of the workspace; and its blocking server
//! cannot be stopped, which the "relay down, then back" test needs. TLS here
//! is tokio-rustls with the `ring` provider, already built for lettre.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject as _;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

#[derive(Debug, Clone)]
pub struct Received {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    pub data: Vec<u8>,
    /// Whether the message came over an encrypted connection.
    pub tls: bool,
    /// Who had logged in (AUTH) on that connection.
    pub user: Option<String>,
}

impl Received {
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(&self.data)
            .expect("a parsable message")
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.data).into_owned()
    }
}

/// One AUTH attempt, as the relay saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthAttempt {
    pub mechanism: String,
    pub user: String,
    pub ok: bool,
    pub tls: bool,
}

/// How the relay secures connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TlsMode {
    /// Plain text only; STARTTLS is not offered.
    #[default]
    None,
    /// Plain text, upgraded with STARTTLS (offered in the EHLO reply).
    StartTls,
    /// TLS from the first byte (`smtps://`, port 465 style).
    Implicit,
}

/// What the relay offers and requires.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub tls: TlsMode,
    /// A log-in (user, password) is required before MAIL; AUTH is offered
    /// only over TLS.
    pub login: Option<(String, String)>,
    /// The mechanisms offered (default: PLAIN and LOGIN).
    pub mechanisms: Vec<&'static str>,
}

#[derive(Default)]
struct Shared {
    inbox: Vec<Received>,
    auth: Vec<AuthAttempt>,
    /// TLS handshakes that failed (the client refused our certificate…).
    handshake_failures: usize,
    /// (part of a recipient address, the whole reply to RCPT for it)
    refuse: Vec<(String, String)>,
}

struct Relay {
    options: Options,
    acceptor: Option<TlsAcceptor>,
    shared: Arc<Mutex<Shared>>,
}

pub struct Sink {
    pub addr: SocketAddr,
    shared: Arc<Mutex<Shared>>,
    implicit_tls: bool,
    task: JoinHandle<()>,
}

/// A local address nothing listens on (yet).
pub fn free_addr() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

/// The test-only TLS files (`tls/README.md`).
pub fn tls_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/http/support/tls")
}

/// The private test CA that signed the relay's certificate.
pub fn test_ca() -> PathBuf {
    tls_dir().join("ca.pem")
}

fn acceptor() -> TlsAcceptor {
    let dir = tls_dir();
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(dir.join("relay.pem"))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(dir.join("relay.key")).unwrap();
    // ring, as in the rest of the workspace: never aws-lc-rs (a C build).
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    TlsAcceptor::from(Arc::new(config))
}

impl Sink {
    pub async fn start() -> Sink {
        Sink::start_on("127.0.0.1:0".parse().unwrap()).await
    }

    pub async fn start_on(addr: SocketAddr) -> Sink {
        Sink::start_with(addr, Options::default()).await
    }

    /// A relay with TLS and log-in as `options` say, on a free port.
    pub async fn start_secure(options: Options) -> Sink {
        Sink::start_with("127.0.0.1:0".parse().unwrap(), options).await
    }

    pub async fn start_with(addr: SocketAddr, mut options: Options) -> Sink {
        if options.mechanisms.is_empty() {
            options.mechanisms = vec!["PLAIN", "LOGIN"];
        }
        let listener = TcpListener::bind(addr).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Mutex::new(Shared::default()));
        let implicit_tls = options.tls == TlsMode::Implicit;
        let relay = Arc::new(Relay {
            acceptor: (options.tls != TlsMode::None).then(acceptor),
            options,
            shared: Arc::clone(&shared),
        });
        let task = tokio::spawn(async move {
            // Dropping the set (when this task is aborted) ends every session.
            let mut sessions = JoinSet::new();
            while let Ok((stream, _)) = listener.accept().await {
                sessions.spawn(session(stream, Arc::clone(&relay)));
            }
        });
        Sink {
            addr,
            shared,
            implicit_tls,
            task,
        }
    }

    /// `smtp://…` (or `smtps://…` for implicit TLS) for the server's
    /// configuration.
    pub fn url(&self) -> String {
        if self.implicit_tls {
            format!("smtps://{}", self.addr)
        } else {
            format!("smtp://{}", self.addr)
        }
    }

    /// Answers RCPT for addresses containing `part` with `reply`.
    pub fn refuse(&self, part: &str, reply: &str) {
        self.shared
            .lock()
            .unwrap()
            .refuse
            .push((part.to_owned(), reply.to_owned()));
    }

    pub fn messages(&self) -> Vec<Received> {
        self.shared.lock().unwrap().inbox.clone()
    }

    /// Every AUTH attempt so far.
    pub fn auth_attempts(&self) -> Vec<AuthAttempt> {
        self.shared.lock().unwrap().auth.clone()
    }

    /// TLS handshakes the client broke off (e.g. it did not trust us).
    pub fn handshake_failures(&self) -> usize {
        self.shared.lock().unwrap().handshake_failures
    }

    pub fn stop(self) {
        self.task.abort();
    }
}

async fn session(stream: TcpStream, relay: Arc<Relay>) {
    let _ = stream.set_nodelay(true);
    if relay.options.tls == TlsMode::Implicit {
        let Some(tls) = handshake(&relay, stream).await else {
            return;
        };
        dialog(BufReader::new(tls), &relay, true, true).await;
        return;
    }
    // STARTTLS: the same conversation goes on over TLS, from the start (the
    // client says EHLO again).
    if let Some(plain) = dialog(BufReader::new(stream), &relay, false, true).await {
        if let Some(tls) = handshake(&relay, plain).await {
            dialog(BufReader::new(tls), &relay, true, false).await;
        }
    }
}

async fn handshake(
    relay: &Relay,
    stream: TcpStream,
) -> Option<tokio_rustls::server::TlsStream<TcpStream>> {
    let acceptor = relay.acceptor.clone()?;
    match acceptor.accept(stream).await {
        Ok(tls) => Some(tls),
        Err(_) => {
            relay.shared.lock().unwrap().handshake_failures += 1;
            None
        }
    }
}

/// Reads one line (without its CRLF); None at the end of the connection.
async fn read_line<S: AsyncRead + Unpin>(lines: &mut BufReader<S>) -> Option<String> {
    let mut line = String::new();
    match lines.read_line(&mut line).await {
        Ok(0) | Err(_) => None,
        Ok(_) => Some(line.trim_end_matches(['\r', '\n']).to_owned()),
    }
}

async fn reply<S: AsyncWrite + Unpin>(stream: &mut S, text: &str) -> bool {
    stream
        .write_all(format!("{text}\r\n").as_bytes())
        .await
        .is_ok()
        && stream.flush().await.is_ok()
}

/// One SMTP conversation over `stream` (plain or TLS). Returns the plain
/// stream when the client asked for STARTTLS, None when it is over.
async fn dialog<S: AsyncRead + AsyncWrite + Unpin>(
    mut lines: BufReader<S>,
    relay: &Relay,
    tls: bool,
    greet: bool,
) -> Option<S> {
    if greet && !reply(lines.get_mut(), "220 sink.test ESMTP").await {
        return None;
    }
    let options = &relay.options;
    let shared = &relay.shared;
    let mut mail_from = String::new();
    let mut rcpt_to: Vec<String> = Vec::new();
    let mut user: Option<String> = None;
    loop {
        let command = read_line(&mut lines).await?;
        let upper = command.to_ascii_uppercase();
        let answer: String = if upper.starts_with("EHLO") {
            let mut ext = vec!["sink.test", "8BITMIME", "SMTPUTF8", "SIZE 10485760"];
            if options.tls == TlsMode::StartTls && !tls {
                ext.push("STARTTLS");
            }
            let auth = format!("AUTH {}", options.mechanisms.join(" "));
            if options.login.is_some() && tls {
                ext.push(&auth);
            }
            let last = ext.len() - 1;
            ext.iter()
                .enumerate()
                .map(|(i, e)| format!("250{}{e}", if i == last { ' ' } else { '-' }))
                .collect::<Vec<_>>()
                .join("\r\n")
        } else if upper.starts_with("HELO") {
            "250 sink.test".into()
        } else if upper == "STARTTLS" {
            if options.tls != TlsMode::StartTls || tls {
                "502 5.5.1 STARTTLS not available".into()
            } else if !lines.buffer().is_empty() {
                // Commands pipelined after STARTTLS would be read in the
                // clear: refuse (RFC 3207 §4.2).
                "501 5.5.1 nothing may follow STARTTLS".into()
            } else {
                if !reply(lines.get_mut(), "220 2.0.0 ready to start TLS").await {
                    return None;
                }
                return Some(lines.into_inner());
            }
        } else if upper.starts_with("AUTH ") {
            match &options.login {
                None => "503 5.5.1 AUTH not available".into(),
                Some(_) if !tls => "538 5.7.11 encryption required for authentication".into(),
                Some(_) if user.is_some() => "503 5.5.1 already authenticated".into(),
                Some((expected_user, expected_password)) => {
                    let Some((mechanism, given_user, given_password)) =
                        auth_exchange(&mut lines, &command, &options.mechanisms).await?
                    else {
                        if !reply(lines.get_mut(), "501 5.5.2 malformed AUTH").await {
                            return None;
                        }
                        continue;
                    };
                    let ok = &given_user == expected_user && &given_password == expected_password;
                    shared.lock().unwrap().auth.push(AuthAttempt {
                        mechanism,
                        user: given_user.clone(),
                        ok,
                        tls,
                    });
                    if ok {
                        user = Some(given_user);
                        "235 2.7.0 authentication successful".into()
                    } else {
                        "535 5.7.8 authentication credentials invalid".into()
                    }
                }
            }
        } else if upper.starts_with("MAIL FROM:") {
            if options.login.is_some() && user.is_none() {
                "530 5.7.0 authentication required".into()
            } else {
                mail_from = address(&command[10..]);
                rcpt_to.clear();
                "250 2.1.0 OK".into()
            }
        } else if upper.starts_with("RCPT TO:") {
            let to = address(&command[8..]);
            let refused = shared
                .lock()
                .unwrap()
                .refuse
                .iter()
                .find(|(part, _)| to.contains(part.as_str()))
                .map(|(_, reply)| reply.clone());
            match refused {
                Some(reply) => reply,
                None => {
                    rcpt_to.push(to);
                    "250 2.1.5 OK".into()
                }
            }
        } else if upper == "DATA" {
            if rcpt_to.is_empty() {
                "554 5.5.1 no valid recipients".into()
            } else {
                if !reply(lines.get_mut(), "354 go ahead").await {
                    return None;
                }
                let mut data = Vec::new();
                loop {
                    let mut l = String::new();
                    match lines.read_line(&mut l).await {
                        Ok(0) | Err(_) => return None,
                        Ok(_) => {}
                    }
                    if l == ".\r\n" {
                        break;
                    }
                    // Undo dot-stuffing.
                    let l = l.strip_prefix('.').unwrap_or(&l);
                    data.extend_from_slice(l.as_bytes());
                }
                shared.lock().unwrap().inbox.push(Received {
                    mail_from: mail_from.clone(),
                    rcpt_to: std::mem::take(&mut rcpt_to),
                    data,
                    tls,
                    user: user.clone(),
                });
                "250 2.0.0 queued".into()
            }
        } else if upper == "RSET" {
            mail_from.clear();
            rcpt_to.clear();
            "250 2.0.0 OK".into()
        } else if upper == "NOOP" {
            "250 2.0.0 OK".into()
        } else if upper == "QUIT" {
            let _ = reply(lines.get_mut(), "221 2.0.0 bye").await;
            return None;
        } else {
            "502 5.5.2 command not recognised".into()
        };
        if !reply(lines.get_mut(), &answer).await {
            return None;
        }
    }
}

fn b64_text(text: &str) -> Option<String> {
    String::from_utf8(B64.decode(text.trim()).ok()?).ok()
}

/// The rest of an AUTH command: (mechanism, user, password), Some(None) when
/// it is malformed or the mechanism is not offered, None when the connection
/// ended.
async fn auth_exchange<S: AsyncRead + AsyncWrite + Unpin>(
    lines: &mut BufReader<S>,
    command: &str,
    offered: &[&str],
) -> Option<Option<(String, String, String)>> {
    let mut parts = command.split_whitespace().skip(1);
    let mechanism = parts.next().unwrap_or("").to_ascii_uppercase();
    let initial = parts.next().map(str::to_owned);
    if !offered.contains(&mechanism.as_str()) {
        return Some(None);
    }
    match mechanism.as_str() {
        "PLAIN" => {
            let response = match initial {
                Some(r) => r,
                None => {
                    if !reply(lines.get_mut(), "334 ").await {
                        return None;
                    }
                    read_line(lines).await?
                }
            };
            // authzid NUL authcid NUL password
            let Some(decoded) = b64_text(&response) else {
                return Some(None);
            };
            let mut fields = decoded.split('\0');
            let (_authzid, user, password) = (fields.next(), fields.next(), fields.next());
            Some(match (user, password) {
                (Some(u), Some(p)) => Some(("PLAIN".into(), u.to_owned(), p.to_owned())),
                _ => None,
            })
        }
        "LOGIN" => {
            if !reply(lines.get_mut(), &format!("334 {}", B64.encode("Username:"))).await {
                return None;
            }
            let user = b64_text(&read_line(lines).await?);
            if !reply(lines.get_mut(), &format!("334 {}", B64.encode("Password:"))).await {
                return None;
            }
            let password = b64_text(&read_line(lines).await?);
            Some(match (user, password) {
                (Some(u), Some(p)) => Some(("LOGIN".into(), u, p)),
                _ => None,
            })
        }
        _ => Some(None),
    }
}

/// `<a@b> SIZE=…` → `a@b`.
fn address(arg: &str) -> String {
    let arg = arg.trim();
    match (arg.find('<'), arg.find('>')) {
        (Some(s), Some(e)) if s < e => arg[s + 1..e].to_owned(),
        _ => arg.split_whitespace().next().unwrap_or("").to_owned(),
    }
}
