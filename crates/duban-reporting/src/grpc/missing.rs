//! ListMissingReports (催报): decode the plan, period and unit, list, encode.

use chrono::{DateTime, Utc};
use duban_infra::api::{FieldViolations, PageRequest};
use duban_proto::{Encoded, reporting::v1 as pb};
use prost::{
    Message,
    bytes::{BufMut, Bytes, BytesMut},
};

use super::convert::{encode_role, encode_slot_state, timestamp};
use crate::{
    domain::{
        extension::extension_name,
        names::{self, task_name, unit_name},
    },
    error::ReportingError,
    service::{
        self, Context,
        missing::{MissingPage, MissingQuery, MissingReport},
    },
};

fn decode(request: pb::ListMissingReportsRequest) -> Result<MissingQuery, ReportingError> {
    let mut violations = FieldViolations::new();
    let plan_id = violations.check("parent", names::plan_id(&request.parent));
    violations.check("period", names::check_period(&request.period));
    let unit_id = (!request.unit.is_empty())
        .then(|| violations.check("unit", names::unit_id(&request.unit)))
        .flatten();
    let scope = format!(
        "missing|{}|{}|{}",
        request.parent, request.period, request.unit
    );
    let page = PageRequest::parse(
        request.page_size,
        &request.page_token,
        &scope,
        &mut violations,
    );
    let (Some(plan_id), true) = (plan_id, violations.is_empty()) else {
        return Err(ReportingError::InvalidArgument(violations));
    };
    Ok(MissingQuery {
        plan_id,
        period: request.period,
        unit_id,
        page,
    })
}

/// Field numbers of `MissingReport` that change with the instant of the call.
const STATE_FIELD: u32 = 8;
const SECONDS_LATE_FIELD: u32 = 10;
/// `ListMissingReportsResponse.missing_reports`.
const ROWS_FIELD: u32 = 1;

/// A row's fields that hold while the period's kept order does.
fn fixed_fields(row: &MissingReport<'_>) -> pb::MissingReport {
    let slot = row.slot_key();
    pb::MissingReport {
        due_time: Some(timestamp(row.due_time())),
        extension: row.extension().map_or_else(String::new, |id| {
            extension_name(&slot.plan_id, &slot.task_id, id)
        }),
        report: slot.name(),
        task: task_name(&slot.plan_id, &slot.task_id),
        task_number: row.task_number(),
        task_title: row.task_title().to_owned(),
        unit: unit_name(&slot.unit_id),
        unit_display_name: row.unit_display_name().to_owned(),
        role: encode_role(row.role()) as i32,
        latest_revision: row.latest_revision(),
        // The instant's fields are added per call.
        state: 0,
        seconds_late: 0,
    }
}

/// A row's fields that change with the instant of the call.
fn instant_fields(row: &MissingReport<'_>, as_of: DateTime<Utc>) -> (i32, i64) {
    let state = encode_slot_state(row.state) as i32;
    let seconds_late = (as_of - row.due_time()).num_seconds().max(0);
    (state, seconds_late)
}

/// The answer, encoded: each row is its duty's kept fixed fields followed by
/// its state and seconds late (a message's fields may come in any order).
fn encode(page: MissingPage) -> Encoded<pb::ListMissingReportsResponse> {
    use prost::encoding::{WireType, encode_key, encode_varint, encoded_len_varint, int32, int64};
    let rows: Vec<(&Bytes, i32, i64)> = page
        .missing()
        .map(|row| {
            let fixed = row.fixed_encoding(|row| Bytes::from(fixed_fields(row).encode_to_vec()));
            let (state, seconds_late) = instant_fields(&row, page.as_of);
            (fixed, state, seconds_late)
        })
        .collect();
    let instant_len = |state: i32, seconds_late: i64| {
        (if state != 0 {
            int32::encoded_len(STATE_FIELD, &state)
        } else {
            0
        }) + if seconds_late != 0 {
            int64::encoded_len(SECONDS_LATE_FIELD, &seconds_late)
        } else {
            0
        }
    };
    let rest = pb::ListMissingReportsResponse {
        missing_reports: Vec::new(),
        next_page_token: page.next_page_token.clone(),
        period: page.window.label.clone(),
        due_time: Some(timestamp(page.window.due_time)),
        as_of: Some(timestamp(page.as_of)),
    };
    let rows_len: usize = rows
        .iter()
        .map(|(fixed, state, late)| {
            let len = fixed.len() + instant_len(*state, *late);
            1 + encoded_len_varint(len as u64) + len
        })
        .sum();
    let mut answer = BytesMut::with_capacity(rows_len + rest.encoded_len());
    for (fixed, state, seconds_late) in rows {
        encode_key(ROWS_FIELD, WireType::LengthDelimited, &mut answer);
        encode_varint(
            (fixed.len() + instant_len(state, seconds_late)) as u64,
            &mut answer,
        );
        answer.put_slice(fixed);
        if state != 0 {
            int32::encode(STATE_FIELD, &state, &mut answer);
        }
        if seconds_late != 0 {
            int64::encode(SECONDS_LATE_FIELD, &seconds_late, &mut answer);
        }
    }
    rest.encode_raw(&mut answer);
    Encoded::Bytes(answer.freeze())
}

