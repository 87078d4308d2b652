//! `insignia`: keys, signing and verification of Open Badges from the command line.

mod bake_cmd;
mod keys_cmd;
mod serve_cmd;
mod sign_cmd;
mod text_report;
mod verify_cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// JSON-LD expansion allocates heavily; mimalloc makes signing and verifying
/// about twice as fast as the system allocator (see docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Insignia: issue, sign and verify Open Badges 3.0 and 2.0 credentials.
#[derive(Parser)]
#[command(name = "insignia", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the issuer platform (web pages, hosted badges, status lists).
    ///
    /// With no options it uses SQLite in ./insignia-data and prints a one-time
    /// administrator login link on first run.
    Serve(serve_cmd::ServeArgs),
    /// Generate and inspect signing keys.
    #[command(subcommand)]
    Keys(keys_cmd::KeysCommand),
    /// Sign unsigned credentials (a JSON file or a directory of them).
    Sign(sign_cmd::SignArgs),
    /// Bake a credential into a PNG or SVG badge image (re-baking replaces the old one).
    Bake(bake_cmd::BakeArgs),
    /// Extract the credential baked into a PNG or SVG badge image.
    Extract(bake_cmd::ExtractArgs),
    /// Verify a signed credential (JSON, JWT, or a baked PNG/SVG) or a Verifiable
    /// Presentation (the holder's proof and every credential in it), and explain the result.
    ///
    /// Exit status: 0 valid, 1 not valid (invalid or not provably valid), 2 could not run.
    Verify(verify_cmd::VerifyArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => serve_cmd::run(args).map(|()| ExitCode::SUCCESS),
        Command::Keys(cmd) => keys_cmd::run(cmd).map(|()| ExitCode::SUCCESS),
        Command::Sign(args) => sign_cmd::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Bake(args) => bake_cmd::bake(&args).map(|()| ExitCode::SUCCESS),
        Command::Extract(args) => bake_cmd::extract(&args).map(|()| ExitCode::SUCCESS),
        Command::Verify(args) => verify_cmd::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}
