//! Exported files kept per plan, period and format with the table they were
//! rendered from: a later export whose table is the same (whatever its
//! instant) is served the same file instead of rendering it again, which
//! costs milliseconds for a workbook and seconds for a PDF.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use chrono::{DateTime, Utc};

use crate::{
    domain::summary::PeriodSummary,
    export::{Exported, Format},
};

/// Files larger than this are rendered for each export and not kept; the
/// memo empties when what it holds would pass `MAX_KEPT_BYTES`.
const MAX_FILE_BYTES: usize = 8 << 20;
const MAX_KEPT_BYTES: usize = 32 << 20;

/// A table and the file rendered from it.
struct Rendered {
    table: PeriodSummary,
    file: Arc<Exported>,
}

type Key = (String, String, Format);

/// Per process; clones share it.
#[derive(Clone, Default)]
pub struct RenderedFiles(Arc<Mutex<HashMap<Key, Rendered>>>);

impl std::fmt::Debug for RenderedFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RenderedFiles").finish_non_exhaustive()
    }
}

/// One instant for every kept table, so that tables compare by what they
/// show.
fn without_instant(mut table: PeriodSummary) -> PeriodSummary {
    table.as_of = DateTime::<Utc>::UNIX_EPOCH;
    table
}

impl RenderedFiles {
    /// Returns the file of `table` in `format`: the kept one if it was
    /// rendered from an equal table, or else `render(&table)`, kept.
    pub fn get_or_render(
        &self,
        format: Format,
        table: PeriodSummary,
        render: impl FnOnce(&PeriodSummary) -> anyhow::Result<Exported>,
    ) -> anyhow::Result<Arc<Exported>> {
        let key = (table.plan_id.clone(), table.window.label.clone(), format);
        let table = without_instant(table);
        {
            let kept = self.0.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(rendered) = kept.get(&key)
                && rendered.table == table
            {
                metrics::counter!("duban_exports_reused_total").increment(1);
                return Ok(Arc::clone(&rendered.file));
            }
        }
        let file = Arc::new(render(&table)?);
        let bytes = file.content.len();
        if bytes <= MAX_FILE_BYTES {
            let mut kept = self.0.lock().unwrap_or_else(|e| e.into_inner());
            let held: usize = kept.values().map(|r| r.file.content.len()).sum();
            if held + bytes > MAX_KEPT_BYTES {
                kept.clear();
            }
            let file = Arc::clone(&file);
            kept.insert(key, Rendered { table, file });
        }
        Ok(file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::tests::seed_summary;

    fn render_counted(
        count: &std::sync::atomic::AtomicUsize,
    ) -> impl FnOnce(&PeriodSummary) -> anyhow::Result<Exported> + '_ {
        move |table| {
            count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            crate::export::render(table, Format::Csv)
        }
    }

    #[test]
    fn a_file_is_rendered_again_only_when_its_table_changed() {
        let files = RenderedFiles::default();
        let renders = std::sync::atomic::AtomicUsize::new(0);
        let table = seed_summary();
        let first = files
            .get_or_render(Format::Csv, table.clone(), render_counted(&renders))
            .unwrap();
        let mut later = table.clone();
        later.as_of += chrono::Duration::hours(1);
        let again = files
            .get_or_render(Format::Csv, later, render_counted(&renders))
            .unwrap();
        assert!(Arc::ptr_eq(&first, &again), "only the instant moved");
        let mut changed = table.clone();
        changed.rows[0].progress = "已开工".into();
        let rerendered = files
            .get_or_render(Format::Csv, changed, render_counted(&renders))
            .unwrap();
        assert!(!Arc::ptr_eq(&first, &rerendered));
        assert_ne!(first.content, rerendered.content);
        let other_format = files
            .get_or_render(Format::Markdown, table, |t| {
                crate::export::render(t, Format::Markdown)
            })
            .unwrap();
        assert_eq!(other_format.content_type, "text/markdown; charset=utf-8");
        assert_eq!(renders.load(std::sync::atomic::Ordering::SeqCst), 2);
    }

    #[test]
    fn what_a_file_says_does_not_depend_on_the_tables_instant() {
        let table = seed_summary();
        let mut later = table.clone();
        later.as_of += chrono::Duration::days(30);
        for format in [Format::Csv, Format::Markdown] {
            assert_eq!(
                crate::export::render(&table, format).unwrap(),
                crate::export::render(&later, format).unwrap()
            );
        }
    }
}
