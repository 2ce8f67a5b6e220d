//! The registry's operations on a real (in-memory SQLite) database with a fixed
//! clock, no server: partial updates, numbering under concurrency, and who must
//! report in a period.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use duban_infra::{
    api::{FieldViolations, PageRequest},
    call::CallInfo,
    clock::Clock,
    database::{self, Durability},
    test_util::TestDatabase,
};

use super::{
    Context,
    obligations::{ObligationQuery, list as obligations},
    plans, tasks, units,
    units::{UnitField, UnitUpdate},
};
use crate::{
    db::migration::Migrator,
    domain::{
        Assignee, Assignment, Cadence, Deadline, DeadlineKind, Plan, Role, Task, Unit, UnitGroup,
        UnitKind, names,
    },
    error::RegistryError,
};

fn fixed_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2019, 7, 1, 2, 0, 0).unwrap()
}

async fn context() -> Context {
    let db = database::connect("sqlite::memory:", Durability::AllowWeak)
        .await
        .unwrap();
    database::migrate::<Migrator>(&db).await.unwrap();
    Context::new(db, Clock::Fixed(fixed_now()), CallInfo::internal())
}

pub(super) fn unit(id: &str, display_name: &str) -> Unit {
    Unit {
        id: id.into(),
        display_name: display_name.into(),
        full_name: String::new(),
        aliases: Vec::new(),
        kind: UnitKind::CountyGovernment,
        revision: 1,
        create_time: DateTime::UNIX_EPOCH,
        update_time: DateTime::UNIX_EPOCH,
        delete_time: None,
    }
}

pub(super) fn plan(id: &str) -> Plan {
    Plan {
        id: id.into(),
        title: "行动方案".into(),
        issuer: "九江市人民政府".into(),
        issue_date: NaiveDate::from_ymd_opt(2019, 6, 19),
        start_date: None,
        end_date: None,
        addressees: Vec::new(),
        intro: String::new(),
        sections: Vec::new(),
        cadence: Cadence::Quarterly,
        parent_plan_id: None,
        source_hash: None,
        revision: 1,
        create_time: DateTime::UNIX_EPOCH,
        update_time: DateTime::UNIX_EPOCH,
        delete_time: None,
    }
}

pub(super) fn task(
    plan_id: &str,
    number: i32,
    assignments: Vec<Assignment>,
    deadline: Deadline,
) -> Task {
    Task {
        plan_id: plan_id.into(),
        id: names::new_id(),
        number,
        label: String::new(),
        title: format!("任务{number}"),
        description: String::new(),
        section: 0,
        assignments,
        deadline,
        indicators: Vec::new(),
        revision: 1,
        create_time: DateTime::UNIX_EPOCH,
        update_time: DateTime::UNIX_EPOCH,
        delete_time: None,
    }
}

pub(super) fn assign(assignee: Assignee, role: Role) -> Assignment {
    Assignment {
        assignee,
        role,
        note: String::new(),
    }
}

/// Creates the units `ndrc`, `wuning` and `xiushui`, the group `counties`
/// of the last two, and the plan `p1`.
pub(super) async fn three_units_counties_and_a_plan(context: &Context) {
    for (id, name) in [
        ("ndrc", "市发改委"),
        ("wuning", "武宁县政府"),
        ("xiushui", "修水县政府"),
    ] {
        units::create(context, unit(id, name), None).await.unwrap();
    }
    super::groups::create(context, counties(), None)
        .await
        .unwrap();
    plans::create(context, plan("p1"), None).await.unwrap();
}

/// The group `counties` of `wuning` and `xiushui`.
pub(super) fn counties() -> UnitGroup {
    UnitGroup {
        id: "counties".into(),
        display_name: "各县(市、区)政府".into(),
        aliases: Vec::new(),
        members: vec!["wuning".into(), "xiushui".into()],
        description: String::new(),
        revision: 1,
        create_time: DateTime::UNIX_EPOCH,
        update_time: DateTime::UNIX_EPOCH,
        delete_time: None,
    }
}

/// A context on a migrated test database of either backend, with the same
/// fixed clock as [`context`].
pub(super) async fn context_on(database: &TestDatabase) -> Context {
    let db = database::connect(&database.url, Durability::AllowWeak)
        .await
        .unwrap();
    database::migrate::<Migrator>(&db).await.unwrap();
    Context::new(db, Clock::Fixed(fixed_now()), CallInfo::internal())
}

pub(super) fn first_page() -> PageRequest {
    PageRequest::parse(0, "", "test", &mut FieldViolations::new())
}

#[tokio::test]
async fn creates_take_their_time_from_the_injected_clock() {
    let context = context().await;
    let created = units::create(&context, unit("wuning", "武宁县政府"), None)
        .await
        .unwrap();
    assert_eq!(
        (created.create_time, created.update_time),
        (fixed_now(), fixed_now())
    );
}

