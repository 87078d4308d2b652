//! `insignia sign …`

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, ValueEnum};
use insignia_proofs::data_integrity::{self, Cryptosuite, SignOptions};
use insignia_proofs::jose;
use insignia_proofs::keys::{Algorithm, KeyPair};
use rayon::prelude::*;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProofFormat {
    /// Data Integrity proof, Ed25519 (the default for Ed25519 keys).
    #[value(name = "eddsa-rdfc-2022")]
    EddsaRdfc2022,
    /// Data Integrity proof, ECDSA P-256 (the default for P-256 keys).
    #[value(name = "ecdsa-rdfc-2019")]
    EcdsaRdfc2019,
    /// VC-JWT (EdDSA, ES256 or RS256 by key type; the default for RSA keys).
    Jwt,
    /// Open Badges 2.0 signed assertion: compact JWS over the assertion JSON
    /// (RS256 with an RSA key, as OB 2.0 verifiers expect).
    #[value(name = "ob2-jws")]
    Ob2Jws,
}

#[derive(Args)]
pub struct SignArgs {
    /// An unsigned credential (JSON file), or a directory of them.
    input: PathBuf,
    /// The private key file (from `insignia keys generate`).
    #[arg(long)]
    key: PathBuf,
    /// Proof format. Default: eddsa-rdfc-2022 for Ed25519 keys, ecdsa-rdfc-2019 for P-256, jwt for RSA.
    #[arg(long)]
    proof: Option<ProofFormat>,
    /// Output file (default: standard output), or output directory when INPUT is a directory.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Issuer id to put in the credential. By default the key's did:key replaces a
    /// missing issuer id or a did:key placeholder; any other issuer id is kept.
    #[arg(long)]
    issuer: Option<String>,
    /// Verification method to name in the proof (or as the JWT `kid`), e.g.
    /// `did:web:example.org:issuers:acme#key-1`. Default: the key's did:key method.
    #[arg(long)]
    verification_method: Option<String>,
}

/// Everything needed to sign one credential; shared by all worker threads.
struct Signer {
    key: KeyPair,
    format: ProofFormat,
    verification_method: Option<String>,
    did: Option<String>,
    issuer: Option<String>,
    created: String,
}

pub fn run(args: &SignArgs) -> Result<()> {
    let key = KeyPair::load(&args.key)
        .with_context(|| format!("could not load the key {}", args.key.display()))?;
    let format = match (args.proof, key.algorithm()) {
        (Some(f), _) => f,
        (None, Algorithm::Ed25519) => ProofFormat::EddsaRdfc2022,
        (None, Algorithm::P256) => ProofFormat::EcdsaRdfc2019,
        (None, Algorithm::Rsa) => ProofFormat::Jwt,
    };
    let needed = match format {
        ProofFormat::EddsaRdfc2022 => Some(Algorithm::Ed25519),
        ProofFormat::EcdsaRdfc2019 => Some(Algorithm::P256),
        ProofFormat::Jwt | ProofFormat::Ob2Jws => None,
    };
    if let Some(needed) = needed {
        if needed != key.algorithm() {
            bail!(
                "the proof format needs a {needed} key, but {} is a {} key",
                args.key.display(),
                key.algorithm()
            );
        }
    }
    let now = OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .map_err(|e| anyhow!("clock: {e}"))?;
    let signer = Signer {
        verification_method: args
            .verification_method
            .clone()
            .or_else(|| key.verification_method_id().ok()),
        // With another verification method the did:key is not the issuer's id.
        did: if args.verification_method.is_some() {
            None
        } else {
            key.did_key().ok()
        },
        key,
        format,
        issuer: args.issuer.clone(),
        created: now.format(&Rfc3339)?,
    };

    if args.input.is_dir() {
        let output = args
            .output
            .as_deref()
            .ok_or_else(|| anyhow!("signing a directory needs an output directory (-o DIR)"))?;
        sign_directory(&signer, &args.input, output)
    } else {
        let signed = sign_file(&signer, &args.input)?;
        match &args.output {
            Some(path) => fs::write(path, signed)
                .with_context(|| format!("could not write {}", path.display()))?,
            None => println!("{signed}"),
        }
        Ok(())
    }
}

