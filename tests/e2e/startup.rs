//! Replicas that start together on one fresh PostgreSQL database: migrations take
//! turns, so every process comes up (concurrent `CREATE TABLE`s used to kill one
//! with a duplicate key in the catalogue).

use std::time::Duration;

use duban_infra::test_util::{
    Backend, ServiceProcess, TestDatabase, backends, free_addr, workspace_binary,
};

#[tokio::test]
async fn two_registries_and_two_reporting_services_start_at_once_on_one_fresh_database() {
    if !backends().contains(&Backend::Postgres) {
        eprintln!("PostgreSQL not configured: SQLite serves one replica per database");
        return;
    }
    let database = TestDatabase::create(Backend::Postgres).await;
    let registry = workspace_binary("duban-registry");
    let reporting = workspace_binary("duban-reporting");
    let registry_addrs = [free_addr(), free_addr()];
    let mut processes: Vec<ServiceProcess> = Vec::new();
    for addr in registry_addrs {
        let args = [
            "--listen".to_owned(),
            addr.to_string(),
            "--database-url".to_owned(),
            database.url.clone(),
        ];
        processes.push(ServiceProcess::spawn(
            &registry,
            addr,
            &args,
            &[],
            database.dir(),
        ));
        let addr = free_addr();
        let args = [
            "--listen".to_owned(),
            addr.to_string(),
            "--database-url".to_owned(),
            database.url.clone(),
            "--registry-url".to_owned(),
            format!("http://{}", registry_addrs[0]),
            "--sweep-interval".to_owned(),
            "0".to_owned(),
        ];
        processes.push(ServiceProcess::spawn(
            &reporting,
            addr,
            &args,
            &[],
            database.dir(),
        ));
    }
    for process in &mut processes {
        process.wait_until_serving(Duration::from_secs(60)).await;
    }
}
