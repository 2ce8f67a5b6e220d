//! Walking a list method's pages in tests: every page from the first to the
//! one that names no next page, and the checks the byte-limited pages share.

use std::future::Future;

use duban_proto::{registry::v1 as registry, reporting::v1 as reporting};
use prost::Message;
use tonic::{Response, Status};

/// A list answer: how many items it holds and where the next page starts.
pub trait ListPage: Message + Sized {
    /// How many items the page holds.
    fn items(&self) -> usize;
    /// The token of the next page; empty on the last.
    fn next_page_token(&self) -> &str;
}

macro_rules! list_pages {
    ($($answer:ty => $items:ident),* $(,)?) => {$(
        impl ListPage for $answer {
            fn items(&self) -> usize {
                self.$items.len()
            }
            fn next_page_token(&self) -> &str {
                &self.next_page_token
            }
        }
    )*};
}

list_pages! {
    registry::ListUnitsResponse => units,
    registry::ListPlansResponse => plans,
    registry::ListTasksResponse => tasks,
    reporting::ListReportsResponse => reports,
    reporting::ListCoordinationItemsResponse => coordination_items,
    reporting::ListExtensionsResponse => extensions,
}

/// Every page `call` answers, from the first (asked with an empty token)
/// until one names no next page.
pub async fn walk<P, Fut>(mut call: impl FnMut(String) -> Fut) -> Vec<P>
where
    P: ListPage,
    Fut: Future<Output = Result<Response<P>, Status>>,
{
    let mut pages: Vec<P> = Vec::new();
    loop {
        let token = pages
            .last()
            .map(|page| page.next_page_token().to_owned())
            .unwrap_or_default();
        let page = call(token).await.unwrap().into_inner();
        let last = page.next_page_token().is_empty();
        pages.push(page);
        if last {
            return pages;
        }
    }
}

/// Checks that every page encodes to at most `limit` bytes and that the list
/// took more than one page; returns each page's item count.
pub fn assert_split_within<P: ListPage>(pages: &[P], limit: usize) -> Vec<usize> {
    for page in pages {
        assert!(page.encoded_len() <= limit, "{} bytes", page.encoded_len());
    }
    assert!(pages.len() >= 2, "{} pages", pages.len());
    pages.iter().map(ListPage::items).collect()
}
