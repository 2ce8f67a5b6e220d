//! `duban units list|get|resolve|create|update|delete|undelete`.

use clap::{Args, Subcommand, ValueEnum};
use duban_proto::registry::v1::{self as pb, resolve_unit_response::Target};

use super::{all_pages, mask, refs, show_time, status_error};
use crate::context::Ctx;

/// What kind of organisation a unit is.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Kind {
    CityDepartment,
    PartyDepartment,
    CountyGovernment,
    ManagementCommittee,
    VerticalAgency,
    StateEnterprise,
    Other,
}

impl Kind {
    fn proto(self) -> pb::UnitKind {
        match self {
            Kind::CityDepartment => pb::UnitKind::CityDepartment,
            Kind::PartyDepartment => pb::UnitKind::PartyDepartment,
            Kind::CountyGovernment => pb::UnitKind::CountyGovernment,
            Kind::ManagementCommittee => pb::UnitKind::ManagementCommittee,
            Kind::VerticalAgency => pb::UnitKind::VerticalAgency,
            Kind::StateEnterprise => pb::UnitKind::StateEnterprise,
            Kind::Other => pb::UnitKind::Other,
        }
    }
}

/// The fields a unit is written with, on create and update.
#[derive(Debug, Args)]
pub struct UnitFields {
    /// The short written form used in documents, e.g. `市发改委`.
    #[arg(long)]
    pub display_name: Option<String>,
    /// The full official name, e.g. `九江市发展和改革委员会`.
    #[arg(long)]
    pub full_name: Option<String>,
    /// Another written form of the unit (repeatable; on update, replaces them all).
    #[arg(long = "alias")]
    pub aliases: Vec<String>,
    /// On update: remove every alias.
    #[arg(long, conflicts_with = "aliases")]
    pub no_aliases: bool,
    /// What kind of organisation it is.
    #[arg(long, value_enum)]
    pub kind: Option<Kind>,
}

/// The units subcommands.
#[derive(Debug, Subcommand)]
pub enum UnitsCommand {
    /// List units (every page), in creation order.
    List {
        /// Only units whose written forms contain this text.
        #[arg(long)]
        text: Option<String>,
        /// Only units of this kind.
        #[arg(long, value_enum)]
        kind: Option<Kind>,
        /// A raw filter, ANDed with the above (`kind=COUNTY_GOVERNMENT`, `text="发改"`).
        #[arg(long)]
        filter: Option<String>,
        /// Also list deleted units.
        #[arg(long)]
        show_deleted: bool,
    },
    /// Show a unit, deleted or not.
    Get {
        /// `units/{id}` or any written form (`市发改委`).
        unit: String,
    },
    /// Say what a written form denotes: a unit or a unit group.
    Resolve {
        /// The written form, e.g. `九江市发展和改革委员会`.
        text: String,
    },
    /// Create a unit.
    Create {
        #[command(flatten)]
        fields: UnitFields,
        /// The id, forming `units/{id}` (lower-case letters, digits, `-`); default: a UUID.
        #[arg(long, default_value = "")]
        id: String,
        /// A UUID that makes retrying safe.
        #[arg(long, default_value = "")]
        request_id: String,
    },
    /// Change the fields given, leaving the others.
    Update {
        /// `units/{id}` or any written form.
        unit: String,
        #[command(flatten)]
        fields: UnitFields,
    },
    /// Delete a unit (soft: undelete restores it); refused while a live task or group names it.
    Delete {
        /// `units/{id}` or any written form.
        unit: String,
        /// Only if the unit still has this etag.
        #[arg(long, default_value = "")]
        etag: String,
    },
    /// Restore a deleted unit.
    Undelete {
        /// `units/{id}` (a deleted unit's written forms no longer resolve).
        unit: String,
        /// Only if the deleted unit still has this etag.
        #[arg(long, default_value = "")]
        etag: String,
    },
}

pub fn kind_name(kind: i32) -> &'static str {
    pb::UnitKind::try_from(kind)
        .map_or("?", |k| k.as_str_name())
        .trim_start_matches("UNIT_KIND_")
}

fn line(unit: &pb::Unit) -> String {
    let deleted = if unit.delete_time.is_some() {
        "\tdeleted"
    } else {
        ""
    };
    format!(
        "{}\t{}\t{}\t{}{deleted}",
        unit.name,
        unit.display_name,
        unit.full_name,
        kind_name(unit.kind)
    )
}

fn block(unit: &pb::Unit) -> String {
    let mut out = format!("{} {}\n", unit.name, unit.display_name);
    if !unit.full_name.is_empty() {
        out.push_str(&format!("  full name: {}\n", unit.full_name));
    }
    if !unit.aliases.is_empty() {
        out.push_str(&format!("  aliases: {}\n", unit.aliases.join("、")));
    }
    out.push_str(&format!("  kind: {}\n", kind_name(unit.kind)));
    if unit.delete_time.is_some() {
        out.push_str(&format!(
            "  deleted: {}\n",
            show_time(unit.delete_time.as_ref())
        ));
    }
    out.push_str(&format!("  etag: {}\n", unit.etag));
    out
}

