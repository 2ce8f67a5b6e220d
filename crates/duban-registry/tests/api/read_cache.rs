//! The read cache: every cached read sees a write acknowledged before it, on
//! one registry and across two registry processes on one database, and
//! repeated reads are answered from the cache.

use std::io::{Read, Write};

use duban_infra::test_util::{TestDatabase, backends, free_addr, start_binary};
use duban_proto::registry::v1::{self as pb, AssignmentRole as Role, UnitKind as Kind};
use duban_registry::db::write_version;
use tonic::Code;

use crate::helpers::*;

/// The write version as GetWriteVersion answers it, checked against the row.
async fn version(app: &TestApp) -> i64 {
    let db = sea_orm::Database::connect(app.database.url.as_str())
        .await
        .unwrap();
    let stored = write_version::current(&db).await.unwrap();
    let answered = app
        .client()
        .get_write_version(pb::GetWriteVersionRequest {})
        .await
        .unwrap()
        .into_inner()
        .version;
    assert_eq!(
        answered, stored,
        "GetWriteVersion answers the stored version"
    );
    stored
}

async fn get_unit(client: &mut Client, name: &str) -> pb::Unit {
    let request = pb::GetUnitRequest { name: name.into() };
    client.get_unit(request).await.unwrap().into_inner()
}

async fn resolve(client: &mut Client, text: &str) -> Result<String, Code> {
    let request = pb::ResolveUnitRequest { text: text.into() };
    match client.resolve_unit(request).await {
        Ok(found) => match found.into_inner().target.unwrap() {
            pb::resolve_unit_response::Target::Unit(unit) => Ok(unit.name),
            pb::resolve_unit_response::Target::UnitGroup(group) => Ok(group.name),
        },
        Err(status) => Err(status.code()),
    }
}

async fn get_task(client: &mut Client, name: &str) -> Result<pb::Task, Code> {
    let request = pb::GetTaskRequest { name: name.into() };
    let answer = client.get_task(request).await;
    answer.map(|t| t.into_inner()).map_err(|s| s.code())
}

async fn obligations(client: &mut Client, plan: &str) -> Vec<String> {
    let request = pb::ListObligationsRequest {
        parent: plan.into(),
        period: "2019-Q3".into(),
        ..Default::default()
    };
    let page = client.list_obligations(request).await.unwrap().into_inner();
    page.obligations.into_iter().map(|o| o.unit).collect()
}

async fn task_titles(client: &mut Client, plan: &str) -> Vec<String> {
    let request = pb::ListTasksRequest {
        parent: plan.into(),
        ..Default::default()
    };
    let page = client.list_tasks(request).await.unwrap().into_inner();
    page.tasks.into_iter().map(|t| t.title).collect()
}

fn renamed(unit: &pb::Unit, display_name: &str) -> pb::UpdateUnitRequest {
    pb::UpdateUnitRequest {
        unit: Some(pb::Unit {
            name: unit.name.clone(),
            display_name: display_name.into(),
            ..Default::default()
        }),
        update_mask: mask("display_name"),
    }
}

fn reassigned(task: &pb::Task, assignments: Vec<pb::Assignment>) -> pb::UpdateTaskRequest {
    pb::UpdateTaskRequest {
        task: Some(pb::Task {
            name: task.name.clone(),
            assignments,
            ..Default::default()
        }),
        update_mask: mask("assignments"),
    }
}

async fn create_task(client: &mut Client, plan: &str, number: i32, lead: &pb::Unit) -> pb::Task {
    let task = pb::Task {
        number,
        title: format!("任务{number}"),
        assignments: vec![assign_unit(lead, Role::Lead)],
        ..Default::default()
    };
    let request = pb::CreateTaskRequest {
        parent: plan.into(),
        task: Some(task),
        ..Default::default()
    };
    client.create_task(request).await.unwrap().into_inner()
}

