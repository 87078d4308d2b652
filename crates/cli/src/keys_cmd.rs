//! `insignia keys …`

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
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
