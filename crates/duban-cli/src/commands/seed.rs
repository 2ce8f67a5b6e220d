//! `duban seed`: load the reference units and groups, then import the seed plan.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use duban_proto::registry::v1::{self as pb, registry_service_client::RegistryServiceClient};
use duban_registry::seed;
use tonic::transport::Channel;

use super::{registry_client, status_error};

/// Arguments of `duban seed`.
#[derive(Debug, Args)]
pub struct SeedArgs {
    /// The seed directory holding `units.txt` and `plan.txt`.
    #[arg(long, default_value = "seeds/jiujiang")]
    pub dir: PathBuf,
    /// The registry's address.
    #[arg(long, env = "DUBAN_REGISTRY_URL", default_value = crate::DEFAULT_REGISTRY_URL)]
    pub registry: String,
}

/// The issuer of the Jiujiang seed plan, which its text does not sign.
const SEED_ISSUER: &str = "九江市人民政府";

/// Loads `dir/units.txt` and imports `dir/plan.txt`; both steps are idempotent.
pub async fn load_dir(
    client: &mut RegistryServiceClient<Channel>,
    dir: &Path,
) -> anyhow::Result<pb::ImportPlanResponse> {
    let units_path = dir.join("units.txt");
    let units_text = std::fs::read_to_string(&units_path)
        .with_context(|| format!("cannot read `{}`", units_path.display()))?;
    let units = seed::parse_units_file(&units_text)
        .map_err(|reason| anyhow::anyhow!("`{}`: {reason}", units_path.display()))?;
    let report = seed::load(client, &units)
        .await
        .map_err(|status| status_error("loading seed units failed", status))?;
    tracing::info!(
        units_created = report.units_created,
        groups_created = report.groups_created,
        already_present = report.already_present,
        "seed units loaded"
    );

    let plan_path = dir.join("plan.txt");
    let text = std::fs::read_to_string(&plan_path)
        .with_context(|| format!("cannot read `{}`", plan_path.display()))?;
    let request = pb::ImportPlanRequest {
        text,
        validate_only: false,
        default_issuer: SEED_ISSUER.to_owned(),
    };
    let response = client
        .import_plan(request)
        .await
        .map_err(|status| status_error("importing the seed plan failed", status))?
        .into_inner();
    Ok(response)
}

/// Runs `duban seed`.
pub async fn run(args: SeedArgs) -> anyhow::Result<()> {
    let mut client = registry_client(&args.registry).await?;
    let response = load_dir(&mut client, &args.dir).await?;
    let state = if response.already_imported {
        "was already imported"
    } else {
        "imported"
    };
    println!(
        "seed plan {state}: {} plans, {} tasks",
        response.plans.len(),
        response.tasks.len()
    );
    Ok(())
}
