//! Importing a plan from its published text: parse it, refuse a document with no
//! task, and write (or, validating only, preview) the plans, tasks and any units
//! and groups its written forms need.

use duban_plan_text as text;

use super::Context;
use crate::{
    error::RegistryError,
    import::{self, Outcome, mapping},
};

/// The most a document may hold (documented on ImportPlanRequest): larger
/// documents are refused before any work, so no import runs for long.
pub const MAX_DOCUMENT_BYTES: usize = 1 << 20;
pub const MAX_LINES: usize = 20_000;
pub const MAX_TASKS: usize = 10_000;
/// Warnings a reply carries; the rest are only counted.
pub const MAX_WARNINGS_RETURNED: usize = 100;

/// What an import did (or would do), with the parser's warnings.
#[derive(Debug, Clone)]
pub struct Imported {
    pub outcome: Outcome,
    /// The first `MAX_WARNINGS_RETURNED` lines the parser could not place; none
    /// when the document was imported before (nothing new was read from it).
    pub warnings: Vec<text::Warning>,
    /// How many warnings there were in all.
    pub warning_count: usize,
    /// The SHA-256 of the normalised text, which makes a re-import a no-op.
    pub source_hash: String,
}

/// Imports `document`, its issuer defaulting to `default_issuer`.
pub async fn import(
    context: &Context,
    document: &str,
    default_issuer: &str,
    validate_only: bool,
) -> Result<Imported, RegistryError> {
    let lines = document.lines().count();
    if lines > MAX_LINES {
        return Err(RegistryError::invalid(
            "text",
            format!(
                "has {lines} lines, more than the {MAX_LINES} one import reads; split the document"
            ),
        ));
    }
    let parsed = text::parse_plan(document);
    let task_count = parsed.tasks.len()
        + parsed
            .attachments
            .iter()
            .map(|a| a.tasks.len())
            .sum::<usize>();
    if task_count > MAX_TASKS {
        return Err(RegistryError::invalid(
            "text",
            format!(
                "has {task_count} tasks, more than the {MAX_TASKS} one import takes; split the document"
            ),
        ));
    }
    if task_count == 0 {
        return Err(RegistryError::invalid(
            "text",
            format!(
                "no numbered task found (looked for lines such as `1.建立领导小组。…(责任单位:…)` and responsibility tables); {} lines could not be placed",
                parsed.warnings.len()
            ),
        ));
    }
    let now = context.now().await?;
    let draft = mapping::draft(document, &parsed, default_issuer, now);
    let source_hash = draft.source_hash.clone();
    let warnings = draft.warnings.clone();
    let outcome = import::run(&context.db, draft, validate_only, now).await?;
    if !validate_only && !outcome.already_imported {
        // The import is committed whatever happens here: a failure only
        // leaves the statistics to autovacuum.
        if let Err(error) = crate::db::statistics::refresh_after_import(&context.db).await {
            tracing::warn!(%error, "planner statistics not refreshed after the import");
        }
    }
    tracing::info!(
        source_hash = %source_hash,
        plans = outcome.plans.len(),
        tasks = outcome.tasks.len(),
        already_imported = outcome.already_imported,
        validate_only,
        "plan import"
    );
    let (warnings, warning_count) = if outcome.already_imported {
        (Vec::new(), 0)
    } else {
        let count = warnings.len();
        let mut warnings = warnings;
        warnings.truncate(MAX_WARNINGS_RETURNED);
        (warnings, count)
    };
    Ok(Imported {
        outcome,
        warnings,
        warning_count,
        source_hash,
    })
}
