"""A classic BankService client, generated from proto/classic/bank.proto with
grpcio-tools and used unchanged, as existing clients of the classic design are.

It runs the classic demo and the error cases against a redbank server and exits
non-zero on the first mismatch. Run by the Rust integration test
`classic::a_python_grpcio_client_works_unchanged`; by hand:

    python3 tests/python/classic_client.py --target 127.0.0.1:50051 --proto-dir proto/classic
"""

import argparse
import importlib
import math
import sys
import tempfile
import uuid

import grpc
from grpc_tools import protoc

passed = 0
failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


def expect_error(name, call, code, message):
    try:
        call()
    except grpc.RpcError as e:
        check(name, e.code() == code and e.details() == message, f"got {e.code()} {e.details()!r}")
        return
    check(name, False, "expected an error, got success")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", required=True)
    parser.add_argument("--proto-dir", required=True)
    args = parser.parse_args()

    out = tempfile.mkdtemp(prefix="redbank-classic-py-")
    rc = protoc.main(["protoc", f"-I{args.proto_dir}", f"--python_out={out}", f"--grpc_python_out={out}", "bank.proto"])
    if rc != 0:
        print("protoc failed")
        return 2
    sys.path.insert(0, out)
    pb = importlib.import_module("bank_pb2")
    pb_grpc = importlib.import_module("bank_pb2_grpc")

    stub = pb_grpc.BankServiceStub(grpc.insecure_channel(args.target))
    acct = "py-" + uuid.uuid4().hex[:12]

    # The classic demo.
    r = stub.CreateAccount(pb.AccountRequest(account_id=acct, account_type="Savings"))
    check("create", r.account_id == acct and r.message != "", repr(r))
    r = stub.Deposit(pb.DepositRequest(account_id=acct, amount=1000.0))
    check("deposit 1000", r.balance == 1000.0, repr(r))
    r = stub.GetBalance(pb.AccountRequest(account_id=acct))
    check("balance 1000", r.balance == 1000.0 and r.account_id == acct, repr(r))
    r = stub.Withdraw(pb.WithdrawRequest(account_id=acct, amount=200.0))
    check("withdraw 200", r.balance == 800.0, repr(r))
    r = stub.CalculateInterest(pb.InterestRequest(account_id=acct, annual_interest_rate=5.0))
    check("interest 5%", r.balance == 840.0, repr(r))
    r = stub.GetBalance(pb.AccountRequest(account_id=acct))
    check("demo ends at 840.0", r.balance == 840.0, repr(r))

    # Exact money from doubles.
    dimes = "py-dimes-" + uuid.uuid4().hex[:8]
    stub.CreateAccount(pb.AccountRequest(account_id=dimes, account_type="checking"))
    for _ in range(10):
        stub.Deposit(pb.DepositRequest(account_id=dimes, amount=0.1))
    check("ten dimes are exactly 1.0", stub.GetBalance(pb.AccountRequest(account_id=dimes)).balance == 1.0)
    r = stub.Deposit(pb.DepositRequest(account_id=dimes, amount=0.30000000000000004))
    check("0.30000000000000004 is thirty cents", r.balance == 1.3, repr(r))

    # The error table.
    C = grpc.StatusCode
    nf = "Account not found. Please check the account ID."
    expect_error("balance of unknown", lambda: stub.GetBalance(pb.AccountRequest(account_id="py-nobody")), C.NOT_FOUND, nf)
    expect_error("deposit to unknown", lambda: stub.Deposit(pb.DepositRequest(account_id="py-nobody", amount=1.0)), C.NOT_FOUND, nf)
    expect_error("withdraw from unknown", lambda: stub.Withdraw(pb.WithdrawRequest(account_id="py-nobody", amount=1.0)), C.NOT_FOUND, nf)
    expect_error(
        "interest on unknown",
        lambda: stub.CalculateInterest(pb.InterestRequest(account_id="py-nobody", annual_interest_rate=1.0)),
        C.NOT_FOUND,
        nf,
    )
    for bad in [0.0, -0.0, -5.0, math.nan, math.inf, -math.inf]:
        expect_error(
            f"deposit {bad}",
            lambda: stub.Deposit(pb.DepositRequest(account_id=acct, amount=bad)),
            C.INVALID_ARGUMENT,
            "Transaction amount must be positive.",
        )
        expect_error(
            f"withdraw {bad}",
            lambda: stub.Withdraw(pb.WithdrawRequest(account_id=acct, amount=bad)),
            C.INVALID_ARGUMENT,
            "Transaction amount must be positive.",
        )
    expect_error(
        "overdraw",
        lambda: stub.Withdraw(pb.WithdrawRequest(account_id=acct, amount=840.01)),
        C.FAILED_PRECONDITION,
        "Insufficient funds for the requested withdrawal.",
    )
    for bad in [0.0, -1.0, math.nan, math.inf]:
        expect_error(
            f"rate {bad}",
            lambda: stub.CalculateInterest(pb.InterestRequest(account_id=acct, annual_interest_rate=bad)),
            C.INVALID_ARGUMENT,
            "Annual interest rate must be a positive value.",
        )
    expect_error("create twice", lambda: stub.CreateAccount(pb.AccountRequest(account_id=acct, account_type="savings")), C.ALREADY_EXISTS, "Account already exists.")
    expect_error(
        "bad type",
        lambda: stub.CreateAccount(pb.AccountRequest(account_id="py-x-" + uuid.uuid4().hex[:6], account_type="loan")),
        C.INVALID_ARGUMENT,
        "Account type must be 'savings' or 'checking'.",
    )
    try:
        stub.Deposit(pb.DepositRequest(account_id=acct, amount=0.001))
        check("sub-cent amount refused", False, "accepted")
    except grpc.RpcError as e:
        check("sub-cent amount refused", e.code() == C.INVALID_ARGUMENT and "minor unit" in e.details(), e.details())

    r = stub.GetBalance(pb.AccountRequest(account_id=acct))
    check("refusals changed nothing", r.balance == 840.0, repr(r))

    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
