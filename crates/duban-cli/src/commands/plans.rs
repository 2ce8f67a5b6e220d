//! `duban plans list|get|create|update|delete|undelete`.

use clap::{Args, Subcommand, ValueEnum};
use duban_proto::registry::v1 as pb;

use super::{all_pages, civil_date, mask, show_date, show_time, status_error};
use crate::context::Ctx;

/// How often units report on a plan's tasks.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Cadence {
    Monthly,
    Quarterly,
    HalfYearly,
    Yearly,
}

impl Cadence {
    pub fn proto(self) -> pb::ReportingCadence {
        match self {
            Cadence::Monthly => pb::ReportingCadence::Monthly,
            Cadence::Quarterly => pb::ReportingCadence::Quarterly,
            Cadence::HalfYearly => pb::ReportingCadence::HalfYearly,
            Cadence::Yearly => pb::ReportingCadence::Yearly,
        }
    }
}

/// The fields a plan is written with, on create and update.
#[derive(Debug, Args)]
pub struct PlanFields {
    /// The plan's title.
    #[arg(long)]
    pub title: Option<String>,
    /// The issuing body, e.g. `九江市人民政府`.
    #[arg(long)]
    pub issuer: Option<String>,
    /// The date it was issued, YYYY-MM-DD.
    #[arg(long)]
    pub issue_date: Option<String>,
    /// The first day units report from, YYYY-MM-DD (default: the issue date).
    #[arg(long)]
    pub start_date: Option<String>,
    /// The last day the plan is active, YYYY-MM-DD.
    #[arg(long)]
    pub end_date: Option<String>,
    /// A written form the plan is addressed to (repeatable; on update, replaces them all).
    #[arg(long = "addressee")]
    pub addressees: Vec<String>,
    /// The plan's preamble.
    #[arg(long)]
    pub intro: Option<String>,
    /// A section title, in order, numbered 一、二、… (repeatable; on update, replaces them all).
    #[arg(long = "section")]
    pub sections: Vec<String>,
    /// How often units report (default: quarterly).
    #[arg(long, value_enum)]
    pub cadence: Option<Cadence>,
}

/// The plans subcommands.
#[derive(Debug, Subcommand)]
pub enum PlansCommand {
    /// List plans (every page).
    List {
        /// Only plans whose titles contain this text.
        #[arg(long)]
        text: Option<String>,
        /// Only the attachments of this plan, `plans/{id}`.
        #[arg(long)]
        parent_plan: Option<String>,
        /// A raw filter, ANDed with the above.
        #[arg(long)]
        filter: Option<String>,
        /// Also list deleted plans.
        #[arg(long)]
        show_deleted: bool,
    },
    /// Show a plan with its sections.
    Get {
        /// `plans/{id}`.
        plan: String,
    },
    /// Create a plan (to import one from its published text, use `duban import`).
    Create {
        #[command(flatten)]
        fields: PlanFields,
        /// For an attachment: the main plan, `plans/{id}`.
        #[arg(long, default_value = "")]
        parent_plan: String,
        /// The id, forming `plans/{id}`; default: a UUID.
        #[arg(long, default_value = "")]
        id: String,
        /// A UUID that makes retrying safe.
        #[arg(long, default_value = "")]
        request_id: String,
    },
    /// Change the fields given, leaving the others.
    Update {
        /// `plans/{id}`.
        plan: String,
        #[command(flatten)]
        fields: PlanFields,
    },
    /// Delete a plan and its tasks (soft); refused while it has live attachments unless --force.
    Delete {
        /// `plans/{id}`.
        plan: String,
        /// Only if the plan still has this etag.
        #[arg(long, default_value = "")]
        etag: String,
        /// Also delete its live attachment plans.
        #[arg(long)]
        force: bool,
    },
    /// Restore a deleted plan with the tasks its deletion took.
    Undelete {
        /// `plans/{id}`.
        plan: String,
        /// Only if the deleted plan still has this etag.
        #[arg(long, default_value = "")]
        etag: String,
    },
}

pub fn cadence_name(cadence: i32) -> &'static str {
    match pb::ReportingCadence::try_from(cadence) {
        Ok(pb::ReportingCadence::Monthly) => "monthly",
        Ok(pb::ReportingCadence::HalfYearly) => "half-yearly",
        Ok(pb::ReportingCadence::Yearly) => "yearly",
        _ => "quarterly",
    }
}

fn numeral(n: usize) -> String {
    const DIGITS: [&str; 10] = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        1..=9 => DIGITS[n].to_owned(),
        10 => "十".to_owned(),
        11..=19 => format!("十{}", DIGITS[n - 10]),
        20..=99 => format!("{}十{}", DIGITS[n / 10], DIGITS[n % 10]),
        _ => n.to_string(),
    }
}

fn line(plan: &pb::Plan) -> String {
    let attachment = if plan.parent_plan.is_empty() {
        String::new()
    } else {
        format!("\tattachment of {}", plan.parent_plan)
    };
    let deleted = if plan.delete_time.is_some() {
        "\tdeleted"
    } else {
        ""
    };
    format!(
        "{}\t{}\t{}\t{}{attachment}{deleted}",
        plan.name,
        plan.title,
        plan.issuer,
        cadence_name(plan.reporting_cadence)
    )
}

