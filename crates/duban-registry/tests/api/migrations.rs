//! Rolling a release back: each registry migration's `down` undoes exactly
//! its `up`, on both databases, and the schema builds again afterwards.

use duban_infra::{
    database::{Durability, connect},
    migration_check::assert_each_down_undoes_its_up,
    test_util::{TestDatabase, backends},
};
use duban_registry::db::migration::Migrator;

#[tokio::test]
async fn each_migration_down_undoes_its_up() {
    for backend in backends() {
        let database = TestDatabase::create(backend).await;
        let db = connect(&database.url, Durability::Required).await.unwrap();
        assert_each_down_undoes_its_up::<Migrator>(&db, "registry_migrations").await;
    }
}
