//! The wire boundary: code generated from `proto/`, and the one place where proto
//! messages turn into domain values and back.
//!
//! This crate knows nothing about Redis or about how requests are served.

pub mod codec;
pub mod codes;
pub mod convert;
pub mod json;
pub mod requests;

/// `redbank.v1`: our versioned API.
pub mod v1 {
    #![allow(clippy::all, clippy::pedantic, missing_docs)]
    tonic::include_proto!("redbank.v1");
}

/// The classic, package-less `BankService`, kept byte-compatible for old clients.
pub mod classic {
    #![allow(clippy::all, clippy::pedantic, missing_docs)]
    include!(concat!(env!("OUT_DIR"), "/_.rs"));
}

/// The encoded descriptors of both APIs, for server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/redbank_descriptor.bin"));
