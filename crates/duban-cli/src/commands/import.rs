//! `duban import FILE [--dry-run]`.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use duban_proto::registry::v1 as pb;

use super::status_error;
use crate::{context::Ctx, progress::Progress, summary};

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
}

/// Imports the file and prints the summary.
pub async fn run(ctx: &Ctx, args: ImportArgs) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read `{}` as UTF-8 text", args.file.display()))
        .map_err(|e| crate::error::usage(format!("{e:#}")))?;
    let mut client = ctx.registry().await?;
    let progress = Progress::start(format!(
        "{} {} ({} KiB)",
        if args.dry_run {
            "previewing"
        } else {
            "importing"
        },
        args.file.display(),
        text.len().div_ceil(1024)
    ));
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
    progress.finish(&format!(
        "{} plans, {} tasks, {} warnings",
        response.plans.len(),
        response.tasks.len(),
        response.warning_count
    ));
    if ctx.json() {
        return ctx.print(&response, String::new);
    }
    let names = summary::Names::fetch(&mut client, &response).await?;
    crate::context::out(&summary::render(&response, &names, args.dry_run));
    Ok(())
}