fn unit_of(fields: UnitFields) -> (pb::Unit, Option<prost_types::FieldMask>) {
    let update_mask = mask(&[
        ("display_name", fields.display_name.is_some()),
        ("full_name", fields.full_name.is_some()),
        ("aliases", !fields.aliases.is_empty() || fields.no_aliases),
        ("kind", fields.kind.is_some()),
    ]);
    let unit = pb::Unit {
        display_name: fields.display_name.unwrap_or_default(),
        full_name: fields.full_name.unwrap_or_default(),
        aliases: fields.aliases,
        kind: fields.kind.map_or(0, |k| k.proto() as i32),
        ..Default::default()
    };
    (unit, update_mask)
}

/// Runs `duban units …`.
pub async fn run(ctx: &Ctx, command: UnitsCommand) -> anyhow::Result<()> {
    let mut registry = ctx.registry().await?;
    match command {
        UnitsCommand::List {
            text,
            kind,
            filter,
            show_deleted,
        } => {
            let mut terms: Vec<String> = filter.into_iter().collect();
            terms.extend(text.map(|t| format!("text={t:?}")));
            terms.extend(kind.map(|k| format!("kind={}", kind_name(k.proto() as i32))));
            let filter = terms.join(" AND ");
            let units = all_pages(|page_token| {
                let (mut registry, filter) = (registry.clone(), filter.clone());
                async move {
                    let page = registry
                        .list_units(pb::ListUnitsRequest {
                            page_size: 1000,
                            page_token,
                            filter,
                            show_deleted,
                        })
                        .await
                        .map_err(|s| status_error("cannot list units", s))?
                        .into_inner();
                    Ok((page.units, page.next_page_token))
                }
            })
            .await?;
            ctx.print_list(&units, || {
                units.iter().map(line).collect::<Vec<_>>().join("\n")
            })
        }
        UnitsCommand::Get { unit } => {
            let name = refs::unit(&mut registry, &unit).await?;
            let unit = registry
                .get_unit(pb::GetUnitRequest { name: name.clone() })
                .await
                .map_err(|s| status_error(&format!("cannot get `{name}`"), s))?
                .into_inner();
            ctx.print(&unit, || block(&unit))
        }
        UnitsCommand::Resolve { text } => {
            let resolved = registry
                .resolve_unit(pb::ResolveUnitRequest { text: text.clone() })
                .await
                .map_err(|s| status_error(&format!("cannot resolve `{text}`"), s))?
                .into_inner();
            ctx.print(&resolved, || match &resolved.target {
                Some(Target::Unit(u)) => format!("{text}: unit {} {}", u.name, u.display_name),
                Some(Target::UnitGroup(g)) => {
                    format!("{text}: unit group {} {}", g.name, g.display_name)
                }
                None => format!("{text}: nothing"),
            })
        }
        UnitsCommand::Create {
            fields,
            id,
            request_id,
        } => {
            let (unit, _) = unit_of(fields);
            let created = registry
                .create_unit(pb::CreateUnitRequest {
                    unit: Some(unit),
                    unit_id: id,
                    request_id,
                })
                .await
                .map_err(|s| status_error("cannot create the unit", s))?
                .into_inner();
            ctx.print(&created, || format!("created {}", block(&created)))
        }
        UnitsCommand::Update { unit, fields } => {
            let name = refs::unit(&mut registry, &unit).await?;
            let (mut unit, update_mask) = unit_of(fields);
            if update_mask.as_ref().is_some_and(|m| m.paths.is_empty()) {
                return Err(crate::error::usage(
                    "say what to change: --display-name, --full-name, --alias, --no-aliases or --kind",
                ));
            }
            unit.name = name.clone();
            let updated = registry
                .update_unit(pb::UpdateUnitRequest {
                    unit: Some(unit),
                    update_mask,
                })
                .await
                .map_err(|s| status_error(&format!("cannot update `{name}`"), s))?
                .into_inner();
            ctx.print(&updated, || format!("updated {}", block(&updated)))
        }
        UnitsCommand::Delete { unit, etag } => {
            let name = refs::unit(&mut registry, &unit).await?;
            let deleted = registry
                .delete_unit(pb::DeleteUnitRequest {
                    name: name.clone(),
                    etag,
                })
                .await
                .map_err(|s| status_error(&format!("cannot delete `{name}`"), s))?
                .into_inner();
            ctx.print(&deleted, || {
                format!("deleted {} {}", deleted.name, deleted.display_name)
            })
        }
        UnitsCommand::Undelete { unit, etag } => {
            let restored = registry
                .undelete_unit(pb::UndeleteUnitRequest {
                    name: unit.clone(),
                    etag,
                })
                .await
                .map_err(|s| status_error(&format!("cannot undelete `{unit}`"), s))?
                .into_inner();
            ctx.print(&restored, || {
                format!("restored {} {}", restored.name, restored.display_name)
            })
        }
    }
}
