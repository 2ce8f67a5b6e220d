//! `duban rules list|get|update`: a plan's reminder rules (when the blue,
//! yellow and red reminders fire, and whom escalations reach).

use clap::{Subcommand, ValueEnum};
use duban_proto::{
    events::v1 as ev,
    reporting::v1::{self as pb, reminder_rule},
};

use super::{mask, refs, status_error};
use crate::{context::Ctx, names::Names};

/// The rules subcommands.
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List a plan's reminder rules, by offset from the due date.
    List {
        /// The plan, `plans/{plan}`.
        #[arg(long)]
        plan: String,
    },
    /// Show one rule.
    Get {
        /// The rule, `plans/{plan}/reminderRules/{rule}`.
        rule: String,
    },
    /// Change the fields given, leaving the others.
    Update {
        /// The rule, `plans/{plan}/reminderRules/{rule}`.
        rule: String,
        /// Days from the due date: negative before, 0 on the day (-60..60).
        #[arg(long, allow_hyphen_values = true)]
        offset_days: Option<i32>,
        /// How the offset counts: every day, or working days of the registry's
        /// calendar (`--offset-days 1 --day-count working`: the first working
        /// day after the due date).
        #[arg(long)]
        day_count: Option<DayCount>,
        /// Where a reminder goes when its day is not a working day: kept, or
        /// moved to the next or previous working day.
        #[arg(long)]
        on_non_working_day: Option<OnNonWorkingDay>,
        /// Hour of the firing day, China time (0-23).
        #[arg(long)]
        hour: Option<i32>,
        /// Minute of the firing hour (0-59).
        #[arg(long)]
        minute: Option<i32>,
        /// Whether the rule fires: `true` or `false`.
        #[arg(long)]
        enabled: Option<bool>,
        /// For an escalation: the unit told, `units/{id}` or a written form.
        #[arg(long)]
        escalate_to: Option<String>,
        /// Only if the rule still has this etag.
        #[arg(long, default_value = "")]
        etag: String,
    },
}

/// `--day-count`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DayCount {
    Calendar,
    Working,
}

/// `--on-non-working-day`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OnNonWorkingDay {
    Keep,
    Next,
    Previous,
}

impl DayCount {
    fn encode(self) -> reminder_rule::DayCount {
        match self {
            Self::Calendar => reminder_rule::DayCount::CalendarDays,
            Self::Working => reminder_rule::DayCount::WorkingDays,
        }
    }
}

impl OnNonWorkingDay {
    fn encode(self) -> reminder_rule::OnNonWorkingDay {
        match self {
            Self::Keep => reminder_rule::OnNonWorkingDay::Keep,
            Self::Next => reminder_rule::OnNonWorkingDay::NextWorkingDay,
            Self::Previous => reminder_rule::OnNonWorkingDay::PreviousWorkingDay,
        }
    }
}

/// Says how a rule counts its days (`d` or `working d`) and where a reminder on
/// a day off goes, in the words of the flags that set them.
fn calendar_words(rule: &pb::ReminderRule) -> (&'static str, &'static str) {
    use reminder_rule::{DayCount as Count, OnNonWorkingDay as Move};
    let unit = match Count::try_from(rule.day_count) {
        Ok(Count::WorkingDays) => "working d",
        _ => "d",
    };
    let moved = match Move::try_from(rule.on_non_working_day) {
        Ok(Move::NextWorkingDay) => "next",
        Ok(Move::PreviousWorkingDay) => "previous",
        _ => "keep",
    };
    (unit, moved)
}

async fn line(rule: &pb::ReminderRule, names: &mut Names) -> String {
    let kind = ev::EventType::try_from(rule.event_type)
        .map_or("?", |t| t.as_str_name())
        .trim_start_matches("EVENT_TYPE_");
    let to = if rule.escalate_to.is_empty() {
        String::new()
    } else {
        format!("\tto {}", names.unit(&rule.escalate_to).await)
    };
    let (unit, moved) = calendar_words(rule);
    format!(
        "{}\t{kind}\t{:+} {unit} {:02}:{:02}\tday off: {moved}\t{}{to}",
        rule.name,
        rule.offset_days,
        rule.hour,
        rule.minute,
        if rule.enabled { "enabled" } else { "disabled" }
    )
}

/// Runs `duban rules …`.
pub async fn run(ctx: &Ctx, command: RulesCommand) -> anyhow::Result<()> {
    let mut reporting = ctx.reporting().await?;
    let mut names = Names::new(if ctx.json() {
        None
    } else {
        ctx.registry().await.ok()
    });
    let rule = match command {
        RulesCommand::List { plan } => {
            let rules = super::all_pages(|page_token| {
                let mut reporting = reporting.clone();
                let parent = plan.clone();
                async move {
                    let page = reporting
                        .list_reminder_rules(pb::ListReminderRulesRequest {
                            parent,
                            page_size: 1000,
                            page_token,
                        })
                        .await
                        .map_err(|s| status_error("cannot list reminder rules", s))?
                        .into_inner();
                    Ok((page.rules, page.next_page_token))
                }
            })
            .await?;
            let mut lines = Vec::new();
            if !ctx.json() {
                for rule in &rules {
                    lines.push(line(rule, &mut names).await);
                }
            }
            return ctx.print_list(&rules, || lines.join("\n"));
        }
        RulesCommand::Get { rule } => reporting
            .get_reminder_rule(pb::GetReminderRuleRequest { name: rule.clone() })
            .await
            .map_err(|s| status_error(&format!("cannot get `{rule}`"), s))?
            .into_inner(),
        RulesCommand::Update {
            rule,
            offset_days,
            day_count,
            on_non_working_day,
            hour,
            minute,
            enabled,
            escalate_to,
            etag,
        } => {
            let escalate_to = match escalate_to {
                Some(unit) => Some(refs::unit(&mut ctx.registry().await?, &unit).await?),
                None => None,
            };
            let update_mask = mask(&[
                ("offset_days", offset_days.is_some()),
                ("hour", hour.is_some()),
                ("minute", minute.is_some()),
                ("enabled", enabled.is_some()),
                ("escalate_to", escalate_to.is_some()),
                ("day_count", day_count.is_some()),
                ("on_non_working_day", on_non_working_day.is_some()),
            ]);
            if update_mask.as_ref().is_some_and(|m| m.paths.is_empty()) {
                return Err(crate::error::usage(
                    "say what to change: --offset-days, --day-count, --on-non-working-day, \
                     --hour, --minute, --enabled or --escalate-to",
                ));
            }
            reporting
                .update_reminder_rule(pb::UpdateReminderRuleRequest {
                    rule: Some(pb::ReminderRule {
                        name: rule.clone(),
                        offset_days: offset_days.unwrap_or_default(),
                        hour: hour.unwrap_or_default(),
                        minute: minute.unwrap_or_default(),
                        enabled: enabled.unwrap_or_default(),
                        escalate_to: escalate_to.unwrap_or_default(),
                        day_count: day_count.map_or(0, |c| c.encode() as i32),
                        on_non_working_day: on_non_working_day.map_or(0, |m| m.encode() as i32),
                        etag,
                        ..Default::default()
                    }),
                    update_mask,
                })
                .await
                .map_err(|s| status_error(&format!("cannot update `{rule}`"), s))?
                .into_inner()
        }
    };
    let text = if ctx.json() {
        String::new()
    } else {
        line(&rule, &mut names).await
    };
    ctx.print(&rule, || text)
}
