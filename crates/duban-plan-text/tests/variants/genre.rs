//! Forms met in other cities' and provinces' plans: unlabelled annotations that
//! decide the task level, pages collapsed onto one line, flattened tables.

use super::*;

#[test]
fn unlabelled_annotations_put_the_tasks_below_paren_headings() {
    let plan = parsed(
        "意见\n一、稳岗\n(一)减轻负担\n1.降低费率。(市人力资源社会保障局、市医保局负责)\n2.征收保障金。(市残联、市财政局负责)\n",
    );
    assert_eq!(plan.tasks.len(), 2);
    assert_eq!(
        units(&plan.tasks[1], Role::Responsible),
        [unit("市残联"), unit("市财政局")]
    );
}
