//! Compiles `proto/` without a system `protoc`: protox parses the files into a
//! descriptor set, tonic-prost-build generates code from it, and the encoded set is
//! written beside the code for server reflection.

use std::{
    env, fs,
    path::{Path, PathBuf},
};

use prost::Message;
use prost_types::FileDescriptorSet;
use tonic_build::manual;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proto_root = PathBuf::from(env::var("CARGO_MANIFEST_DIR")?).join("../../proto");
    println!("cargo:rerun-if-changed={}", proto_root.display());

    let mut files = Vec::new();
    collect_protos(&proto_root, &proto_root, &mut files)?;
    files.sort();
    let descriptors = protox::compile(&files, [&proto_root])?;
    let out_dir = PathBuf::from(env::var("OUT_DIR")?);
    fs::write(
        out_dir.join("duban_descriptor.bin"),
        descriptors.encode_to_vec(),
    )?;

    let servers = answering_servers(&descriptors);
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .compile_fds(descriptors)?;
    tonic_build::manual::Builder::new()
        .build_client(false)
        .build_server(true)
        .compile(&servers);
    Ok(())
}

/// The services duban serves, with every unary method answering
/// `crate::encoded::Encoded<T>` instead of `T` (see `src/encoded.rs`), so that a
/// handler may answer bytes it encoded before. Streaming methods keep the
/// generated types. Every method encodes through `AnswerCodec`, which sizes
/// each answer's buffer before writing it. Written to `<package>.<Service>.rs`
/// in `OUT_DIR`.
fn answering_servers(set: &FileDescriptorSet) -> Vec<manual::Service> {
    const SERVED: [&str; 2] = ["duban.registry.v1", "duban.reporting.v1"];
    let mut servers = Vec::new();
    for file in &set.file {
        if !SERVED.contains(&file.package()) {
            continue;
        }
        for service in &file.service {
            let mut builder = manual::Service::builder()
                .name(service.name())
                .package(file.package());
            for method in &service.method {
                let output = rust_type(method.output_type());
                let streaming = method.server_streaming() || method.client_streaming();
                let mut method_builder = manual::Method::builder()
                    .name(snake_case(method.name()))
                    .route_name(method.name())
                    .input_type(rust_type(method.input_type()))
                    .output_type(if streaming {
                        output
                    } else {
                        format!("crate::encoded::Encoded<{output}>")
                    })
                    .codec_path("crate::encoded::AnswerCodec");
                if method.client_streaming() {
                    method_builder = method_builder.client_streaming();
                }
                if method.server_streaming() {
                    method_builder = method_builder.server_streaming();
                }
                builder = builder.method(method_builder.build());
            }
            servers.push(builder.build());
        }
    }
    servers
}

/// `crate::registry::v1::Task` for `.duban.registry.v1.Task`: the module
/// `src/lib.rs` includes each duban package in.
fn rust_type(proto_type: &str) -> String {
    let path = proto_type
        .strip_prefix(".duban.")
        .unwrap_or_else(|| panic!("a served method names {proto_type}, outside duban's packages"));
    format!("crate::{}", path.replace('.', "::"))
}

fn snake_case(name: &str) -> String {
    let mut snake = String::with_capacity(name.len() + 4);
    for (at, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if at > 0 {
                snake.push('_');
            }
            snake.push(c.to_ascii_lowercase());
        } else {
            snake.push(c);
        }
    }
    snake
}

/// Lists every `.proto` under `dir`, relative to `root`, so a new contract file is
/// compiled without touching this script.
fn collect_protos(
    root: &Path,
    dir: &Path,
    files: &mut Vec<String>,
) -> Result<(), Box<dyn std::error::Error>> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_protos(root, &path, files)?;
        } else if path.extension().is_some_and(|e| e == "proto") {
            let relative = path.strip_prefix(root)?;
            files.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
    Ok(())
}
