"""duban used from its contracts alone: Python stubs generated from proto/ by
grpcio-tools, as another government system would. Creates a unit, imports a
plan that names it, submits a report, reads the details of a refused call, and
follows the event stream until the report's event arrives.

Usage: python integration.py STUBS_DIR REGISTRY_ADDR REPORTING_ADDR
(addresses as host:port). Exits non-zero on the first surprise.
"""

import sys
import uuid

sys.path.insert(0, sys.argv[1])

import grpc  # noqa: E402
from google.rpc import error_details_pb2  # noqa: E402
from grpc_status import rpc_status  # noqa: E402

from duban.registry.v1 import registry_service_pb2 as reg  # noqa: E402
from duban.registry.v1 import registry_service_pb2_grpc as reg_grpc  # noqa: E402
from duban.registry.v1 import resources_pb2 as reg_res  # noqa: E402
from duban.reporting.v1 import reporting_service_pb2 as rep  # noqa: E402
from duban.reporting.v1 import reporting_service_pb2_grpc as rep_grpc  # noqa: E402
from duban.reporting.v1 import resources_pb2 as rep_res  # noqa: E402
from duban.events.v1 import event_pb2 as ev  # noqa: E402


def check(condition, message):
    if not condition:
        sys.exit(f"FAILED: {message}")


def main():
    _, _, registry_addr, reporting_addr = sys.argv
    registry = reg_grpc.RegistryServiceStub(grpc.insecure_channel(registry_addr))
    reporting = rep_grpc.ReportingServiceStub(grpc.insecure_channel(reporting_addr))
    tag = uuid.uuid4().hex[:8]

    # 1. A unit of our own, named as units are (ending in 局, no Arabic digits:
    #    the importer never takes other text for a unit name).
    numerals = dict(zip("0123456789abcdef", "零一二三四五六七八九甲乙丙丁戊己"))
    display_name = "集成测试" + "".join(numerals[c] for c in tag) + "局"
    unit = registry.CreateUnit(
        reg.CreateUnitRequest(
            unit=reg_res.Unit(display_name=display_name, kind=reg_res.UNIT_KIND_CITY_DEPARTMENT),
            request_id=str(uuid.uuid4()),
        ),
        timeout=10,
    )
    print(f"created {unit.name} ({unit.display_name})")

    # 2. A plan whose one task names that unit: the import resolves the written
    #    form to the unit just created.
    text = (
        f"集成测试行动方案{tag}\n"
        "2019年6月19日\n"
        "一、重点任务\n"
        f"1.开展集成测试工作。(责任单位:{display_name})\n"
    )
    imported = registry.ImportPlan(
        reg.ImportPlanRequest(text=text, default_issuer="集成测试市人民政府"), timeout=30
    )
    check(len(imported.tasks) == 1, f"one task imported, got {len(imported.tasks)}")
    task = imported.tasks[0]
    assignees = [a.unit for a in task.assignments]
    check(assignees == [unit.name], f"the task names {unit.name}, got {assignees}")
    print(f"imported {imported.plans[0].name} with {task.name}")

    # 3. A report on it.
    report = reporting.SubmitReport(
        rep.SubmitReportRequest(
            parent=task.name,
            report=rep_res.Report(
                unit=unit.name,
                period="2019-Q3",
                progress="集成测试：按计划推进。",
                status=rep_res.REPORT_STATUS_ON_TRACK,
            ),
            request_id=str(uuid.uuid4()),
        ),
        timeout=10,
    )
    print(f"submitted {report.name}")

    # 4. A refused call, read as a machine would: code, reason, field.
    try:
        reporting.SubmitReport(
            rep.SubmitReportRequest(
                parent=task.name,
                report=rep_res.Report(
                    unit=unit.name,
                    period="2019-Q5",
                    progress="x",
                    status=rep_res.REPORT_STATUS_ON_TRACK,
                ),
            ),
            timeout=10,
        )
        check(False, "an impossible period was accepted")
    except grpc.RpcError as error:
        check(error.code() == grpc.StatusCode.INVALID_ARGUMENT, f"code {error.code()}")
        status = rpc_status.from_call(error)
        check(status is not None, "the refusal carries google.rpc.Status details")
        reason, fields = None, []
        for detail in status.details:
            if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                info = error_details_pb2.ErrorInfo()
                detail.Unpack(info)
                reason = info.reason
            elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                bad = error_details_pb2.BadRequest()
                detail.Unpack(bad)
                fields = [v.field for v in bad.field_violations]
        check(reason == "INVALID_FIELD", f"reason {reason}")
        check(fields == ["report.period"], f"fields {fields}")
        print(f"refused as expected: {reason} on {fields}")

    # 5. The event of our report, from a filtered stream.
    stream = reporting.SubscribeEvents(
        rep.SubscribeEventsRequest(after_sequence=0, filter=f'unit="{unit.name}"'), timeout=30
    )
    for event in stream:
        check(event.unit == unit.name, f"the filter passed {event.unit}")
        if event.type == ev.EVENT_TYPE_REPORT_SUBMITTED and event.report == report.name:
            print(f"event {event.sequence}: {ev.EventType.Name(event.type)} {event.report}")
            stream.cancel()
            break
    print("integration from the contracts alone: OK")


if __name__ == "__main__":
    main()