fn block(plan: &pb::Plan) -> String {
    let mut out = format!("{} {}\n", plan.name, plan.title);
    let mut add = |label: &str, value: String| {
        if !value.is_empty() {
            out.push_str(&format!("  {label}: {value}\n"));
        }
    };
    add("issuer", plan.issuer.clone());
    add("issued", show_date(plan.issue_date.as_ref()));
    add("reports from", show_date(plan.start_date.as_ref()));
    add("ends", show_date(plan.end_date.as_ref()));
    add("reporting", cadence_name(plan.reporting_cadence).to_owned());
    add("attachment of", plan.parent_plan.clone());
    add("addressed to", plan.addressees.join("、"));
    add("deleted", show_time(plan.delete_time.as_ref()));
    add("etag", plan.etag.clone());
    for section in &plan.sections {
        out.push_str(&format!("  {}、{}\n", section.numeral, section.title));
    }
    out
}

fn plan_of(fields: PlanFields) -> anyhow::Result<(pb::Plan, Option<prost_types::FieldMask>)> {
    let update_mask = mask(&[
        ("title", fields.title.is_some()),
        ("issuer", fields.issuer.is_some()),
        ("issue_date", fields.issue_date.is_some()),
        ("start_date", fields.start_date.is_some()),
        ("end_date", fields.end_date.is_some()),
        ("addressees", !fields.addressees.is_empty()),
        ("intro", fields.intro.is_some()),
        ("sections", !fields.sections.is_empty()),
        ("reporting_cadence", fields.cadence.is_some()),
    ]);
    let date = |d: &Option<String>| d.as_deref().map(civil_date).transpose();
    let plan = pb::Plan {
        title: fields.title.clone().unwrap_or_default(),
        issuer: fields.issuer.clone().unwrap_or_default(),
        issue_date: date(&fields.issue_date)?,
        start_date: date(&fields.start_date)?,
        end_date: date(&fields.end_date)?,
        addressees: fields.addressees,
        intro: fields.intro.unwrap_or_default(),
        sections: fields
            .sections
            .iter()
            .enumerate()
            .map(|(i, title)| pb::Section {
                number: i32::try_from(i + 1).unwrap_or(i32::MAX),
                numeral: numeral(i + 1),
                title: title.clone(),
            })
            .collect(),
        reporting_cadence: fields.cadence.map_or(0, |c| c.proto() as i32),
        ..Default::default()
    };
    Ok((plan, update_mask))
}

/// Runs `duban plans …`.
pub async fn run(ctx: &Ctx, command: PlansCommand) -> anyhow::Result<()> {
    let mut registry = ctx.registry().await?;
    let (verb, plan) = match command {
        PlansCommand::List {
            text,
            parent_plan,
            filter,
            show_deleted,
        } => {
            let mut terms: Vec<String> = filter.into_iter().collect();
            terms.extend(text.map(|t| format!("text={t:?}")));
            terms.extend(parent_plan.map(|p| format!("parent_plan={p:?}")));
            let filter = terms.join(" AND ");
            let plans = all_pages(|page_token| {
                let (mut registry, filter) = (registry.clone(), filter.clone());
                async move {
                    let page = registry
                        .list_plans(pb::ListPlansRequest {
                            page_size: 1000,
                            page_token,
                            filter,
                            show_deleted,
                        })
                        .await
                        .map_err(|s| status_error("cannot list plans", s))?
                        .into_inner();
                    Ok((page.plans, page.next_page_token))
                }
            })
            .await?;
            return ctx.print_list(&plans, || {
                plans.iter().map(line).collect::<Vec<_>>().join("\n")
            });
        }
        PlansCommand::Get { plan } => {
            let found = registry
                .get_plan(pb::GetPlanRequest { name: plan.clone() })
                .await
                .map_err(|s| status_error(&format!("cannot get `{plan}`"), s))?;
            ("", found.into_inner())
        }
        PlansCommand::Create {
            fields,
            parent_plan,
            id,
            request_id,
        } => {
            let (mut plan, _) = plan_of(fields)?;
            plan.parent_plan = parent_plan;
            let created = registry
                .create_plan(pb::CreatePlanRequest {
                    plan: Some(plan),
                    plan_id: id,
                    request_id,
                })
                .await
                .map_err(|s| status_error("cannot create the plan", s))?;
            ("created ", created.into_inner())
        }
        PlansCommand::Update { plan, fields } => {
            let (mut changed, update_mask) = plan_of(fields)?;
            if update_mask.as_ref().is_some_and(|m| m.paths.is_empty()) {
                return Err(crate::error::usage(
                    "say what to change: --title, --issuer, --issue-date, --start-date, --end-date, --addressee, --intro, --section or --cadence",
                ));
            }
            changed.name = plan.clone();
            let updated = registry
                .update_plan(pb::UpdatePlanRequest {
                    plan: Some(changed),
                    update_mask,
                })
                .await
                .map_err(|s| status_error(&format!("cannot update `{plan}`"), s))?;
            ("updated ", updated.into_inner())
        }
        PlansCommand::Delete { plan, etag, force } => {
            let deleted = registry
                .delete_plan(pb::DeletePlanRequest {
                    name: plan.clone(),
                    etag,
                    force,
                })
                .await
                .map_err(|s| status_error(&format!("cannot delete `{plan}`"), s))?;
            ("deleted ", deleted.into_inner())
        }
        PlansCommand::Undelete { plan, etag } => {
            let restored = registry
                .undelete_plan(pb::UndeletePlanRequest {
                    name: plan.clone(),
                    etag,
                })
                .await
                .map_err(|s| status_error(&format!("cannot undelete `{plan}`"), s))?;
            ("restored ", restored.into_inner())
        }
    };
    ctx.print(&plan, || format!("{verb}{}", block(&plan)))
}
