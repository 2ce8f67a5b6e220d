//! `--output json`: any duban message as JSON, following the protobuf JSON
//! mapping (lowerCamelCase names, enum value names, 64-bit integers as strings,
//! RFC 3339 timestamps), so it reads like `buf curl` output and parses back into
//! the message in any language.
//!
//! prost's types carry no serde derives and the descriptor set is already
//! compiled into `duban-proto`, so each message is walked through its
//! descriptor (prost-reflect) instead of writing one conversion per type.
//! Unlike compact protojson, fields at their default value are kept (a
//! `false`, a `0`, an empty list), so that a script need not know the defaults.

use std::sync::OnceLock;

use anyhow::Context;
use base64::Engine;
use prost_reflect::{DescriptorPool, DynamicMessage, Kind, MapKey, ReflectMessage, Value};
use serde_json::Value as Json;

/// A message that can be printed as JSON: its full protobuf type name.
pub trait Proto: prost::Message + Sized {
    const TYPE: &'static str;
}

macro_rules! protos {
    ($($rust:path => $name:literal,)*) => {
        $(impl Proto for $rust { const TYPE: &'static str = $name; })*
        #[cfg(test)]
        const TYPES: &[&str] = &[$($name),*];
    };
}

use duban_proto::{
    audit::v1 as audit, events::v1 as ev, registry::v1 as reg, reporting::v1 as rep,
};

protos! {
    audit::AuditRecord => "duban.audit.v1.AuditRecord",
    audit::VerifyAuditLogResponse => "duban.audit.v1.VerifyAuditLogResponse",
    reg::Unit => "duban.registry.v1.Unit",
    reg::UnitGroup => "duban.registry.v1.UnitGroup",
    reg::Plan => "duban.registry.v1.Plan",
    reg::Task => "duban.registry.v1.Task",
    reg::Obligation => "duban.registry.v1.Obligation",
    reg::ListObligationsResponse => "duban.registry.v1.ListObligationsResponse",
    reg::ImportPlanResponse => "duban.registry.v1.ImportPlanResponse",
    reg::ResolveUnitResponse => "duban.registry.v1.ResolveUnitResponse",
    reg::Calendar => "duban.registry.v1.Calendar",
    rep::Report => "duban.reporting.v1.Report",
    rep::Extension => "duban.reporting.v1.Extension",
    rep::StatusRules => "duban.reporting.v1.StatusRules",
    rep::MissingReport => "duban.reporting.v1.MissingReport",
    rep::PeriodSummary => "duban.reporting.v1.PeriodSummary",
    rep::CoordinationItem => "duban.reporting.v1.CoordinationItem",
    rep::ReminderRule => "duban.reporting.v1.ReminderRule",
    rep::RunReminderSweepResponse => "duban.reporting.v1.RunReminderSweepResponse",
    ev::Event => "duban.events.v1.Event",
}

fn pool() -> anyhow::Result<&'static DescriptorPool> {
    static POOL: OnceLock<Result<DescriptorPool, String>> = OnceLock::new();
    POOL.get_or_init(|| {
        DescriptorPool::decode(duban_proto::FILE_DESCRIPTOR_SET).map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(|e| anyhow::anyhow!("the built-in descriptor set is unreadable: {e}"))
}

/// `message` as JSON.
pub fn to_json<M: Proto>(message: &M) -> anyhow::Result<Json> {
    let descriptor = pool()?
        .get_message_by_name(M::TYPE)
        .with_context(|| format!("no descriptor for `{}`", M::TYPE))?;
    let dynamic = DynamicMessage::decode(descriptor, message.encode_to_vec().as_slice())
        .with_context(|| format!("cannot re-read a `{}`", M::TYPE))?;
    Ok(object(&dynamic))
}

fn object(message: &DynamicMessage) -> Json {
    let descriptor = message.descriptor();
    match descriptor.full_name() {
        "google.protobuf.Timestamp" => return timestamp(message),
        "google.protobuf.FieldMask" => {
            let paths = match message.get_field_by_name("paths").as_deref() {
                Some(Value::List(paths)) => paths
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(","),
                _ => String::new(),
            };
            return Json::String(paths);
        }
        _ => {}
    }
    let mut fields = serde_json::Map::new();
    for field in descriptor.fields() {
        let set = message.has_field(&field);
        // Of a oneof (and a proto3 `optional`) only the member that is set exists.
        if field.containing_oneof().is_some() && !set {
            continue;
        }
        let is_single_message =
            matches!(field.kind(), Kind::Message(_)) && !field.is_list() && !field.is_map();
        let json = if is_single_message && !set {
            Json::Null
        } else {
            value(&field.kind(), &message.get_field(&field))
        };
        fields.insert(field.json_name().to_owned(), json);
    }
    Json::Object(fields)
}

fn timestamp(message: &DynamicMessage) -> Json {
    let seconds = message
        .get_field_by_name("seconds")
        .and_then(|v| v.as_i64())
        .unwrap_or(0);
    let nanos = message
        .get_field_by_name("nanos")
        .and_then(|v| v.as_i32())
        .unwrap_or(0);
    chrono::DateTime::from_timestamp(seconds, u32::try_from(nanos).unwrap_or(0))
        .map_or(Json::Null, |time| {
            Json::String(time.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
        })
}

fn value(kind: &Kind, value: &Value) -> Json {
    match value {
        Value::Bool(b) => Json::Bool(*b),
        Value::I32(n) => Json::from(*n),
        Value::U32(n) => Json::from(*n),
        Value::I64(n) => Json::String(n.to_string()),
        Value::U64(n) => Json::String(n.to_string()),
        Value::F32(n) => float(f64::from(*n)),
        Value::F64(n) => float(*n),
        Value::String(s) => Json::String(s.clone()),
        Value::Bytes(b) => Json::String(base64::engine::general_purpose::STANDARD.encode(b)),
        Value::EnumNumber(n) => match kind {
            Kind::Enum(e) => e
                .get_value(*n)
                .map_or(Json::from(*n), |v| Json::String(v.name().to_owned())),
            _ => Json::from(*n),
        },
        Value::Message(m) => object(m),
        Value::List(items) => Json::Array(items.iter().map(|v| self::value(kind, v)).collect()),
        Value::Map(entries) => {
            let value_kind = match kind {
                Kind::Message(entry) => entry.map_entry_value_field().kind(),
                other => other.clone(),
            };
            let mut map = serde_json::Map::new();
            for (key, v) in entries {
                let key = match key {
                    MapKey::Bool(b) => b.to_string(),
                    MapKey::I32(n) => n.to_string(),
                    MapKey::I64(n) => n.to_string(),
                    MapKey::U32(n) => n.to_string(),
                    MapKey::U64(n) => n.to_string(),
                    MapKey::String(s) => s.clone(),
                };
                map.insert(key, self::value(&value_kind, v));
            }
            Json::Object(map)
        }
    }
}

fn float(n: f64) -> Json {
    serde_json::Number::from_f64(n).map_or_else(|| Json::String(n.to_string()), Json::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_printable_type_is_in_the_descriptor_set() {
        let pool = pool().unwrap();
        for name in TYPES {
            assert!(pool.get_message_by_name(name).is_some(), "{name}");
        }
    }

    #[test]
    fn a_report_reads_as_protobuf_json() {
        let report = rep::Report {
            name: "plans/p/tasks/t/reports/2019-q3-ndrc@1".into(),
            status: rep::ReportStatus::AtRisk as i32,
            revision: 1,
            submit_time: Some(prost_types::Timestamp {
                seconds: 1_569_859_199,
                nanos: 0,
            }),
            ..Default::default()
        };
        let json = to_json(&report).unwrap();
        assert_eq!(json["status"], "REPORT_STATUS_AT_RISK");
        assert_eq!(json["submitTime"], "2019-09-30T15:59:59Z");
        assert_eq!(json["reviewTime"], Json::Null);
        assert_eq!(json["late"], false);
        assert!(json.get("percentComplete").is_none(), "unset optional");
        let event = ev::Event {
            sequence: 7,
            ..Default::default()
        };
        assert_eq!(to_json(&event).unwrap()["sequence"], "7");
    }
}
