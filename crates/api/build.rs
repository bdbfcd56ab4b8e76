//! Generates the gRPC code for both APIs with the vendored protoc, so that a fresh
//! machine needs no protoc install.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The protos live outside this package, where cargo does not look by itself.
    println!("cargo:rerun-if-changed=../../proto");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    let mut config = tonic_prost_build::Config::new();
    config.protoc_executable(protoc_bin_vendored::protoc_bin_path()?);
    tonic_prost_build::configure()
        .codec_path("crate::codec::StrictCodec")
        .file_descriptor_set_path(out_dir.join("redbank_descriptor.bin"))
        .compile_with_config(
            config,
            &["../../proto/redbank/v1/bank.proto", "../../proto/classic/bank.proto"],
            &["../../proto"],
        )?;
    Ok(())
}
