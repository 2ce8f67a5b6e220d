//! `duban groups list|get|create|update|delete|undelete`: unit groups such as
//! `各县(市、区)政府`, which stand for each of their members.

use clap::{Args, Subcommand};
use duban_proto::registry::v1 as pb;

use super::{Registry, all_pages, mask, refs, show_time, status_error};
use crate::{context::Ctx, names::Names};

/// The fields a group is written with, on create and update.
#[derive(Debug, Args)]
pub struct GroupFields {
    /// The written form, e.g. `各县(市、区)政府`.
    #[arg(long)]
    pub display_name: Option<String>,
    /// Another written form of the collective (repeatable; on update, replaces them all).
    #[arg(long = "alias")]
    pub aliases: Vec<String>,
    /// On update: remove every alias.
    #[arg(long, conflicts_with = "aliases")]
    pub no_aliases: bool,
    /// A member unit, `units/{id}` or a written form (repeatable; on update, replaces them all).
    #[arg(long = "member")]
    pub members: Vec<String>,
    /// On update: remove every member.
    #[arg(long, conflicts_with = "members")]
    pub no_members: bool,
    /// Who belongs to the group, in words.
    #[arg(long)]
    pub description: Option<String>,
}

/// The groups subcommands.
#[derive(Debug, Subcommand)]
pub enum GroupsCommand {
    /// List unit groups (every page).
    List {
        /// Only groups whose written forms contain this text.
        #[arg(long)]
        text: Option<String>,
        /// Only the groups this unit belongs to (`units/{id}` or a written form).
        #[arg(long)]
        member: Option<String>,
        /// A raw filter, ANDed with the above.
        #[arg(long)]
        filter: Option<String>,
        /// Also list deleted groups.
        #[arg(long)]
        show_deleted: bool,
    },
    /// Show a group and its members.
    Get {
        /// `unitGroups/{id}` or any written form (`各县(市、区)政府`).
        group: String,
    },
    /// Create a unit group.
    Create {
        #[command(flatten)]
        fields: GroupFields,
        /// The id, forming `unitGroups/{id}`; default: a UUID.
        #[arg(long, default_value = "")]
        id: String,
        /// A UUID that makes retrying safe.
        #[arg(long, default_value = "")]
        request_id: String,
    },
    /// Change the fields given, leaving the others.
    Update {
        /// `unitGroups/{id}` or any written form.
        group: String,
        #[command(flatten)]
        fields: GroupFields,
    },
    /// Delete a group (soft); refused while a live task names it.
    Delete {
        /// `unitGroups/{id}` or any written form.
        group: String,
        /// Only if the group still has this etag.
        #[arg(long, default_value = "")]
        etag: String,
    },
    /// Restore a deleted group.
    Undelete {
        /// `unitGroups/{id}`.
        group: String,
        /// Only if the deleted group still has this etag.
        #[arg(long, default_value = "")]
        etag: String,
    },
}

async fn block(group: &pb::UnitGroup, names: &mut Names) -> String {
    let mut out = format!("{} {}\n", group.name, group.display_name);
    if !group.aliases.is_empty() {
        out.push_str(&format!("  aliases: {}\n", group.aliases.join("、")));
    }
    let mut members = Vec::new();
    for member in &group.members {
        members.push(names.unit(member).await);
    }
    out.push_str(&format!(
        "  members ({}): {}\n",
        members.len(),
        members.join("、")
    ));
    if !group.description.is_empty() {
        out.push_str(&format!("  description: {}\n", group.description));
    }
    if group.delete_time.is_some() {
        out.push_str(&format!(
            "  deleted: {}\n",
            show_time(group.delete_time.as_ref())
        ));
    }
    out.push_str(&format!("  etag: {}\n", group.etag));
    out
}

async fn group_of(
    registry: &mut Registry,
    fields: GroupFields,
) -> anyhow::Result<(pb::UnitGroup, Option<prost_types::FieldMask>)> {
    let update_mask = mask(&[
        ("display_name", fields.display_name.is_some()),
        ("aliases", !fields.aliases.is_empty() || fields.no_aliases),
        ("members", !fields.members.is_empty() || fields.no_members),
        ("description", fields.description.is_some()),
    ]);
    let mut members = Vec::new();
    for member in &fields.members {
        members.push(refs::unit(registry, member).await?);
    }
    let group = pb::UnitGroup {
        display_name: fields.display_name.unwrap_or_default(),
        aliases: fields.aliases,
        members,
        description: fields.description.unwrap_or_default(),
        ..Default::default()
    };
    Ok((group, update_mask))
}

