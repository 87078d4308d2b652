//! A small SMTP server for the tests: it accepts connections on a local
//! port, speaks enough SMTP for lettre (EHLO, MAIL, RCPT, DATA, RSET, NOOP,
//! QUIT), keeps every message it receives, and can refuse chosen recipients
//! with a given reply (e.g. a permanent 550).
//!
//! Why our own rather than a crate: the maintained embeddable server,
//! `mailin-embedded`, always compiles a TLS module (rustls 0.23 with its
//! default features unless OpenSSL is chosen), which would pull aws-lc-rs, a
//! C build, into every test build of the workspace; and its blocking server
//! cannot be stopped, which the "relay down, then back" test needs.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

#[derive(Debug, Clone)]
pub struct Received {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    pub data: Vec<u8>,
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

#[derive(Default)]
struct Shared {
    inbox: Vec<Received>,
    /// (part of a recipient address, the whole reply to RCPT for it)
    refuse: Vec<(String, String)>,
}

pub struct Sink {
    pub addr: SocketAddr,
    shared: Arc<Mutex<Shared>>,
    task: JoinHandle<()>,
}

/// A local address nothing listens on (yet).
pub fn free_addr() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

impl Sink {
    pub async fn start() -> Sink {
        Sink::start_on("127.0.0.1:0".parse().unwrap()).await
    }

    pub async fn start_on(addr: SocketAddr) -> Sink {
        let listener = TcpListener::bind(addr).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Mutex::new(Shared::default()));
        let state = Arc::clone(&shared);
        let task = tokio::spawn(async move {
            // Dropping the set (when this task is aborted) ends every session.
            let mut sessions = JoinSet::new();
            while let Ok((stream, _)) = listener.accept().await {
                sessions.spawn(session(stream, Arc::clone(&state)));
            }
        });
        Sink { addr, shared, task }
    }

    /// `smtp://…` for the server's configuration.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
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

    pub fn stop(self) {
        self.task.abort();
    }
}

async fn session(stream: TcpStream, shared: Arc<Mutex<Shared>>) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    if write.write_all(b"220 sink.test ESMTP\r\n").await.is_err() {
        return;
    }
    let mut mail_from = String::new();
    let mut rcpt_to: Vec<String> = Vec::new();
    loop {
        let mut line = String::new();
        match lines.read_line(&mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let command = line.trim_end_matches(['\r', '\n']);
        let upper = command.to_ascii_uppercase();
        let answer: String = if upper.starts_with("EHLO") {
            "250-sink.test\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 10485760".into()
        } else if upper.starts_with("HELO") {
            "250 sink.test".into()
        } else if upper.starts_with("MAIL FROM:") {
            mail_from = address(&command[10..]);
            rcpt_to.clear();
            "250 2.1.0 OK".into()
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
                if write.write_all(b"354 go ahead\r\n").await.is_err() {
                    return;
                }
                let mut data = Vec::new();
                loop {
                    let mut l = String::new();
                    match lines.read_line(&mut l).await {
                        Ok(0) | Err(_) => return,
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
            let _ = write.write_all(b"221 2.0.0 bye\r\n").await;
            return;
        } else {
            "502 5.5.2 command not recognised".into()
        };
        if write
            .write_all(format!("{answer}\r\n").as_bytes())
            .await
            .is_err()
        {
            return;
        }
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
