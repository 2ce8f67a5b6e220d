#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{TimeZone, Utc};

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, EntityTrait, TransactionTrait};
use sea_orm_migration::{MigrationTrait, MigratorTrait};

use super::*;
use crate::{
    auth::{Principal, Role},
    test_util::{TestDatabase, backends},
};

struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(CreateAuditTrail::named("m0001_audit"))]
    }
}

async fn trail_with(records: usize, database: &TestDatabase) -> DatabaseConnection {
    let db = Database::connect(database.url.as_str()).await.unwrap();
    Migrator::up(&db, None).await.unwrap();
    for n in 0..records {
        let call = CallInfo {
            method: "duban.registry.v1.RegistryService/CreateUnit".into(),
            caller: Caller::Authenticated(Principal {
                subject: format!("admin-{n}"),
                roles: vec![Role::Admin],
                unit: None,
            }),
            ..CallInfo::internal()
        };
        call.clone()
            .scope(async {
                let txn = db.begin().await.unwrap();
                append(&txn, &format!("units/u{n}")).await.unwrap();
                txn.commit().await.unwrap();
            })
            .await;
        assert!(call.audit.state().1, "the call knows its record is written");
    }
    db
}

async fn broken_at(db: &DatabaseConnection) -> Option<(i64, Problem)> {
    verify(db)
        .await
        .unwrap()
        .first_break
        .map(|b| (b.sequence, b.problem))
}

#[tokio::test]
async fn an_untouched_chain_is_intact_and_names_its_head() {
    for backend in backends() {
        let database = TestDatabase::create(backend).await;
        let db = trail_with(5, &database).await;
        let verdict = verify(&db).await.unwrap();
        assert_eq!(verdict.first_break, None, "{backend:?}");
        assert_eq!(verdict.checked, 5);
        let (head, hash) = verdict.head.unwrap();
        assert_eq!(head, 5);
        assert_eq!(hash.len(), 64);
        let empty = TestDatabase::create(backend).await;
        let verdict = verify(&trail_with(0, &empty).await).await.unwrap();
        assert_eq!((verdict.checked, verdict.head), (0, None));
    }
}

#[tokio::test]
async fn an_altered_field_is_found_at_its_record() {
    for backend in backends() {
        let database = TestDatabase::create(backend).await;
        let db = trail_with(5, &database).await;
        db.execute_unprepared(
            "UPDATE audit_records SET principal = 'someone-else' WHERE sequence = 3",
        )
        .await
        .unwrap();
        assert_eq!(
            broken_at(&db).await,
            Some((3, Problem::Altered)),
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn a_removed_record_is_found_whether_or_not_the_rest_were_renumbered() {
    for backend in backends() {
        let database = TestDatabase::create(backend).await;
        let db = trail_with(5, &database).await;
        db.execute_unprepared("DELETE FROM audit_records WHERE sequence = 2")
            .await
            .unwrap();
        assert_eq!(
            broken_at(&db).await,
            Some((2, Problem::Missing)),
            "{backend:?}"
        );
        // Closing the gap leaves record 3 (now 2) linking to a record that is gone.
        for sequence in 3..=5 {
            db.execute_unprepared(&format!(
                "UPDATE audit_records SET sequence = {} WHERE sequence = {sequence}",
                sequence - 1
            ))
            .await
            .unwrap();
        }
        assert_eq!(
            broken_at(&db).await,
            Some((2, Problem::Missing)),
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn swapped_records_are_found_out_of_order() {
    for backend in backends() {
        let database = TestDatabase::create(backend).await;
        let db = trail_with(5, &database).await;
        for (from, to) in [(2, 100), (3, 2), (100, 3)] {
            db.execute_unprepared(&format!(
                "UPDATE audit_records SET sequence = {to} WHERE sequence = {from}"
            ))
            .await
            .unwrap();
        }
        assert_eq!(
            broken_at(&db).await,
            Some((2, Problem::OutOfOrder)),
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn a_rewritten_record_with_a_fresh_hash_breaks_the_next_link() {
    for backend in backends() {
        let database = TestDatabase::create(backend).await;
        let db = trail_with(4, &database).await;
        let forged = Entry {
            principal: "intruder".into(),
            unit: String::new(),
            method: "x".into(),
            resource: "units/u1".into(),
            request_id: "r".into(),
            outcome: "OK".into(),
            reason: String::new(),
        };
        let stored = |sequence: i64| {
            let db = &db;
            async move {
                entity::Entity::find_by_id(sequence)
                    .one(db)
                    .await
                    .unwrap()
                    .unwrap()
            }
        };
        let (first, second) = (stored(1).await, stored(2).await);
        let (time, previous) = (second.record_time, (first.hash,));
        let hash = chain_hash(time, &forged, &previous.0);
        db.execute_unprepared(&format!(
            "UPDATE audit_records SET principal = 'intruder', method = 'x', request_id = 'r', hash = '{hash}' WHERE sequence = 2"
        ))
        .await
        .unwrap();
        // Record 2 is self-consistent now; record 3 no longer follows it.
        assert_eq!(
            broken_at(&db).await,
            Some((3, Problem::Missing)),
            "{backend:?}"
        );
    }
}

#[test]
fn every_field_changes_the_hash_and_fields_cannot_trade_characters() {
    let time = Utc.with_ymd_and_hms(2019, 10, 1, 9, 0, 0).unwrap();
    let entry = Entry {
        principal: "ab".into(),
        unit: "c".into(),
        method: "m".into(),
        resource: "r".into(),
        request_id: "q".into(),
        outcome: "OK".into(),
        reason: String::new(),
    };
    let base = chain_hash(time, &entry, GENESIS_HASH);
    let shifted = Entry {
        principal: "a".into(),
        unit: "bc".into(),
        ..entry.clone()
    };
    assert_ne!(chain_hash(time, &shifted, GENESIS_HASH), base);
    assert_ne!(
        chain_hash(
            time + chrono::Duration::microseconds(1),
            &entry,
            GENESIS_HASH
        ),
        base
    );
    assert_ne!(chain_hash(time, &entry, &"1".repeat(64)), base);
}

#[test]
fn callers_are_named_by_subject_anonymous_or_system() {
    let internal = Entry::of_call(&CallInfo::internal(), "", Code::Ok, "");
    assert_eq!(internal.principal, "system");
    let anonymous = CallInfo {
        method: "duban.x.v1.X/Y".into(),
        ..CallInfo::internal()
    };
    let refused = Entry::of_call(
        &anonymous,
        "plans/p",
        Code::PermissionDenied,
        "NOT_YOUR_UNIT",
    );
    assert_eq!(
        (
            refused.principal.as_str(),
            refused.outcome.as_str(),
            refused.reason.as_str()
        ),
        ("anonymous", "PERMISSION_DENIED", "NOT_YOUR_UNIT")
    );
}
