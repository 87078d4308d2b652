//! `insignia keys …`

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use insignia_proofs::did;
use insignia_proofs::keys::{Algorithm, KeyPair};

#[derive(Subcommand)]
pub enum KeysCommand {
    /// Generate a key pair and save it as a private JWK file (mode 0600).
    ///
    /// Prints the key's did:key identifier and verification method (Ed25519, P-256),
    /// or its JWK thumbprint (RSA, which has no did:key).
    Generate(GenerateArgs),
    /// Print the public part of a key file as a JWK (or PEM with --pem).
    Public(PublicArgs),
    /// Print the did:web DID document to publish for an issuer URL.
    ///
    /// `insignia keys did-web https://example.org/issuers/acme --key old.json --key new.json`
    /// prints the DID (`did:web:example.org:issuers:acme`) on standard error and the
    /// document to serve at `https://example.org/issuers/acme/did.json` on standard
    /// output. Keys get the ids `#key-1`, `#key-2`, … in the order given: to rotate,
    /// add the new key last and keep the old ones, so earlier credentials still verify.
    DidWeb(DidWebArgs),
}

#[derive(Args)]
pub struct DidWebArgs {
    /// The issuer's HTTPS URL (host, optional port and path).
    url: String,
    /// A key file (private or public JWK); repeat for several keys.
    #[arg(long = "key", required = true)]
    keys: Vec<PathBuf>,
}

#[derive(Args)]
pub struct GenerateArgs {
    /// Key algorithm: ed25519 (default, for eddsa-rdfc-2022), p256 (ecdsa-rdfc-2019, ES256)
    /// or rsa (RSA-2048, RS256: Open Badges 2.0 signed assertions and JWTs).
    #[arg(long, default_value = "ed25519")]
    alg: Algorithm,
    /// Where to write the private key (must not exist yet).
    #[arg(long, short)]
    out: PathBuf,
}

#[derive(Args)]
pub struct PublicArgs {
    /// The private key file.
    key: PathBuf,
    /// Print an SPKI PEM instead of a JWK.
    #[arg(long)]
    pem: bool,
}

pub fn run(command: KeysCommand) -> Result<()> {
    match command {
        KeysCommand::DidWeb(args) => {
            let did = did::did_web_from_url(&args.url)?;
            let mut keys = Vec::with_capacity(args.keys.len());
            for (i, path) in args.keys.iter().enumerate() {
                keys.push((
                    format!("key-{}", i + 1),
                    crate::verify_cmd::load_public_key(path)?,
                ));
            }
            let document = did::build_did_web_document(&did, &keys)?;
            eprintln!("{did}");
            eprintln!("publish at: {}", did::did_web_document_url(&did)?);
            println!("{}", serde_json::to_string_pretty(&document.0)?);
            Ok(())
        }
        KeysCommand::Generate(args) => {
            let key = KeyPair::generate(args.alg).context("could not generate the key")?;
            key.save(&args.out)
                .with_context(|| format!("could not save the key to {}", args.out.display()))?;
            eprintln!("saved a private {} key to {}", args.alg, args.out.display());
            match key.did_key() {
                Ok(did) => {
                    println!("{did}");
                    eprintln!("verification method: {}", key.verification_method_id()?);
                }
                Err(_) => println!("{}", key.public_key().to_jwk().thumbprint()?),
            }
            Ok(())
        }
        KeysCommand::Public(args) => {
            let key = KeyPair::load(&args.key)
                .with_context(|| format!("could not load the key {}", args.key.display()))?;
            if args.pem {
                print!("{}", key.public_key().to_pem()?);
            } else {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&key.public_key().to_jwk())?
                );
            }
            Ok(())
        }
    }
}
