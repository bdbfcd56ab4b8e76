//! Traces: the server started with `--otlp-endpoint` sends its spans to a small
//! OTLP receiver this test runs (the collector's own TraceService, from
//! opentelemetry-proto): a span per call with its method, code, account, request id
//! and reason, under the caller's W3C trace context, and a child span per Redis
//! script.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::trace::v1::Span;
use redbank_api::v1::{self, bank_client::BankClient};
use redbank_testkit::{RedisServer, free_port};
use tonic::Code;

use crate::helpers::*;

/// What the receiver was sent.
#[derive(Clone, Default)]
struct Receiver(Arc<Mutex<Vec<Span>>>);

#[tonic::async_trait]
impl TraceService for Receiver {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        let spans = request.into_inner().resource_spans.into_iter().flat_map(|r| r.scope_spans);
        self.0.lock().unwrap().extend(spans.flat_map(|s| s.spans));
        Ok(tonic::Response::new(ExportTraceServiceResponse { partial_success: None }))
    }
}

fn attribute(span: &Span, key: &str) -> Option<String> {
    let value = span.attributes.iter().find(|a| a.key == key)?.value.as_ref()?.value.as_ref()?;
    Some(match value {
        Value::StringValue(s) => s.clone(),
        Value::IntValue(i) => i.to_string(),
        other => format!("{other:?}"),
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT: &str = "00f067aa0ba902b7";

/// `message` sent under the trace TRACE, from the caller's span PARENT.
fn traced<T>(message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request.metadata_mut().insert("traceparent", format!("00-{TRACE}-{PARENT}-01").parse().unwrap());
    request
}

/// A deposit, an overdraft and a read with a `traceparent`, then SIGTERM (which
/// sends what is buffered): each call's span arrives with its fields, under the
/// caller's trace, with the script's span under it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_arrive_at_an_otlp_receiver_under_the_callers_trace() {
    let receiver = Receiver::default();
    let otlp: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(TraceServiceServer::new(receiver.clone()))
            .serve_with_shutdown(otlp, async {
                let _ = stopped.await;
            }),
    );
    let redis = RedisServer::start();
    let endpoint = format!("http://{otlp}");
    let mut server = ServerProcess::start_with(&redis.url(), &["--otlp-endpoint", &endpoint], None).await;
    let mut c = BankClient::new(channel(server.addr).await);
    create(&mut c, "traced", "USD").await;

    let (trace, parent) = (TRACE, PARENT);
    c.deposit(traced(deposit_req("traced", usd(10, 0), "trace-d1"))).await.unwrap();
    let refused = c
        .withdraw(traced(v1::WithdrawRequest {
            account_id: "traced".into(),
            amount: usd(99, 0),
            request_id: "trace-w1".into(),
            memo: String::new(),
        }))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::FailedPrecondition);
    // Without a traceparent: a trace of its own.
    c.get_account(v1::GetAccountRequest { account_id: "traced".into() }).await.unwrap();

    assert!(server.terminate().await.success());
    let spans = receiver.0.lock().unwrap().clone();
    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(10), serving).await;

    let call = |method: &str| {
        spans.iter().find(|s| s.name == format!("redbank.v1.Bank/{method}")).unwrap_or_else(|| {
            panic!("no span for {method}: {:?}", spans.iter().map(|s| &s.name).collect::<Vec<_>>())
        })
    };
    let deposit = call("Deposit");
    assert_eq!(hex(&deposit.trace_id), trace, "the caller's trace");
    assert_eq!(hex(&deposit.parent_span_id), parent, "the caller's span as the parent");
    assert_eq!(attribute(deposit, "rpc.grpc.status_code").as_deref(), Some("0"));
    assert_eq!(attribute(deposit, "redbank.account").as_deref(), Some("traced"));
    assert_eq!(attribute(deposit, "redbank.request_id").as_deref(), Some("trace-d1"));
    assert_eq!(attribute(deposit, "rpc.method").as_deref(), Some("/redbank.v1.Bank/Deposit"));

    // The script ran for the deposit: its span (or the wait for its batch) is a child.
    let children: Vec<&Span> = spans.iter().filter(|s| s.parent_span_id == deposit.span_id).collect();
    assert!(!children.is_empty(), "no child span of the deposit");
    assert!(
        children.iter().any(|s| s.name == "post" || s.name == "post (batched)"),
        "{:?}",
        children.iter().map(|s| &s.name).collect::<Vec<_>>()
    );
    assert!(children.iter().all(|s| hex(&s.trace_id) == trace));

    let withdraw = call("Withdraw");
    assert_eq!(hex(&withdraw.trace_id), trace);
    assert_eq!(attribute(withdraw, "rpc.grpc.status_code").as_deref(), Some("9"));
    assert_eq!(attribute(withdraw, "redbank.reason").as_deref(), Some("INSUFFICIENT_FUNDS"));
    assert_eq!(attribute(withdraw, "redbank.request_id").as_deref(), Some("trace-w1"));

    let read = call("GetAccount");
    assert_ne!(hex(&read.trace_id), trace, "a call without traceparent starts its own trace");
    assert!(read.parent_span_id.is_empty());
    assert_eq!(attribute(read, "redbank.account").as_deref(), Some("traced"));
}
