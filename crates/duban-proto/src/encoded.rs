//! An answer that a server may hold already encoded.
//!
//! The registry and reporting servers answer their unary methods with
//! [`Encoded<T>`] (see `build.rs`): a handler returns either the message or
//! bytes it encoded earlier, so an answer kept in a cache is sent without being
//! copied field by field and encoded again on every call. On the wire the two
//! are the same message; clients decode plain `T`.
//!
//! The servers' codec, [`AnswerCodec`], sizes the buffer of each answer before
//! writing it: tonic's starts at 8 KiB and doubles as an answer is written,
//! copying what it holds each time, so a 100 KB answer (a period's table) was
//! copied some twice over before it went out.

use std::marker::PhantomData;

use prost::{
    DecodeError, Message,
    bytes::{Buf, BufMut, Bytes},
    encoding::{DecodeContext, WireType},
};
use tonic::{
    Status,
    codec::{BufferSettings, Codec, EncodeBuf, Encoder},
};

/// A message of type `T`, as a value or as its encoding.
#[derive(Debug, Clone, PartialEq)]
pub enum Encoded<T> {
    Value(T),
    /// `T` encoded (no length prefix); trusted to decode as a `T`.
    Bytes(Bytes),
    /// `T` encoded in pieces that, one after the other, are its encoding: an
    /// answer kept encoded plus the fields of the moment, sent without
    /// first copying them into one buffer.
    Parts(Vec<Bytes>),
}

impl<T: Message> Encoded<T> {
    /// Encodes `value` now, to be sent as often as needed without encoding it
    /// again.
    pub fn encode(value: &T) -> Self {
        Self::Bytes(Bytes::from(value.encode_to_vec()))
    }

    /// The encoding: `value`'s, or the bytes held.
    pub fn to_bytes(&self) -> Bytes {
        match self {
            Self::Value(value) => Bytes::from(value.encode_to_vec()),
            Self::Bytes(bytes) => bytes.clone(),
            Self::Parts(parts) => Bytes::from(parts.concat()),
        }
    }
}

impl<T: Message + Default> Encoded<T> {
    /// The message, decoded from the bytes held if need be.
    pub fn into_value(self) -> Result<T, DecodeError> {
        match self {
            Self::Value(value) => Ok(value),
            Self::Bytes(bytes) => T::decode(bytes),
            Self::Parts(parts) => T::decode(parts.concat().as_slice()),
        }
    }
}

impl<T> From<T> for Encoded<T> {
    fn from(value: T) -> Self {
        Self::Value(value)
    }
}

impl<T: Default> Default for Encoded<T> {
    fn default() -> Self {
        Self::Value(T::default())
    }
}

impl<T: Message + Default> Message for Encoded<T> {
    fn encode_raw(&self, buf: &mut impl BufMut) {
        match self {
            Self::Value(value) => value.encode_raw(buf),
            // A message's encoding is the concatenation of its fields: the held
            // bytes are exactly what `encode_raw` would write.
            Self::Bytes(bytes) => buf.put_slice(bytes),
            Self::Parts(parts) => parts.iter().for_each(|part| buf.put_slice(part)),
        }
    }

    fn merge_field(
        &mut self,
        tag: u32,
        wire_type: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        let value = match std::mem::take(self) {
            Self::Value(value) => value,
            held => T::decode(held.to_bytes())?,
        };
        *self = Self::Value(value);
        match self {
            Self::Value(value) => value.merge_field(tag, wire_type, buf, ctx),
            _ => unreachable!("decoded just above"),
        }
    }

    fn encoded_len(&self) -> usize {
        match self {
            Self::Value(value) => value.encoded_len(),
            Self::Bytes(bytes) => bytes.len(),
            Self::Parts(parts) => parts.iter().map(Bytes::len).sum(),
        }
    }

    fn clear(&mut self) {
        *self = Self::Value(T::default());
    }
}

/// The servers' codec: prost's encoding and decoding, with each message's
/// buffer reserved at its encoded length before it is written.
#[derive(Debug, Clone)]
pub struct AnswerCodec<T, U>(PhantomData<(T, U)>);

impl<T, U> Default for AnswerCodec<T, U> {
    fn default() -> Self {
        Self(PhantomData)
    }
}

