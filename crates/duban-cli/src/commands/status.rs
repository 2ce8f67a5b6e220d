//! `duban status-rules get|set`: the rules that colour a plan's slots (红黄绿).

use clap::Subcommand;
use duban_proto::reporting::v1 as pb;

use super::{mask, status_error};
use crate::context::Ctx;

/// The status-rules subcommands.
#[derive(Debug, Subcommand)]
pub enum StatusRulesCommand {
    /// Show a plan's colour rules (the defaults until changed).
    Get {
        /// The plan, `plans/{plan}`.
        #[arg(long)]
        plan: String,
    },
    /// Change the rules given, leaving the others.
    Set {
        /// The plan, `plans/{plan}`.
        #[arg(long)]
        plan: String,
        /// Yellow from this many days before the due time (0-90; 0: never).
        #[arg(long)]
        yellow_within_days: Option<i32>,
        /// Whether a returned report is yellow until due: `true` or `false`.
        #[arg(long)]
        yellow_on_returned: Option<bool>,
        /// Whether a late report is yellow: `true` or `false`.
        #[arg(long)]
        yellow_on_late: Option<bool>,
        /// Whether an overdue coordination item turns the slot red.
        #[arg(long)]
        red_on_overdue_item: Option<bool>,
        /// Only if the rules still have this etag.
        #[arg(long, default_value = "")]
        etag: String,
    },
}

fn text(rules: &pb::StatusRules) -> String {
    format!(
        "{}\tyellow within {} days\treturned yellow: {}\tlate yellow: {}\toverdue item red: {}\tetag {}",
        rules.name,
        rules.yellow_within_days,
        rules.yellow_on_returned,
        rules.yellow_on_late,
        rules.red_on_overdue_item,
        rules.etag
    )
}

/// Runs `duban status-rules …`.
pub async fn run(ctx: &Ctx, command: StatusRulesCommand) -> anyhow::Result<()> {
    let mut reporting = ctx.reporting().await?;
    let rules = match command {
        StatusRulesCommand::Get { plan } => reporting
            .get_status_rules(pb::GetStatusRulesRequest {
                name: format!("{plan}/statusRules"),
            })
            .await
            .map_err(|s| status_error(&format!("cannot read the status rules of `{plan}`"), s))?
            .into_inner(),
        StatusRulesCommand::Set {
            plan,
            yellow_within_days,
            yellow_on_returned,
            yellow_on_late,
            red_on_overdue_item,
            etag,
        } => {
            let update_mask = mask(&[
                ("yellow_within_days", yellow_within_days.is_some()),
                ("yellow_on_returned", yellow_on_returned.is_some()),
                ("yellow_on_late", yellow_on_late.is_some()),
                ("red_on_overdue_item", red_on_overdue_item.is_some()),
            ]);
            if update_mask.as_ref().is_some_and(|m| m.paths.is_empty()) {
                return Err(crate::error::usage(
                    "say what to change: --yellow-within-days, --yellow-on-returned, --yellow-on-late or --red-on-overdue-item",
                ));
            }
            reporting
                .update_status_rules(pb::UpdateStatusRulesRequest {
                    status_rules: Some(pb::StatusRules {
                        name: format!("{plan}/statusRules"),
                        yellow_within_days: yellow_within_days.unwrap_or_default(),
                        yellow_on_returned: yellow_on_returned.unwrap_or_default(),
                        yellow_on_late: yellow_on_late.unwrap_or_default(),
                        red_on_overdue_item: red_on_overdue_item.unwrap_or_default(),
                        etag,
                        ..Default::default()
                    }),
                    update_mask,
                })
                .await
                .map_err(|s| {
                    status_error(&format!("cannot change the status rules of `{plan}`"), s)
                })?
                .into_inner()
        }
    };
    ctx.print(&rules, || text(&rules))
}