/// Runs `duban groups …`.
pub async fn run(ctx: &Ctx, command: GroupsCommand) -> anyhow::Result<()> {
    let mut registry = ctx.registry().await?;
    let mut names = Names::new(Some(registry.clone()));
    let done = match command {
        GroupsCommand::List {
            text,
            member,
            filter,
            show_deleted,
        } => {
            let mut terms: Vec<String> = filter.into_iter().collect();
            terms.extend(text.map(|t| format!("text={t:?}")));
            if let Some(member) = member {
                let unit = refs::unit(&mut registry, &member).await?;
                terms.push(format!("member={unit:?}"));
            }
            let filter = terms.join(" AND ");
            let groups = all_pages(|page_token| {
                let (mut registry, filter) = (registry.clone(), filter.clone());
                async move {
                    let page = registry
                        .list_unit_groups(pb::ListUnitGroupsRequest {
                            page_size: 1000,
                            page_token,
                            filter,
                            show_deleted,
                        })
                        .await
                        .map_err(|s| status_error("cannot list unit groups", s))?
                        .into_inner();
                    Ok((page.unit_groups, page.next_page_token))
                }
            })
            .await?;
            return ctx.print_list(&groups, || {
                groups
                    .iter()
                    .map(|g| {
                        let deleted = if g.delete_time.is_some() {
                            "\tdeleted"
                        } else {
                            ""
                        };
                        format!(
                            "{}\t{}\t{} members{deleted}",
                            g.name,
                            g.display_name,
                            g.members.len()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        GroupsCommand::Get { group } => {
            let name = refs::group(&mut registry, &group).await?;
            let found = registry
                .get_unit_group(pb::GetUnitGroupRequest { name: name.clone() })
                .await
                .map_err(|s| status_error(&format!("cannot get `{name}`"), s))?;
            ("", found.into_inner())
        }
        GroupsCommand::Create {
            fields,
            id,
            request_id,
        } => {
            let (group, _) = group_of(&mut registry, fields).await?;
            let created = registry
                .create_unit_group(pb::CreateUnitGroupRequest {
                    unit_group: Some(group),
                    unit_group_id: id,
                    request_id,
                })
                .await
                .map_err(|s| status_error("cannot create the unit group", s))?;
            ("created ", created.into_inner())
        }
        GroupsCommand::Update { group, fields } => {
            let name = refs::group(&mut registry, &group).await?;
            let (mut group, update_mask) = group_of(&mut registry, fields).await?;
            if update_mask.as_ref().is_some_and(|m| m.paths.is_empty()) {
                return Err(crate::error::usage(
                    "say what to change: --display-name, --alias, --member, --description (or --no-aliases, --no-members)",
                ));
            }
            group.name = name.clone();
            let updated = registry
                .update_unit_group(pb::UpdateUnitGroupRequest {
                    unit_group: Some(group),
                    update_mask,
                })
                .await
                .map_err(|s| status_error(&format!("cannot update `{name}`"), s))?;
            ("updated ", updated.into_inner())
        }
        GroupsCommand::Delete { group, etag } => {
            let name = refs::group(&mut registry, &group).await?;
            let deleted = registry
                .delete_unit_group(pb::DeleteUnitGroupRequest {
                    name: name.clone(),
                    etag,
                })
                .await
                .map_err(|s| status_error(&format!("cannot delete `{name}`"), s))?;
            ("deleted ", deleted.into_inner())
        }
        GroupsCommand::Undelete { group, etag } => {
            let restored = registry
                .undelete_unit_group(pb::UndeleteUnitGroupRequest {
                    name: group.clone(),
                    etag,
                })
                .await
                .map_err(|s| status_error(&format!("cannot undelete `{group}`"), s))?;
            ("restored ", restored.into_inner())
        }
    };
    let (verb, group) = done;
    let text = if ctx.json() {
        String::new()
    } else {
        format!("{verb}{}", block(&group, &mut names).await)
    };
    ctx.print(&group, || text)
}