pub async fn list(
    context: &Context,
    request: pb::ListMissingReportsRequest,
) -> Result<Encoded<pb::ListMissingReportsResponse>, ReportingError> {
    let query = decode(request)?;
    service::missing::list(context, query).await.map(encode)
}

#[cfg(test)]
mod tests {
    use duban_infra::clock::Clock;

    use super::*;
    use crate::{domain::period::tests::china, service::tests::context_at};

    /// The answer as built field by field, at the context's instant.
    async fn built_whole(
        context: &Context,
        request: pb::ListMissingReportsRequest,
    ) -> pb::ListMissingReportsResponse {
        let page = service::missing::list(context, decode(request).unwrap())
            .await
            .unwrap();
        let missing_reports = page
            .missing()
            .map(|row| {
                let (state, seconds_late) = instant_fields(&row, page.as_of);
                pb::MissingReport {
                    state,
                    seconds_late,
                    ..fixed_fields(&row)
                }
            })
            .collect();
        pb::ListMissingReportsResponse {
            missing_reports,
            next_page_token: page.next_page_token.clone(),
            period: page.window.label.clone(),
            due_time: Some(timestamp(page.window.due_time)),
            as_of: Some(timestamp(page.as_of)),
        }
    }

    /// Rows sent from a duty's kept bytes decode as rows built whole, at an
    /// instant before the due time (open, not late) and at later ones (late,
    /// by more each time) on the same kept order, a page at a time.
    #[tokio::test]
    async fn rows_from_kept_bytes_decode_as_rows_built_whole_at_every_instant() {
        let (context, _) = context_at(china(2019, 9, 20, 10, 0, 0)).await;
        let request = pb::ListMissingReportsRequest {
            parent: "plans/p1".into(),
            period: "2019-Q3".into(),
            page_size: 1,
            ..Default::default()
        };
        let instants = [
            china(2019, 9, 20, 10, 0, 0),
            china(2019, 10, 20, 10, 0, 0),
            china(2019, 10, 21, 11, 30, 5),
        ];
        let mut states = Vec::new();
        for instant in instants {
            let context = Context {
                clock: Clock::Fixed(instant),
                ..context.clone()
            };
            let mut request = request.clone();
            loop {
                let bytes = list(&context, request.clone()).await.unwrap().to_bytes();
                let sent = pb::ListMissingReportsResponse::decode(bytes.clone()).unwrap();
                assert_eq!(sent, built_whole(&context, request.clone()).await);
                // No field sent twice (a later one would win on decoding).
                assert_eq!(bytes.len(), sent.encoded_len());
                states.extend(
                    sent.missing_reports
                        .iter()
                        .map(|row| (row.state, row.seconds_late)),
                );
                if sent.next_page_token.is_empty() {
                    break;
                }
                request.page_token = sent.next_page_token;
            }
        }
        // Three duties at each instant; late by a day, then by a day and more.
        let late: Vec<i64> = states.iter().map(|(_, seconds)| *seconds).collect();
        assert_eq!(late.len(), 9);
        assert!(late[..3].iter().all(|s| *s == 0), "{late:?}");
        assert!(late[3..6].iter().all(|s| *s > 0), "{late:?}");
        assert!(
            late[6..]
                .iter()
                .zip(&late[3..6])
                .all(|(later, before)| later > before)
        );
        assert_ne!(
            states[0].0, states[3].0,
            "open before the due time, missing after"
        );
    }
}