impl<T, U> Codec for AnswerCodec<T, U>
where
    T: Message + Send + 'static,
    U: Message + Default + Send + 'static,
{
    type Encode = T;
    type Decode = U;
    type Encoder = SizedEncoder<T>;
    type Decoder = tonic_prost::ProstDecoder<U>;

    fn encoder(&mut self) -> Self::Encoder {
        SizedEncoder(PhantomData)
    }

    fn decoder(&mut self) -> Self::Decoder {
        tonic_prost::ProstDecoder::new(BufferSettings::default())
    }
}

/// Writes a message into a buffer first grown to hold all of it.
#[derive(Debug, Clone)]
pub struct SizedEncoder<T>(PhantomData<T>);

impl<T: Message> Encoder for SizedEncoder<T> {
    type Item = T;
    type Error = Status;

    fn encode(&mut self, item: T, buf: &mut EncodeBuf<'_>) -> Result<(), Status> {
        buf.reserve(item.encoded_len());
        item.encode_raw(buf);
        Ok(())
    }

    fn buffer_settings(&self) -> BufferSettings {
        BufferSettings::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::v1::{ListTasksResponse, Task};

    fn page() -> ListTasksResponse {
        ListTasksResponse {
            tasks: vec![
                Task {
                    name: "plans/p/tasks/1".to_owned(),
                    title: "推进数字政府建设".to_owned(),
                    ..Default::default()
                },
                Task {
                    name: "plans/p/tasks/2".to_owned(),
                    ..Default::default()
                },
            ],
            next_page_token: "2".to_owned(),
        }
    }

    #[test]
    fn held_bytes_go_on_the_wire_as_the_value_would() {
        let value = Encoded::Value(page());
        let held = Encoded::<ListTasksResponse>::encode(&page());
        assert_eq!(held.encoded_len(), value.encoded_len());
        assert_eq!(held.encode_to_vec(), value.encode_to_vec());
        assert_eq!(
            ListTasksResponse::decode(held.encode_to_vec().as_slice()).unwrap(),
            page()
        );
        // Length-delimited too, as when nested or framed.
        assert_eq!(
            held.encode_length_delimited_to_vec(),
            page().encode_length_delimited_to_vec()
        );
    }

    #[test]
    fn decoding_into_an_encoded_answer_yields_the_value() {
        let decoded = Encoded::<ListTasksResponse>::decode(page().encode_to_vec().as_slice())
            .unwrap()
            .into_value()
            .unwrap();
        assert_eq!(decoded, page());
    }

    #[test]
    fn merging_into_held_bytes_keeps_both() {
        let mut held = Encoded::<ListTasksResponse>::encode(&page());
        let more = ListTasksResponse {
            tasks: vec![Task {
                name: "plans/p/tasks/3".to_owned(),
                ..Default::default()
            }],
            next_page_token: String::new(),
        };
        held.merge(more.encode_to_vec().as_slice()).unwrap();
        let merged = held.into_value().unwrap();
        assert_eq!(merged.tasks.len(), 3);
        assert_eq!(merged.next_page_token, "2");
    }

    /// The encoding of `page()` cut into three pieces, one of them empty.
    fn in_parts() -> Encoded<ListTasksResponse> {
        let whole = page().encode_to_vec();
        let (head, tail) = whole.split_at(7);
        Encoded::Parts(vec![
            Bytes::copy_from_slice(head),
            Bytes::new(),
            Bytes::copy_from_slice(tail),
        ])
    }

    #[test]
    fn parts_go_on_the_wire_as_their_concatenation() {
        let parts = in_parts();
        assert_eq!(parts.encoded_len(), page().encoded_len());
        assert_eq!(parts.encode_to_vec(), page().encode_to_vec());
        assert_eq!(parts.to_bytes(), Bytes::from(page().encode_to_vec()));
        assert_eq!(
            parts.encode_length_delimited_to_vec(),
            page().encode_length_delimited_to_vec()
        );
        assert_eq!(in_parts().into_value().unwrap(), page());
    }

    #[test]
    fn merging_into_parts_keeps_both() {
        let mut parts = in_parts();
        let more = ListTasksResponse {
            next_page_token: "3".to_owned(),
            ..Default::default()
        };
        parts.merge(more.encode_to_vec().as_slice()).unwrap();
        let merged = parts.into_value().unwrap();
        assert_eq!(merged.tasks, page().tasks);
        assert_eq!(merged.next_page_token, "3");
    }

    #[test]
    fn held_bytes_that_do_not_decode_are_an_error_not_a_panic() {
        let broken = Encoded::<Task>::Bytes(Bytes::from_static(&[0x0a, 0x05, b'a']));
        assert!(broken.into_value().is_err());
    }
}
