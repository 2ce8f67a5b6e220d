//! How the benchmark's client reads an answer.
//!
//! By default it does not build the answer's values: it walks the answer's
//! top-level fields and counts them ([`Skimmed`]). A real caller decodes on its
//! own machine; here the client shares two cores with the servers it measures,
//! and building a page of 100 tasks cost the client more CPU than the registry
//! spent answering it, so a full decode would charge the client's work to the
//! server's ratio. `--decode-answers` builds every answer as the generated
//! clients do, to compare.

use prost::{
    Message,
    bytes::Buf,
    encoding::{DecodeContext, WireType, skip_field},
};
use tokio_stream::StreamExt;
use tonic::{Request, Status, codegen::http::uri::PathAndQuery, transport::Channel};
use tonic_prost::ProstCodec;

/// An answer read field by field without building any value: the framing is
/// checked (a truncated or malformed answer is an error), the content is not.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Skimmed {
    /// Top-level fields read: rows of a repeated field count one each.
    pub fields: u32,
}

impl Message for Skimmed {
    fn encode_raw(&self, _buf: &mut impl prost::bytes::BufMut) {}

    fn merge_field(
        &mut self,
        tag: u32,
        wire_type: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), prost::DecodeError> {
        self.fields += 1;
        skip_field(wire_type, tag, buf, ctx)
    }

    fn encoded_len(&self) -> usize {
        0
    }

    fn clear(&mut self) {
        self.fields = 0;
    }
}

/// Whether answers are built or skimmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    Skim,
    /// Build each answer as type `Full` of [`unary`] or [`streamed`].
    Decode,
}

async fn ready(channel: Channel) -> Result<tonic::client::Grpc<Channel>, Status> {
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready()
        .await
        .map_err(|error| Status::unavailable(format!("connection not ready: {error}")))?;
    Ok(grpc)
}

/// Calls unary method `path` on `channel`, reading its answer as `reading` says
/// (`Full` is the answer's generated type).
pub async fn unary<Req, Full>(
    channel: Channel,
    path: &'static str,
    request: Req,
    reading: Reading,
) -> Result<(), Status>
where
    Req: Message + Send + 'static,
    Full: Message + Default + Send + 'static,
{
    match reading {
        Reading::Skim => unary_as::<Req, Skimmed>(channel, path, request).await,
        Reading::Decode => unary_as::<Req, Full>(channel, path, request).await,
    }
}

/// Calls server-streaming method `path` on `channel` and reads the whole
/// stream, as [`unary`] reads one answer.
pub async fn streamed<Req, Full>(
    channel: Channel,
    path: &'static str,
    request: Req,
    reading: Reading,
) -> Result<(), Status>
where
    Req: Message + Send + 'static,
    Full: Message + Default + Send + 'static,
{
    match reading {
        Reading::Skim => streamed_as::<Req, Skimmed>(channel, path, request).await,
        Reading::Decode => streamed_as::<Req, Full>(channel, path, request).await,
    }
}

/// One unary call whose answer is decoded as `Answer`.
async fn unary_as<Req, Answer>(
    channel: Channel,
    path: &'static str,
    request: Req,
) -> Result<(), Status>
where
    Req: Message + Send + 'static,
    Answer: Message + Default + Send + 'static,
{
    let path = PathAndQuery::from_static(path);
    ready(channel)
        .await?
        .unary::<Req, Answer, _>(Request::new(request), path, ProstCodec::default())
        .await?;
    Ok(())
}

/// One server-streaming call, every message of it decoded as `Answer`.
async fn streamed_as<Req, Answer>(
    channel: Channel,
    path: &'static str,
    request: Req,
) -> Result<(), Status>
where
    Req: Message + Send + 'static,
    Answer: Message + Default + Send + 'static,
{
    let path = PathAndQuery::from_static(path);
    let mut stream = ready(channel)
        .await?
        .server_streaming::<Req, Answer, _>(Request::new(request), path, ProstCodec::default())
        .await?
        .into_inner();
    while let Some(chunk) = stream.next().await {
        chunk?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use duban_proto::registry::v1 as reg;

    use super::*;

    #[test]
    fn a_skimmed_answer_counts_its_top_level_fields() {
        let page = reg::ListTasksResponse {
            tasks: vec![
                reg::Task {
                    name: "plans/p/tasks/1".to_owned(),
                    ..Default::default()
                };
                3
            ],
            next_page_token: "next".to_owned(),
        };
        let skimmed = Skimmed::decode(page.encode_to_vec().as_slice()).unwrap();
        assert_eq!(skimmed.fields, 4);
    }

    #[test]
    fn a_truncated_answer_is_an_error_when_skimmed() {
        let page = reg::ListTasksResponse {
            tasks: vec![reg::Task {
                name: "plans/p/tasks/1".to_owned(),
                ..Default::default()
            }],
            next_page_token: String::new(),
        };
        let bytes = page.encode_to_vec();
        assert!(Skimmed::decode(&bytes[..bytes.len() - 1]).is_err());
    }
}
