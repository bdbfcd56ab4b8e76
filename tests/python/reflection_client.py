#!/usr/bin/env python3
"""Lists and resolves redbank's services through server reflection with grpcio's own
reflection client (which speaks grpc.reflection.v1alpha), as generic tools do.

    reflection_client.py --target 127.0.0.1:50051

Prints one line per check and "N passed, M failed"; exits non-zero on a failure.
"""

import argparse
import sys

import grpc
from google.protobuf import descriptor_pool
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", required=True)
    args = ap.parse_args()
    channel = grpc.insecure_channel(args.target)
    db = ProtoReflectionDescriptorDatabase(channel)
    pool = descriptor_pool.DescriptorPool(db)
    passed, failed = 0, 0

    def check(name, ok):
        nonlocal passed, failed
        print(("ok   " if ok else "FAIL ") + name)
        if ok:
            passed += 1
        else:
            failed += 1

    services = set(db.get_services())
    for wanted in ("redbank.v1.Bank", "BankService", "grpc.health.v1.Health",
                   "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"):
        check(f"lists {wanted}", wanted in services)
    bank = pool.FindServiceByName("redbank.v1.Bank")
    check("redbank.v1.Bank has Transfer", bank.FindMethodByName("Transfer") is not None)
    check("GetStatement takes a page token",
          "page_token" in pool.FindMessageTypeByName("redbank.v1.GetStatementRequest").fields_by_name)
    classic = pool.FindServiceByName("BankService")
    check("BankService has CalculateInterest", classic.FindMethodByName("CalculateInterest") is not None)
    info = pool.FindMessageTypeByName("google.rpc.ErrorInfo")
    check("google.rpc.ErrorInfo resolves", set(info.fields_by_name) == {"reason", "domain", "metadata"})
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
