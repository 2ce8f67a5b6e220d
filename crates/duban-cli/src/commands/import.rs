//! `duban import FILE [--dry-run]`.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use duban_proto::registry::v1 as pb;

use super::{registry_client, status_error};
use crate::summary;

/// Arguments of `duban import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The plan document (UTF-8 text).
    pub file: PathBuf,
    /// Show what would be imported and write nothing: the plans and tasks with
    /// their units by role, every unit or unit group the import would create
    /// (`created:` lines), and the lines it could not place, by line number.
    #[arg(long)]
    pub dry_run: bool,
    /// The issuer to record when the document names none.
    #[arg(long, default_value = "")]
    pub issuer: String,
    /// The registry's address.
    #[arg(long, env = "DUBAN_REGISTRY_URL", default_value = crate::DEFAULT_REGISTRY_URL)]
    pub registry: String,
}

/// Imports the file and prints the summary.
pub async fn run(args: ImportArgs) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read `{}` as UTF-8 text", args.file.display()))?;
    let mut client = registry_client(&args.registry).await?;
    let request = pb::ImportPlanRequest {
        text,
        validate_only: args.dry_run,
        default_issuer: args.issuer,
    };
    let response = client
        .import_plan(request)
        .await
        .map_err(|status| status_error("import failed", status))?
        .into_inner();
    let names = summary::Names::fetch(&mut client, &response).await?;
    print!("{}", summary::render(&response, &names, args.dry_run));
    Ok(())
}
