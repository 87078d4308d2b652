//! `insignia bake …` and `insignia extract …`

use std::fs;
use std::path::PathBuf;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, ValueEnum};
use insignia_bake::{Payload, Standard};
use insignia_proofs::jose;
use serde_json::Value;

#[derive(Clone, Copy, ValueEnum)]
pub enum StandardArg {
    /// Open Badges 3.0 (`openbadgecredential` iTXt chunk / `<openbadges:credential>`).
    Ob3,
    /// Open Badges 2.0 (`openbadges` iTXt chunk / `<openbadges:assertion>`).
    Ob2,
}

#[derive(Args)]
pub struct BakeArgs {
    /// The badge image: PNG or SVG.
    image: PathBuf,
    /// The signed credential (JSON or JWT file), or an OB 2.0 assertion (JSON, JWS, or a file
    /// holding its hosted URL).
    #[arg(long)]
    credential: PathBuf,
    /// Which standard's baking to use; detected from the credential when left out.
    #[arg(long)]
    standard: Option<StandardArg>,
    /// Where to write the baked image.
    #[arg(long, short)]
    output: PathBuf,
}

#[derive(Args)]
pub struct ExtractArgs {
    /// A baked PNG or SVG image.
    image: PathBuf,
    /// Where to write the credential (default: standard output).
    #[arg(long, short)]
    output: Option<PathBuf>,
}

pub fn bake(args: &BakeArgs) -> Result<()> {
    let image = fs::read(&args.image)
        .with_context(|| format!("could not read {}", args.image.display()))?;
    let text = fs::read_to_string(&args.credential)
        .with_context(|| format!("could not read {}", args.credential.display()))?;
    let payload = Payload::classify(&text).with_context(|| {
        format!(
            "{} holds no credential, JWT or URL",
            args.credential.display()
        )
    })?;
    let standard = match args.standard {
        Some(StandardArg::Ob3) => Standard::Ob3,
        Some(StandardArg::Ob2) => Standard::Ob2,
        None => detect_standard(&payload)?,
    };
    let baked = insignia_bake::bake(&image, standard, &payload)
        .with_context(|| format!("could not bake into {}", args.image.display()))?;
    fs::write(&args.output, baked)
        .with_context(|| format!("could not write {}", args.output.display()))?;
    eprintln!(
        "baked an {} badge into {}",
        standard.name(),
        args.output.display()
    );
    Ok(())
}

pub fn extract(args: &ExtractArgs) -> Result<()> {
    let image = fs::read(&args.image)
        .with_context(|| format!("could not read {}", args.image.display()))?;
    let baked = insignia_bake::extract(&image)
        .with_context(|| format!("could not read {}", args.image.display()))?
        .ok_or_else(|| anyhow!("{} carries no badge", args.image.display()))?;
    eprintln!("found an {} badge", baked.standard.name());
    match &args.output {
        Some(path) => fs::write(path, baked.payload.as_str())
            .with_context(|| format!("could not write {}", path.display()))?,
        None => println!("{}", baked.payload.as_str()),
    }
    Ok(())
}

/// OB 2.0 when the document is an assertion (OB 2.0 context, or `badge` and
/// `recipient`), or a hosted URL; OB 3.0 otherwise.
fn detect_standard(payload: &Payload) -> Result<Standard> {
    let document: Value = match payload {
        Payload::Url(_) => return Ok(Standard::Ob2),
        Payload::Json(json) => {
            serde_json::from_str(json).context("the credential is not valid JSON")?
        }
        Payload::Jwt(token) => match jose::decode_unverified(token) {
            Ok((_, claims)) => claims.get("vc").cloned().unwrap_or(claims),
            Err(e) => bail!("the JWT cannot be read: {e}"),
        },
    };
    let ob2_context = match document.get("@context") {
        Some(Value::String(c)) => c.contains("openbadges") || c.contains("openbadgespec"),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .any(|c| c.contains("w3id.org/openbadges") || c.contains("openbadgespec")),
        _ => false,
    };
    if ob2_context || (document.get("badge").is_some() && document.get("recipient").is_some()) {
        Ok(Standard::Ob2)
    } else {
        Ok(Standard::Ob3)
    }
}
