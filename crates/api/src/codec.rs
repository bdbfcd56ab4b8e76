//! The protobuf codec of both services: tonic-prost's, except that a request that
//! does not decode is INVALID_ARGUMENT with reason MALFORMED_MESSAGE.
//!
//! tonic-prost answers INTERNAL, following gRPC's status-code document. But
//! INTERNAL says "the server is broken" to every dashboard and alert, and here it
//! would be the client's bytes that are: redbank keeps INTERNAL for its own bugs.

use std::marker::PhantomData;

use prost::Message;
use tonic::codec::{Codec, DecodeBuf, Decoder};
use tonic::{Code, Status};
use tonic_prost::{ProstCodec, ProstDecoder, ProstEncoder};
use tonic_types::{ErrorDetails, StatusExt};

/// The codec that generated code uses (`codec_path` in build.rs).
#[derive(Debug, Clone, Copy)]
pub struct StrictCodec<T, U>(PhantomData<(T, U)>);

impl<T, U> Default for StrictCodec<T, U> {
    fn default() -> Self {
        Self(PhantomData)
    }
}

impl<T, U> Codec for StrictCodec<T, U>
where
    T: Message + Send + 'static,
    U: Message + Default + Send + 'static,
{
    type Encode = T;
    type Decode = U;
    type Encoder = ProstEncoder<T>;
    type Decoder = StrictDecoder<U>;

    fn encoder(&mut self) -> Self::Encoder {
        ProstCodec::<T, U>::default().encoder()
    }

    fn decoder(&mut self) -> Self::Decoder {
        StrictDecoder(ProstCodec::<T, U>::default().decoder())
    }
}

/// tonic-prost's decoder with the status of a decode failure changed.
#[derive(Debug)]
pub struct StrictDecoder<U>(ProstDecoder<U>);

impl<U: Message + Default> Decoder for StrictDecoder<U> {
    type Item = U;
    type Error = Status;

    fn decode(&mut self, buf: &mut DecodeBuf<'_>) -> Result<Option<U>, Status> {
        self.0.decode(buf).map_err(|status| {
            if status.code() == Code::Internal {
                Status::with_error_details(
                    Code::InvalidArgument,
                    format!("the request is not a valid protobuf message: {}", status.message()),
                    ErrorDetails::with_error_info(
                        "MALFORMED_MESSAGE",
                        "redbank",
                        std::collections::HashMap::new(),
                    ),
                )
            } else {
                status
            }
        })
    }

    fn buffer_settings(&self) -> tonic::codec::BufferSettings {
        self.0.buffer_settings()
    }
}