fn sign_directory(signer: &Signer, input: &Path, output: &Path) -> Result<()> {
    fs::create_dir_all(output)
        .with_context(|| format!("could not create the output directory {}", output.display()))?;
    let mut files: Vec<PathBuf> = fs::read_dir(input)
        .with_context(|| format!("could not read the directory {}", input.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    if files.is_empty() {
        bail!("{} contains no .json files to sign", input.display());
    }
    let extension = if signer.format == ProofFormat::Jwt {
        "jwt"
    } else {
        "json"
    };
    let started = Instant::now();
    let failures: Vec<String> = files
        .par_iter()
        .filter_map(|path| {
            let result = sign_file(signer, path).and_then(|signed| {
                let name = path.file_stem().unwrap_or_default();
                let target = output.join(name).with_extension(extension);
                fs::write(&target, signed)
                    .with_context(|| format!("could not write {}", target.display()))
            });
            result.err().map(|e| format!("{}: {e:#}", path.display()))
        })
        .collect();
    let elapsed = started.elapsed();
    let signed = files.len() - failures.len();
    eprintln!(
        "signed {signed} of {} credentials into {} in {:.2} s ({:.0} per second, {} threads)",
        files.len(),
        output.display(),
        elapsed.as_secs_f64(),
        signed as f64 / elapsed.as_secs_f64().max(1e-9),
        rayon::current_num_threads()
    );
    if failures.is_empty() {
        Ok(())
    } else {
        for failure in &failures {
            eprintln!("  {failure}");
        }
        bail!("{} credentials could not be signed", failures.len())
    }
}

fn sign_file(signer: &Signer, path: &Path) -> Result<String> {
    let text =
        fs::read_to_string(path).with_context(|| format!("could not read {}", path.display()))?;
    let mut credential: Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not valid JSON", path.display()))?;
    if !credential.is_object() {
        bail!("{} is not a JSON object", path.display());
    }
    if credential.get("proof").is_some() {
        bail!("{} is already signed (it has a proof)", path.display());
    }
    if signer.format == ProofFormat::Ob2Jws {
        // An OB 2.0 assertion names its issuer through its BadgeClass and its key
        // through `verification.creator`; nothing is rewritten.
        if credential.get("recipient").is_none() || credential.get("badge").is_none() {
            bail!(
                "{} is not an Open Badges 2.0 assertion (it needs 'recipient' and 'badge')",
                path.display()
            );
        }
        return Ok(jose::sign_ob2_assertion(&credential, &signer.key)?);
    }
    set_issuer(signer, &mut credential);
    refuse_nonconforming(&credential, path)?;
    match signer.format {
        ProofFormat::Jwt | ProofFormat::Ob2Jws => {
            let kid = signer.verification_method.as_deref();
            Ok(jose::sign_vc_jwt(
                &credential,
                &signer.key,
                kid,
                kid.is_none(),
            )?)
        }
        ProofFormat::EddsaRdfc2022 | ProofFormat::EcdsaRdfc2019 => {
            let cryptosuite = if signer.format == ProofFormat::EddsaRdfc2022 {
                Cryptosuite::EddsaRdfc2022
            } else {
                Cryptosuite::EcdsaRdfc2019
            };
            let verification_method = signer
                .verification_method
                .clone()
                .ok_or_else(|| anyhow!("this key has no did:key verification method"))?;
            let options = SignOptions {
                cryptosuite,
                verification_method,
                created: Some(signer.created.clone()),
            };
            let signed = data_integrity::sign_owned(credential, &signer.key, &options)?;
            Ok(serde_json::to_string_pretty(&signed)?)
        }
    }
}

/// A credential that breaks a rule of the VC Data Model is never signed: the
/// error names each rule (its code) and where it is broken (a JSON pointer).
fn refuse_nonconforming(credential: &Value, path: &Path) -> Result<()> {
    let problems = insignia_model::vc_rules::check_credential(credential);
    if problems.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = problems.iter().map(|p| format!("  - {p}")).collect();
    bail!(
        "{} does not conform to the Verifiable Credentials Data Model, so it was not signed:\n{}",
        path.display(),
        list.join("\n")
    )
}

/// Puts the issuer id in place: `--issuer`, else the key's DID instead of a
/// missing id or another did:key (a placeholder); other ids are kept.
fn set_issuer(signer: &Signer, credential: &mut Value) {
    let wanted = match (&signer.issuer, &signer.did) {
        (Some(explicit), _) => explicit.clone(),
        (None, Some(did)) => {
            let current = match credential.get("issuer") {
                Some(Value::String(s)) => Some(s.as_str()),
                Some(Value::Object(o)) => o.get("id").and_then(Value::as_str),
                _ => None,
            };
            match current {
                Some(id) if !id.starts_with("did:key:") => return,
                _ => did.clone(),
            }
        }
        (None, None) => return,
    };
    match credential.get_mut("issuer") {
        Some(Value::Object(issuer)) => {
            issuer.insert("id".into(), Value::from(wanted));
        }
        Some(slot) => *slot = Value::from(wanted),
        None => {
            if let Some(map) = credential.as_object_mut() {
                map.insert("issuer".into(), Value::from(wanted));
            }
        }
    }
}
