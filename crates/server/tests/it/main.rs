//! Integration tests: real redis-server processes, real servers on loopback ports,
//! real gRPC clients. One binary, so it links once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod across_slots;
mod auth;
mod classic;
mod cluster;
mod concurrency;
mod console_doors;
mod doors;
mod events;
mod failover;
mod faults;
mod feed;
mod hardening;
mod helpers;
mod hostile;
mod interest;
mod ledger;
mod observability;
mod operations;
mod planted;
mod refusals;
mod replication;
mod restart;
mod rules;
mod tls;
mod tools;
mod traces;
mod v1;
mod webhooks;