#[tokio::test]
async fn an_update_changes_only_the_named_fields() {
    let context = context().await;
    units::create(&context, unit("wuning", "武宁县政府"), None)
        .await
        .unwrap();
    let mut patch = unit("wuning", "");
    patch.full_name = "武宁县人民政府".into();
    let updated = units::update(
        &context,
        UnitUpdate {
            id: "wuning".into(),
            fields: vec![UnitField::FullName],
            patch,
            etag: "1".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(updated.display_name, "武宁县政府");
    assert_eq!(updated.full_name, "武宁县人民政府");
    assert_eq!(updated.revision, 2);
    let stale = units::update(
        &context,
        UnitUpdate {
            id: "wuning".into(),
            fields: vec![UnitField::FullName],
            patch: unit("wuning", ""),
            etag: "1".into(),
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(stale, RegistryError::Aborted(_)), "{stale:?}");
}

#[tokio::test]
async fn tasks_created_together_without_numbers_all_get_distinct_ones() {
    let context = context().await;
    plans::create(&context, plan("p1"), None).await.unwrap();
    let mut creates = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let context = context.clone();
        creates.spawn(async move {
            tasks::create(&context, task("p1", 0, Vec::new(), Deadline::none()), None).await
        });
    }
    let mut numbers: Vec<i32> = creates
        .join_all()
        .await
        .into_iter()
        .map(|created| created.unwrap().number)
        .collect();
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=8).collect::<Vec<_>>());
}

#[tokio::test]
async fn obligations_expand_groups_and_end_with_the_deadline_period() {
    let context = context().await;
    three_units_counties_and_a_plan(&context).await;
    let deadline = Deadline {
        kind: DeadlineKind::Date(NaiveDate::from_ymd_opt(2019, 12, 31).unwrap()),
        text: "2019年12月31日".into(),
    };
    let assignments = vec![
        assign(Assignee::Unit("ndrc".into()), Role::Lead),
        assign(Assignee::Group("counties".into()), Role::Responsible),
    ];
    tasks::create(&context, task("p1", 5, assignments, deadline), None)
        .await
        .unwrap();
    let query = |period: &str| ObligationQuery {
        plan_id: "p1".into(),
        period: period.into(),
        task_id: None,
        unit_id: None,
        include_participating: false,
        page: first_page(),
    };
    let page = obligations(&context, query("2019-Q3")).await.unwrap();
    let duties: Vec<(&str, Role, Option<&str>)> = page
        .duties
        .iter()
        .map(|d| (d.unit_id.as_str(), d.role, d.group_id.as_deref()))
        .collect();
    assert_eq!(
        duties,
        [
            ("ndrc", Role::Lead, None),
            ("wuning", Role::Responsible, Some("counties")),
            ("xiushui", Role::Responsible, Some("counties")),
        ]
    );
    assert!(
        obligations(&context, query("2020-Q1"))
            .await
            .unwrap()
            .duties
            .is_empty()
    );
    let wrong_cadence = obligations(&context, query("2019-M07")).await.unwrap_err();
    assert!(
        matches!(wrong_cadence, RegistryError::InvalidArgument(_)),
        "{wrong_cadence:?}"
    );
}

/// The statements a narrowed ListObligations issues on a plan of `tasks` tasks,
/// and the duties it returns.
async fn narrowed_obligation_cost(
    backend: duban_infra::test_util::Backend,
    tasks: i32,
) -> (usize, Vec<(String, Role)>) {
    use std::sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    };
    let database = duban_infra::test_util::TestDatabase::create(backend).await;
    let mut db = database::connect(&database.url, Durability::AllowWeak)
        .await
        .unwrap();
    database::migrate::<Migrator>(&db).await.unwrap();
    let statements = Arc::new(AtomicUsize::new(0));
    let counter = statements.clone();
    db.set_metric_callback(move |_| {
        counter.fetch_add(1, Ordering::Relaxed);
    });
    let context = Context::new(db, Clock::Fixed(fixed_now()), CallInfo::internal());
    units::create(&context, unit("ndrc", "市发改委"), None)
        .await
        .unwrap();
    units::create(&context, unit("wuning", "武宁县政府"), None)
        .await
        .unwrap();
    plans::create(&context, plan("p1"), None).await.unwrap();
    let all: Vec<Task> = (1..=tasks)
        .map(|number| {
            task(
                "p1",
                number,
                vec![
                    assign(Assignee::Unit("ndrc".into()), Role::Lead),
                    assign(Assignee::Unit("wuning".into()), Role::Responsible),
                ],
                Deadline {
                    kind: DeadlineKind::None,
                    text: String::new(),
                },
            )
        })
        .collect();
    crate::db::tasks::insert_new_plan_tasks(&context.db, "p1", &all)
        .await
        .unwrap();
    let last = all.last().unwrap().id.clone();
    statements.store(0, Ordering::Relaxed);
    let page = obligations(
        &context,
        ObligationQuery {
            plan_id: "p1".into(),
            period: "2019-Q3".into(),
            task_id: Some(last),
            unit_id: Some("wuning".into()),
            include_participating: false,
            page: first_page(),
        },
    )
    .await
    .unwrap();
    let duties = page
        .duties
        .into_iter()
        .map(|d| (d.unit_id, d.role))
        .collect();
    (statements.load(Ordering::Relaxed), duties)
}

#[tokio::test]
async fn narrowed_obligations_cost_the_same_on_any_plan_size() {
    for backend in duban_infra::test_util::backends() {
        eprintln!("-- on {backend:?}");
        let (small, small_duties) = narrowed_obligation_cost(backend, 3).await;
        // More tasks than a chunk of the unnarrowed listing, several times over.
        let (large, large_duties) = narrowed_obligation_cost(backend, 2_000).await;
        let expected = vec![("wuning".to_owned(), Role::Responsible)];
        assert_eq!((small_duties, large_duties), (expected.clone(), expected));
        assert_eq!(small, large, "statements on a plan of 3 and of 2,000 tasks");
        // The plan, the task, its assignments, the units' liveness.
        assert!(small <= 4, "{small} statements for one task and unit");
    }
}
