//! An answer that a server may hold already encoded.
//!
//! The registry and reporting servers answer their unary methods with
//! [`Encoded<T>`] (see `build.rs`): a handler returns either the message or
//! bytes it encoded earlier, so an answer kept in a cache is sent without being
//! copied field by field and encoded again on every call. On the wire the two
//! are the same message; clients decode plain `T`.

use prost::{
    DecodeError, Message,
    bytes::{Buf, BufMut, Bytes},
    encoding::{DecodeContext, WireType},
};

/// A message of type `T`, as a value or as its encoding.
#[derive(Debug, Clone, PartialEq)]
pub enum Encoded<T> {
    Value(T),
    /// `T` encoded (no length prefix); trusted to decode as a `T`.
    Bytes(Bytes),
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
        }
    }
}

impl<T: Message + Default> Encoded<T> {
    /// The message, decoded from the bytes held if need be.
    pub fn into_value(self) -> Result<T, DecodeError> {
        match self {
            Self::Value(value) => Ok(value),
            Self::Bytes(bytes) => T::decode(bytes),
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
        }
    }

    fn merge_field(
        &mut self,
        tag: u32,
        wire_type: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        if let Self::Bytes(bytes) = self {
            *self = Self::Value(T::decode(bytes.clone())?);
        }
        match self {
            Self::Value(value) => value.merge_field(tag, wire_type, buf, ctx),
            Self::Bytes(_) => unreachable!("decoded just above"),
        }
    }

    fn encoded_len(&self) -> usize {
        match self {
            Self::Value(value) => value.encoded_len(),
            Self::Bytes(bytes) => bytes.len(),
        }
    }

    fn clear(&mut self) {
        *self = Self::Value(T::default());
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

    #[test]
    fn held_bytes_that_do_not_decode_are_an_error_not_a_panic() {
        let broken = Encoded::<Task>::Bytes(Bytes::from_static(&[0x0a, 0x05, b'a']));
        assert!(broken.into_value().is_err());
    }
}