#[tokio::test]
async fn each_cached_read_sees_every_write_acknowledged_before_it() {
    on_each_backend(|app| async move {
        let mut client = app.client();
        let ndrc = create_unit(&mut client, unit("市发改委", &[], Kind::CityDepartment)).await;
        let stats = create_unit(&mut client, unit("市统计局", &[], Kind::CityDepartment)).await;
        let wuning =
            create_unit(&mut client, unit("武宁县政府", &[], Kind::CountyGovernment)).await;

        // GetUnit after a rename.
        for _ in 0..2 {
            assert_eq!(
                get_unit(&mut client, &ndrc.name).await.display_name,
                "市发改委"
            );
        }
        client
            .update_unit(renamed(&ndrc, "市发展改革委"))
            .await
            .unwrap();
        assert_eq!(
            get_unit(&mut client, &ndrc.name).await.display_name,
            "市发展改革委"
        );

        // ResolveUnit after adding a written form, and after a delete and undelete.
        assert_eq!(resolve(&mut client, "统计局").await, Err(Code::NotFound));
        let alias = pb::UpdateUnitRequest {
            unit: Some(pb::Unit {
                name: stats.name.clone(),
                aliases: vec!["统计局".into()],
                ..Default::default()
            }),
            update_mask: mask("aliases"),
        };
        client.update_unit(alias).await.unwrap();
        for _ in 0..2 {
            assert_eq!(resolve(&mut client, "统计局").await, Ok(stats.name.clone()));
        }
        let delete = pb::DeleteUnitRequest {
            name: stats.name.clone(),
            etag: String::new(),
        };
        client.delete_unit(delete).await.unwrap();
        assert_eq!(resolve(&mut client, "统计局").await, Err(Code::NotFound));
        let undelete = pb::UndeleteUnitRequest {
            name: stats.name.clone(),
            etag: String::new(),
        };
        client.undelete_unit(undelete).await.unwrap();
        assert_eq!(resolve(&mut client, "统计局").await, Ok(stats.name.clone()));

        // GetPlan, GetTask and ListTasks after updates, a create and a delete.
        let plan = create_plan(&mut client, "行动方案").await;
        let task = create_task(&mut client, &plan.name, 1, &ndrc).await;
        for _ in 0..2 {
            assert_eq!(task_titles(&mut client, &plan.name).await, ["任务1"]);
            assert_eq!(
                get_task(&mut client, &task.name).await.unwrap().title,
                "任务1"
            );
        }
        let retitle = pb::UpdateTaskRequest {
            task: Some(pb::Task {
                name: task.name.clone(),
                title: "建立协调机制".into(),
                ..Default::default()
            }),
            update_mask: mask("title"),
        };
        client.update_task(retitle).await.unwrap();
        assert_eq!(
            get_task(&mut client, &task.name).await.unwrap().title,
            "建立协调机制"
        );
        let second = create_task(&mut client, &plan.name, 2, &ndrc).await;
        assert_eq!(
            task_titles(&mut client, &plan.name).await,
            ["建立协调机制", "任务2"]
        );
        let delete = pb::DeleteTaskRequest {
            name: second.name.clone(),
            etag: String::new(),
        };
        client.delete_task(delete).await.unwrap();
        assert_eq!(task_titles(&mut client, &plan.name).await, ["建立协调机制"]);
        let get_plan = pb::GetPlanRequest {
            name: plan.name.clone(),
        };
        for _ in 0..2 {
            let got = client
                .get_plan(get_plan.clone())
                .await
                .unwrap()
                .into_inner();
            assert_eq!(got.title, "行动方案");
        }
        let retitle = pb::UpdatePlanRequest {
            plan: Some(pb::Plan {
                name: plan.name.clone(),
                title: "实施方案".into(),
                ..Default::default()
            }),
            update_mask: mask("title"),
        };
        client.update_plan(retitle).await.unwrap();
        let got = client
            .get_plan(get_plan.clone())
            .await
            .unwrap()
            .into_inner();
        assert_eq!(got.title, "实施方案");

        // ListObligations after an assignment change and a membership change.
        for _ in 0..2 {
            assert_eq!(
                obligations(&mut client, &plan.name).await,
                [ndrc.name.as_str()]
            );
        }
        let group = pb::CreateUnitGroupRequest {
            unit_group: Some(pb::UnitGroup {
                display_name: "各县(市、区)政府".into(),
                members: vec![wuning.name.clone()],
                ..Default::default()
            }),
            ..Default::default()
        };
        let group = client.create_unit_group(group).await.unwrap().into_inner();
        let to_group = reassigned(&task, vec![assign_group(&group, Role::Responsible)]);
        client.update_task(to_group).await.unwrap();
        assert_eq!(
            obligations(&mut client, &plan.name).await,
            [wuning.name.as_str()]
        );
        let members = pb::UpdateUnitGroupRequest {
            unit_group: Some(pb::UnitGroup {
                name: group.name.clone(),
                members: vec![wuning.name.clone(), stats.name.clone()],
                ..Default::default()
            }),
            update_mask: mask("members"),
        };
        client.update_unit_group(members).await.unwrap();
        let mut duties = obligations(&mut client, &plan.name).await;
        duties.sort();
        let mut expected = vec![wuning.name.clone(), stats.name.clone()];
        expected.sort();
        assert_eq!(duties, expected);

        // A plan's deletion cascades to its tasks; both reads see it.
        let delete = pb::DeletePlanRequest {
            name: plan.name.clone(),
            etag: String::new(),
            force: true,
        };
        client.delete_plan(delete).await.unwrap();
        let got = client.get_plan(get_plan).await.unwrap().into_inner();
        assert!(got.delete_time.is_some());
        let task_now = get_task(&mut client, &task.name).await;
        assert!(task_now.is_err() || task_now.unwrap().delete_time.is_some());
    })
    .await;
}

