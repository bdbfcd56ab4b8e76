//! Generic gRPC tools against a real server: grpcurl 1.8.6 (which speaks only
//! reflection v1alpha) lists, describes, calls and decodes an error's ErrorInfo;
//! grpcio's own reflection client (v1alpha) resolves every service; a v1 reflection
//! client finds the same, google.rpc's error details included.

use std::path::PathBuf;

use tonic_reflection::pb::v1::ServerReflectionRequest;
use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;

use crate::helpers::*;

/// A program of the virtual environment that ./scripts/install-deps makes.
fn venv(program: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/python/bin").join(program);
    assert!(path.exists(), "{} is missing: run ./scripts/install-deps (./scripts/test does)", path.display());
    path
}

async fn grpcurl(args: &[&str]) -> (bool, String, String) {
    let out = tokio::process::Command::new(venv("grpcurl")).args(args).output().await.expect("run grpcurl");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpcurl_1_8_lists_describes_calls_and_decodes_errors() {
    let app = spawn_app().await;
    let mut c = app.v1().await;
    create(&mut c, "tool", "EUR").await;
    let target = app.addr.to_string();
    let auth = format!("authorization: Bearer {}", app.admin);

    // Reflection needs no credential: the schema is public.
    let (ok, out, err) = grpcurl(&["-plaintext", &target, "list"]).await;
    assert!(ok, "{err}");
    for service in [
        "BankService",
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection",
        "redbank.v1.Bank",
    ] {
        assert!(out.lines().any(|l| l == service), "{service} missing from:\n{out}");
    }
    let (ok, out, err) = grpcurl(&["-plaintext", &target, "describe", "redbank.v1.Bank"]).await;
    assert!(ok && out.contains("rpc Transfer ( .redbank.v1.TransferRequest )"), "{out}{err}");
    let (ok, out, err) = grpcurl(&["-plaintext", &target, "describe", "google.rpc.ErrorInfo"]).await;
    assert!(ok && out.contains("string reason = 1;"), "{out}{err}");

    let (ok, out, err) = grpcurl(&[
        "-plaintext",
        "-H",
        &auth,
        "-d",
        r#"{"account_id": "tool"}"#,
        &target,
        "redbank.v1.Bank/GetAccount",
    ])
    .await;
    assert!(ok, "{err}");
    let account: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (account["accountId"].as_str(), account["balance"]["currencyCode"].as_str()),
        (Some("tool"), Some("EUR"))
    );
    let (ok, out, err) = grpcurl(&[
        "-plaintext",
        "-H",
        &auth,
        "-d",
        r#"{"account_id": "tool"}"#,
        &target,
        "BankService/GetBalance",
    ])
    .await;
    assert!(ok && out.contains("Balance retrieved successfully."), "{out}{err}");

    // An error, its ErrorInfo decoded (not "is not recognized").
    let (ok, _, err) = grpcurl(&[
        "-plaintext",
        "-H",
        &auth,
        "-d",
        r#"{"account_id": "nobody"}"#,
        &target,
        "redbank.v1.Bank/GetAccount",
    ])
    .await;
    assert!(!ok);
    assert!(err.contains("Code: NotFound"), "{err}");
    assert!(err.contains(r#""@type":"type.googleapis.com/google.rpc.ErrorInfo""#), "{err}");
    assert!(err.contains(r#""reason":"ACCOUNT_NOT_FOUND""#) && !err.contains("not recognized"), "{err}");
    // Without a credential: UNAUTHENTICATED, with its reason.
    let (ok, _, err) =
        grpcurl(&["-plaintext", "-d", r#"{"account_id": "tool"}"#, &target, "redbank.v1.Bank/GetAccount"])
            .await;
    assert!(
        !ok && err.contains("Code: Unauthenticated") && err.contains(r#""reason":"UNAUTHENTICATED""#),
        "{err}"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpcio_reflection_and_a_v1_reflection_client_resolve_every_service() {
    let app = spawn_app().await;
    let out = tokio::process::Command::new(venv("python3"))
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/python/reflection_client.py"))
        .args(["--target", &app.addr.to_string()])
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("0 failed"), "{stdout}");

    // grpc.reflection.v1, from Rust.
    let mut client = ServerReflectionClient::new(channel(app.addr).await);
    let ask = |request: MessageRequest| ServerReflectionRequest {
        host: String::new(),
        message_request: Some(request),
    };
    let requests = vec![
        ask(MessageRequest::ListServices(String::new())),
        ask(MessageRequest::FileContainingSymbol("google.rpc.ErrorInfo".into())),
        ask(MessageRequest::FileContainingSymbol("redbank.v1.Bank".into())),
    ];
    let mut answers = client.server_reflection_info(tokio_stream_iter(requests)).await.unwrap().into_inner();
    let mut services = Vec::new();
    let mut files = 0;
    let mut decoded = Vec::new();
    while let Some(answer) = answers.message().await.unwrap() {
        match answer.message_response.unwrap() {
            MessageResponse::ListServicesResponse(list) => {
                services.extend(list.service.into_iter().map(|s| s.name))
            }
            MessageResponse::FileDescriptorResponse(f) => {
                // What a tool needs to describe a service and decode an error's
                // details: the message and service definitions themselves.
                for bytes in &f.file_descriptor_proto {
                    let file = <prost_types::FileDescriptorProto as prost::Message>::decode(bytes.as_slice())
                        .unwrap();
                    for message in &file.message_type {
                        if message.name() == "ErrorInfo" {
                            let fields: Vec<&str> = message.field.iter().map(|f| f.name()).collect();
                            assert_eq!(fields, ["reason", "domain", "metadata"]);
                            decoded.push("ErrorInfo");
                        }
                    }
                    for service in &file.service {
                        if service.name() == "Bank" {
                            assert!(service.method.iter().any(|m| m.name() == "Transfer"));
                            decoded.push("Bank");
                        }
                    }
                }
                files += 1;
            }
            other => panic!("unexpected answer {other:?}"),
        }
    }
    services.sort();
    assert_eq!(
        services,
        [
            "BankService",
            "grpc.health.v1.Health",
            "grpc.reflection.v1.ServerReflection",
            "grpc.reflection.v1alpha.ServerReflection",
            "redbank.v1.ApiKeys",
            "redbank.v1.Bank",
            "redbank.v1.Events",
            "redbank.v1.Webhooks"
        ]
    );
    assert_eq!(files, 2);
    decoded.sort_unstable();
    assert_eq!(decoded, ["Bank", "ErrorInfo"], "v1 reflection gives what describing and error decoding need");
    app.stop().await;
}

/// A finished stream of requests.
fn tokio_stream_iter<T: Send + 'static>(
    items: Vec<T>,
) -> impl futures_util::Stream<Item = T> + Send + 'static {
    futures_util::stream::iter(items)
}
