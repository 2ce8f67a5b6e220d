//! `duban seed`: load the reference units and groups, then import the seed plan.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use duban_proto::registry::v1 as pb;
use duban_registry::seed;

use super::status_error;
use crate::{context::Ctx, progress::Progress};

/// Arguments of `duban seed`. With --reporting-url (or DUBAN_REPORTING_URL) the
/// seed plans' escalations are addressed to the office named in `units.txt`.
#[derive(Debug, Args)]
pub struct SeedArgs {
    /// A seed directory holding `units.txt` and `plan.txt`; without it, the
    /// Jiujiang seed built into this binary.
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

/// The issuer of the Jiujiang seed plan, which its text does not sign.
const SEED_ISSUER: &str = "九江市人民政府";

/// What loading a seed directory produced.
pub struct Loaded {
    pub import: pb::ImportPlanResponse,
    /// The leading-group office, `units/{id}`, when the seed names one.
    pub office: Option<String>,
}

/// The Jiujiang seed, built in so that `duban up` and `duban seed` need no files
/// (in a container, or from any directory).
const EMBEDDED_UNITS: &str = include_str!("../../../../seeds/jiujiang/units.txt");
const EMBEDDED_PLAN: &str = include_str!("../../../../seeds/jiujiang/plan.txt");

/// Reads `file` of the seed directory `dir`, or of the built-in seed; returns
/// the text and how to name it in errors.
fn seed_file(dir: Option<&Path>, file: &str) -> anyhow::Result<(String, String)> {
    match dir {
        Some(dir) => {
            let path = dir.join(file);
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read `{}`", path.display()))?;
            Ok((text, path.display().to_string()))
        }
        None => {
            let text = if file == "units.txt" {
                EMBEDDED_UNITS
            } else {
                EMBEDDED_PLAN
            };
            Ok((text.to_owned(), format!("built-in seed {file}")))
        }
    }
}

/// Loads the seed's `units.txt` and imports its `plan.txt` (from `dir`, or the
/// built-in seed); both steps are idempotent.
pub async fn load_dir(
    client: &mut crate::commands::Registry,
    dir: Option<&Path>,
) -> anyhow::Result<Loaded> {
    let (units_text, units_path) = seed_file(dir, "units.txt")?;
    let units = seed::parse_units_file(&units_text)
        .map_err(|reason| anyhow::anyhow!("`{units_path}`: {reason}"))?;
    let report = seed::load(client, &units)
        .await
        .map_err(|status| status_error("loading seed units failed", status))?;
    tracing::info!(
        units_created = report.units_created,
        groups_created = report.groups_created,
        already_present = report.already_present,
        "seed units loaded"
    );

    let (text, _) = seed_file(dir, "plan.txt")?;
    let request = pb::ImportPlanRequest {
        text,
        validate_only: false,
        default_issuer: SEED_ISSUER.to_owned(),
    };
    let import = client
        .import_plan(request)
        .await
        .map_err(|status| status_error("importing the seed plan failed", status))?
        .into_inner();
    let office = match &units.office {
        Some(office) => Some(super::refs::unit(client, office).await?),
        None => None,
    };
    Ok(Loaded { import, office })
}

/// Addresses the escalation rule of each plan to the office (idempotent).
pub async fn address_escalations(
    reporting_url: &str,
    plans: &[pb::Plan],
    office: &str,
) -> anyhow::Result<()> {
    use duban_proto::reporting::v1 as rep;
    let mut reporting = super::reporting_client(reporting_url).await?;
    for plan in plans {
        let rules = reporting
            .list_reminder_rules(rep::ListReminderRulesRequest {
                parent: plan.name.clone(),
                // A plan has a handful of rules: one page holds them all.
                page_size: 1000,
                ..Default::default()
            })
            .await
            .map_err(|status| status_error("cannot read reminder rules", status))?
            .into_inner()
            .rules;
        let escalations = rules.into_iter().filter(|r| {
            r.event_type == duban_proto::events::v1::EventType::Escalation as i32
                && r.escalate_to != office
        });
        for rule in escalations {
            let request = rep::UpdateReminderRuleRequest {
                rule: Some(rep::ReminderRule {
                    escalate_to: office.to_owned(),
                    ..rule
                }),
                update_mask: Some(prost_types::FieldMask {
                    paths: vec!["escalate_to".to_owned()],
                }),
            };
            reporting
                .update_reminder_rule(request)
                .await
                .map_err(|status| status_error("cannot address escalations", status))?;
        }
    }
    Ok(())
}

/// Runs `duban seed`.
pub async fn run(ctx: &Ctx, args: SeedArgs) -> anyhow::Result<()> {
    let mut client = ctx.registry().await?;
    let progress = Progress::start("loading the seed");
    let loaded = load_dir(&mut client, args.dir.as_deref()).await?;
    if let (Some(reporting), Some(office)) = (ctx.given_reporting_url(), &loaded.office) {
        address_escalations(reporting, &loaded.import.plans, office).await?;
    }
    progress.finish("done");
    let response = loaded.import;
    let state = if response.already_imported {
        "was already imported"
    } else {
        "imported"
    };
    ctx.print(&response, || {
        format!(
            "seed plan {state}: {} plans, {} tasks",
            response.plans.len(),
            response.tasks.len()
        )
    })
}
