//! `insignia verify …`

use std::io::Read as _;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::Args;
use insignia_fetch::{FetchPolicy, Fetcher};
use insignia_proofs::jwk::Jwk;
use insignia_proofs::keys::{KeyPair, PublicKey};
use insignia_verify::presentation::{is_presentation_bytes, verify_presentation_bytes};
use insignia_verify::{
    KeyResolver, OfflineResolver, PresentationExpectations, Report, SuppliedKey, Verdict, Verifier,
    VerifyOptions, verify_bytes,
};

use crate::text_report;

#[derive(Args)]
pub struct VerifyArgs {
    /// A signed credential: a file (JSON with a Data Integrity proof, a JWT, an Open Badges 2.0
    /// assertion, or a baked PNG/SVG image) or an https:// URL of one.
    input: String,
    /// Print the report as JSON (with a top-level boolean "valid").
    #[arg(long)]
    json: bool,
    /// Also check that the badge was awarded to this recipient (e-mail address, URL or DID;
    /// hashed recipients are compared by hashing this value with the badge's salt).
    #[arg(long, value_name = "EMAIL")]
    recipient: Option<String>,
    /// Do not use the network: keys other than did:key, status lists and hosted badges are
    /// reported as "could not check".
    #[arg(long)]
    offline: bool,
    /// Allow plain http:// and loopback addresses when fetching (local testing only).
    #[arg(long, hide = true)]
    allow_http: bool,
    /// Check the signature with this public key (JWK file; a private key file works too)
    /// when the verification method cannot be resolved. Whether the key belongs to the
    /// issuer is then reported as not checked.
    #[arg(long)]
    key: Option<std::path::PathBuf>,
    /// For a presentation: the challenge its holder's proof must carry.
    #[arg(long)]
    challenge: Option<String>,
    /// For a presentation: the domain its holder's proof must name.
    #[arg(long)]
    domain: Option<String>,
}

pub fn run(args: &VerifyArgs) -> Result<ExitCode> {
    let supplied = args.key.as_deref().map(load_public_key).transpose()?;
    let is_url = args.input.starts_with("https://") || args.input.starts_with("http://");
    if !is_url {
        let input = read_input(Path::new(&args.input))?;
        if is_presentation_bytes(&input) {
            return verify_presentation_file(&input, args, supplied);
        }
    }
    let report = if args.offline {
        if is_url {
            bail!(
                "{} is a URL: fetching it needs online verification (drop --offline)",
                args.input
            );
        }
        verify_offline(&read_input(Path::new(&args.input))?, args, supplied)
    } else {
        verify_online(args, supplied, is_url)?
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", text_report::render(&report));
    }
    Ok(exit_status(&report))
}

/// `0` valid, `3` authentic with conformance problems, `1` invalid or
/// indeterminate (`2` is the command failing to run, see `main`).
pub fn exit_status(report: &Report) -> ExitCode {
    match report.verdict {
        Verdict::Valid => ExitCode::SUCCESS,
        Verdict::ValidWithWarnings => ExitCode::from(3),
        Verdict::Invalid | Verdict::Indeterminate => ExitCode::from(1),
    }
}

/// A Verifiable Presentation: the holder's proof and every credential in it.
fn verify_presentation_file(
    input: &[u8],
    args: &VerifyArgs,
    supplied: Option<PublicKey>,
) -> Result<ExitCode> {
    let expected = PresentationExpectations {
        challenge: args.challenge.as_deref(),
        domain: args.domain.as_deref(),
    };
    let report = if args.offline {
        let with_key;
        let resolver: &dyn KeyResolver = match supplied {
            Some(key) => {
                with_key = SuppliedKey {
                    key,
                    inner: OfflineResolver,
                };
                &with_key
            }
            None => &OfflineResolver,
        };
        verify_presentation_bytes(input, &VerifyOptions::new(resolver), &expected)
    } else {
        let (runtime, mut verifier) = online_verifier(args)?;
        verifier.supplied_key = supplied;
        runtime.block_on(verifier.verify_presentation(input, &expected))
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", text_report::render_presentation(&report));
    }
    Ok(match report.verdict {
        Verdict::Valid => ExitCode::SUCCESS,
        Verdict::ValidWithWarnings => ExitCode::from(3),
        Verdict::Invalid | Verdict::Indeterminate => ExitCode::from(1),
    })
}

fn online_verifier(args: &VerifyArgs) -> Result<(tokio::runtime::Runtime, Verifier)> {
    let policy = FetchPolicy {
        allow_http: args.allow_http,
        allow_loopback: args.allow_http,
        ..FetchPolicy::default()
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("could not start the network runtime")?;
    let fetcher = runtime.block_on(async { Fetcher::new(policy) })?;
    let verifier = Verifier::new(Arc::new(fetcher)).with_recipient(args.recipient.clone());
    Ok((runtime, verifier))
}

/// Reads at most one byte past the verifier's limit: a 100 MB file is refused without loading it.
fn read_input(path: &Path) -> Result<Vec<u8>> {
    let limit = VerifyOptions::new(&OfflineResolver).max_bytes;
    let mut input = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(limit as u64 + 1).read_to_end(&mut input))
        .with_context(|| format!("could not read {}", path.display()))?;
    Ok(input)
}

fn verify_offline(input: &[u8], args: &VerifyArgs, supplied: Option<PublicKey>) -> Report {
    let with_key;
    let resolver: &dyn KeyResolver = match supplied {
        Some(key) => {
            with_key = SuppliedKey {
                key,
                inner: OfflineResolver,
            };
            &with_key
        }
        None => &OfflineResolver,
    };
    let mut options = VerifyOptions::new(resolver);
    options.recipient = args.recipient.as_deref();
    verify_bytes(input, &options)
}

fn verify_online(args: &VerifyArgs, supplied: Option<PublicKey>, is_url: bool) -> Result<Report> {
    let policy = FetchPolicy {
        allow_http: args.allow_http,
        allow_loopback: args.allow_http,
        ..FetchPolicy::default()
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("could not start the network runtime")?;
    let fetcher = runtime.block_on(async { Fetcher::new(policy) })?;
    let mut verifier = Verifier::new(Arc::new(fetcher)).with_recipient(args.recipient.clone());
    verifier.supplied_key = supplied;
    if is_url {
        return Ok(runtime.block_on(verifier.verify_url(&args.input)));
    }
    let input = read_input(Path::new(&args.input))?;
    Ok(runtime.block_on(verifier.verify_bytes(&input)))
}

/// A public key from a JWK (public or private) or SPKI PEM file.
pub fn load_public_key(path: &Path) -> Result<PublicKey> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("could not read {}", path.display()))?;
    if text.contains("-----BEGIN PUBLIC KEY-----") {
        return Ok(PublicKey::from_pem(&text)?);
    }
    let value: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a JWK (JSON) or PEM file", path.display()))?;
    let jwk = Jwk::from_value(&value)?;
    if jwk.is_private() {
        return Ok(KeyPair::from_jwk(&jwk)?.public_key());
    }
    Ok(PublicKey::from_jwk(&jwk)?)
}