#[tokio::test]
async fn every_write_moves_the_write_version_and_nothing_else_does() {
    on_each_backend(|app| async move {
        let mut client = app.client();
        let start = version(&app).await;
        assert!(start >= 1, "loading the shipped calendars is a write");
        let ndrc = create_unit(&mut client, unit("市发改委", &[], Kind::CityDepartment)).await;
        assert_eq!(version(&app).await, start + 1);
        get_unit(&mut client, &ndrc.name).await;
        let stale = pb::DeleteUnitRequest {
            name: ndrc.name.clone(),
            etag: "99".into(),
        };
        client.delete_unit(stale).await.unwrap_err();
        let refused = version(&app).await;
        assert_eq!(
            refused,
            start + 1,
            "a refused or read-only call writes nothing"
        );

        let document =
            "赣州市推进某项工作行动方案\n一、总体安排\n1.建立协调机制。(牵头单位:赣州市发改委)\n";
        let import = |validate_only| pb::ImportPlanRequest {
            text: document.into(),
            validate_only,
            default_issuer: "九江市人民政府".into(),
        };
        client.import_plan(import(true)).await.unwrap();
        assert_eq!(version(&app).await, start + 1, "a preview commits nothing");
        assert_eq!(
            resolve(&mut client, "赣州市发改委").await,
            Err(Code::NotFound)
        );
        client.import_plan(import(false)).await.unwrap();
        assert_eq!(version(&app).await, start + 2);
        assert!(resolve(&mut client, "赣州市发改委").await.is_ok());

        let calendar = pb::GetCalendarRequest {
            name: "calendars/2019".into(),
        };
        let calendar = client.get_calendar(calendar).await.unwrap().into_inner();
        let update = pb::UpdateCalendarRequest {
            calendar: Some(pb::Calendar {
                days: Vec::new(),
                ..calendar
            }),
            update_mask: mask("days"),
            ..Default::default()
        };
        client.update_calendar(update).await.unwrap();
        assert_eq!(version(&app).await, start + 3);
    })
    .await;
}

/// Scrapes a Prometheus endpoint and returns the value of the counter `line`
/// (name with labels), 0 when absent.
fn scrape(addr: std::net::SocketAddr, series: &str) -> f64 {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix(series))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test]
async fn two_registry_processes_on_one_database_see_each_others_writes() {
    for backend in backends() {
        eprintln!("-- on {backend:?}");
        let database = TestDatabase::create(backend).await;
        let metrics = free_addr();
        let flags = ["--metrics-listen".to_owned(), metrics.to_string()];
        let one = start_binary("duban-registry", &database, None, &[], "info").await;
        let two = start_binary("duban-registry", &database, None, &flags, "info").await;
        let mut writer = Client::connect(one.endpoint()).await.unwrap();
        let mut reader = Client::connect(two.endpoint()).await.unwrap();

        let ndrc = create_unit(
            &mut writer,
            unit("市发改委", &["发改委"], Kind::CityDepartment),
        )
        .await;
        for _ in 0..3 {
            assert_eq!(
                get_unit(&mut reader, &ndrc.name).await.display_name,
                "市发改委"
            );
        }
        let hits = r#"duban_registry_cache_hits_total{method="get_unit"}"#;
        assert_eq!(
            scrape(metrics, hits),
            2.0,
            "repeated reads are answered from the cache"
        );

        writer
            .update_unit(renamed(&ndrc, "市发展改革委"))
            .await
            .unwrap();
        assert_eq!(
            get_unit(&mut reader, &ndrc.name).await.display_name,
            "市发展改革委"
        );
        assert_eq!(
            scrape(metrics, hits),
            2.0,
            "the read after the write was not a hit"
        );

        let plan = create_plan(&mut writer, "行动方案").await;
        let task = create_task(&mut writer, &plan.name, 1, &ndrc).await;
        assert_eq!(
            obligations(&mut reader, &plan.name).await,
            [ndrc.name.as_str()]
        );
        let other = create_unit(&mut writer, unit("市统计局", &[], Kind::CityDepartment)).await;
        let change = reassigned(&task, vec![assign_unit(&other, Role::Lead)]);
        writer.update_task(change).await.unwrap();
        assert_eq!(
            obligations(&mut reader, &plan.name).await,
            [other.name.as_str()]
        );
        let delete = pb::DeleteUnitRequest {
            name: ndrc.name.clone(),
            etag: String::new(),
        };
        writer.delete_unit(delete).await.unwrap();
        assert_eq!(resolve(&mut reader, "发改委").await, Err(Code::NotFound));
    }
}
