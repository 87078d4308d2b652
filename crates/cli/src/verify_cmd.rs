//! `insignia verify …`

use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use insignia_proofs::jwk::Jwk;
use insignia_proofs::keys::{KeyPair, PublicKey};
use insignia_verify::{KeyResolver, OfflineResolver, SuppliedKey, VerifyOptions, verify_bytes};

use crate::text_report;

#[derive(Args)]
pub struct VerifyArgs {
    /// A signed credential: JSON (Data Integrity proof), a JWT file, or a baked PNG/SVG image.
    input: PathBuf,
    /// Print the report as JSON (with a top-level boolean "valid").
    #[arg(long)]
    json: bool,
    /// Check the signature with this public key (JWK file; a private key file works too)
    /// when the verification method cannot be resolved offline. Whether the key
    /// belongs to the issuer is then reported as not checked.
    #[arg(long)]
    key: Option<PathBuf>,
}

pub fn run(args: &VerifyArgs) -> Result<ExitCode> {
    // Read at most one byte past the limit: a 100 MB file is refused without loading it.
    let limit = VerifyOptions::new(&OfflineResolver).max_bytes;
    let mut input = Vec::new();
    std::fs::File::open(&args.input)
        .and_then(|file| file.take(limit as u64 + 1).read_to_end(&mut input))
        .with_context(|| format!("could not read {}", args.input.display()))?;
    let supplied;
    let resolver: &dyn KeyResolver = match &args.key {
        Some(path) => {
            supplied = SuppliedKey {
                key: load_public_key(path)?,
                inner: OfflineResolver,
            };
            &supplied
        }
        None => &OfflineResolver,
    };
    let report = verify_bytes(&input, &VerifyOptions::new(resolver));
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", text_report::render(&report));
    }
    Ok(if report.valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// A public key from a JWK (public or private) or SPKI PEM file.
pub fn load_public_key(path: &std::path::Path) -> Result<PublicKey> {
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
