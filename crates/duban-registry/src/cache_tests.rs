//! The read cache on each backend: a repeated read is a hit, any commit makes
//! the next read run again, and an answer read before a newer version was seen
//! is not kept.

use std::sync::atomic::{AtomicUsize, Ordering};

use duban_infra::{
    database::{self, Durability},
    test_util::{TestDatabase, backends},
};
use duban_proto::registry::v1 as pb;
use sea_orm::{DatabaseConnection, TransactionTrait};

use crate::{cache::ReadCache, db::migration::Migrator, error::RegistryError, service};

async fn connect(database: &TestDatabase) -> DatabaseConnection {
    let db = database::connect(&database.url, Durability::AllowWeak)
        .await
        .unwrap();
    database::migrate::<Migrator>(&db).await.unwrap();
    db
}

/// Reads `name` through `cache`, counting the reads that ran in `runs`, and
/// decodes the encoding the cache answers.
async fn read(
    cache: &ReadCache,
    db: &DatabaseConnection,
    name: &str,
    runs: &AtomicUsize,
) -> Result<pb::Unit, RegistryError> {
    let request = pb::GetUnitRequest { name: name.into() };
    cache
        .read(db, "get_unit", request, async |request| {
            runs.fetch_add(1, Ordering::Relaxed);
            Ok(pb::Unit {
                name: request.name,
                etag: runs.load(Ordering::Relaxed).to_string(),
                ..Default::default()
            })
        })
        .await
        .map(|answer| {
            answer
                .into_value()
                .expect("the cache answers a Unit's encoding")
        })
}

async fn commit_a_write(db: &DatabaseConnection) {
    let txn = db.begin().await.unwrap();
    service::commit_audited(txn, "units/x").await.unwrap();
}

#[tokio::test]
async fn repeated_reads_hit_until_a_commit() {
    for backend in backends() {
        eprintln!("-- on {backend:?}");
        let database = TestDatabase::create(backend).await;
        let db = connect(&database).await;
        let (cache, runs) = (ReadCache::default(), AtomicUsize::new(0));
        for _ in 0..3 {
            let unit = read(&cache, &db, "units/a", &runs).await.unwrap();
            assert_eq!(unit.etag, "1", "answered by the first read");
        }
        assert_eq!((cache.hits(), cache.misses()), (2, 1));
        read(&cache, &db, "units/b", &runs).await.unwrap();
        assert_eq!(
            runs.load(Ordering::Relaxed),
            2,
            "another request is another key"
        );

        commit_a_write(&db).await;
        let unit = read(&cache, &db, "units/a", &runs).await.unwrap();
        assert_eq!(unit.etag, "3", "a commit makes the next read run");
        read(&cache, &db, "units/a", &runs).await.unwrap();
        assert_eq!((cache.hits(), cache.misses()), (3, 3));
    }
}

#[tokio::test]
async fn an_answer_overtaken_by_a_write_is_not_kept() {
    let database = TestDatabase::create(backends()[0]).await;
    let db = connect(&database).await;
    let (cache, runs) = (ReadCache::default(), AtomicUsize::new(0));
    let request = pb::GetUnitRequest {
        name: "units/a".into(),
    };
    // The read runs at the version before the write; while it runs, the write
    // commits and another call sees the new version first.
    let stale = cache
        .read(&db, "get_unit", request, async |request| {
            commit_a_write(&db).await;
            read(&cache, &db, "units/other", &runs).await.unwrap();
            Ok(pb::Unit {
                name: request.name,
                etag: "stale".into(),
                ..Default::default()
            })
        })
        .await
        .unwrap()
        .into_value()
        .unwrap();
    assert_eq!(stale.etag, "stale");
    let fresh = read(&cache, &db, "units/a", &runs).await.unwrap();
    assert_ne!(fresh.etag, "stale", "never served after the write was seen");
}
