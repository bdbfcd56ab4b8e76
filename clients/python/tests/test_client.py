"""The Python client against a real redbank-server and a real Redis."""

import os
import re
import subprocess
import sys
import threading
import time
import uuid
from decimal import Decimal

import pytest

from conftest import LostReplies
from redbank import Client, RedbankError, amount, money, pb

HERE = os.path.dirname(os.path.abspath(__file__))


def fresh(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_money_is_exact():
    assert money("12.50", "USD") == pb.Money(currency_code="USD", units=12, nanos=500_000_000)
    assert money("-0.01", "USD") == pb.Money(currency_code="USD", units=0, nanos=-10_000_000)
    assert amount(money("1234567.89", "EUR")) == Decimal("1234567.89")
    with pytest.raises(ValueError):
        money("0.0000000001", "USD")


def test_a_deposit_whose_reply_is_lost_is_retried_and_applied_once(service):
    proxy = LostReplies(service.port)
    retried = []
    account = fresh("lost")
    with Client(proxy.endpoint, service.admin, on_retry=lambda m, e: retried.append((m, e.code))) as bank, \
            Client(service.endpoint, service.admin) as direct:
        bank.create_account(account, "checking", customer_id=account)
        proxy.hold()
        outcome = {}

        def deposit():
            try:
                outcome["reply"] = bank.deposit(account, money("40.00", "USD"), memo="lost once")
            except RedbankError as e:  # pragma: no cover - reported by the assertion below
                outcome["error"] = e

        caller = threading.Thread(target=deposit)
        caller.start()
        # The deposit reaches the server and is applied; its reply is kept by the proxy.
        deadline = time.monotonic() + 30
        while direct.get_account(account).version == 0:
            assert time.monotonic() < deadline, "the deposit never reached the server"
            time.sleep(0.02)
        time.sleep(0.2)
        assert proxy.kept > 0, "the server's reply was not caught"
        proxy.cut()
        caller.join(timeout=60)
        assert not caller.is_alive()
        assert "error" not in outcome, outcome
        assert retried and retried[0][0] == "Deposit" and retried[0][1] in ("UNAVAILABLE", "DEADLINE_EXCEEDED")
        reply = outcome["reply"]
        # The retry answered the first result: one entry, one balance change.
        assert amount(reply.account.balance) == Decimal("40.00")
        entries = list(direct.history(account))
        assert [t.kind for t in entries] == [pb.TRANSACTION_KIND_DEPOSIT]
        assert entries[0].request_id == reply.transaction.request_id
        assert entries[0].transaction_id == reply.transaction.transaction_id
    proxy.close()


def test_an_overdraft_is_refused_with_its_reason(service):
    account = fresh("over")
    with Client(service.endpoint, service.admin) as bank:
        bank.create_account(account, "checking", customer_id=account)
        bank.deposit(account, money("10.00", "USD"))
        with pytest.raises(RedbankError) as refused:
            bank.withdraw(account, money("10.01", "USD"), request_id="over-1")
        e = refused.value
        assert (e.code, e.reason) == ("FAILED_PRECONDITION", "INSUFFICIENT_FUNDS")
        assert e.request_id == "over-1"
        assert e.metadata, "the ErrorInfo's metadata is carried"
        assert amount(bank.get_account(account).balance) == Decimal("10.00")


def test_a_history_is_paged_to_its_end(service):
    account = fresh("pages")
    with Client(service.endpoint, service.admin) as bank:
        bank.create_account(account, "savings", customer_id=account)
        for cents in range(1, 26):
            bank.deposit(account, money(Decimal(cents) / 100, "USD"))
        pages = []
        original = bank.call

        def counting(method, request, **kw):
            if method == "ListTransactions":
                pages.append(request.page_token)
            return original(method, request, **kw)

        bank.call = counting
        entries = list(bank.history(account, page_size=10))
        assert len(pages) == 3 and pages[0] == "" and all(pages[1:])
        assert [amount(t.amount) for t in entries] == [Decimal(c) / 100 for c in range(25, 0, -1)]
        assert [t.account_version for t in entries] == list(range(25, 0, -1))


def test_refused_calls_raise_with_code_and_reason(service):
    mine, theirs = fresh("mine"), fresh("theirs")
    with Client(service.endpoint, service.admin) as bank:
        bank.create_account(mine, "checking", customer_id=mine)
        bank.create_account(theirs, "checking", customer_id=theirs)
    customer = service.make_key("--role", "customer", "--customer", mine)
    with Client(service.endpoint, customer) as bank:
        assert bank.get_account(mine).account_id == mine
        with pytest.raises(RedbankError) as refused:
            bank.deposit(theirs, money("1.00", "USD"))
        assert (refused.value.code, refused.value.reason) == ("PERMISSION_DENIED", "PERMISSION_DENIED")
        assert [a.account_id for a in bank.accounts()] == [mine]
    with Client(service.endpoint, None) as anonymous:
        with pytest.raises(RedbankError) as refused:
            anonymous.get_account(mine)
        assert refused.value.code == "UNAUTHENTICATED" and refused.value.reason
    with Client(service.endpoint, "rbk_0000000000000000_" + "0" * 64) as forged:
        with pytest.raises(RedbankError) as refused:
            forged.get_account(mine)
        assert refused.value.code == "UNAUTHENTICATED"


def test_the_readme_example_runs_as_written(service):
    readme = open(os.path.join(HERE, "..", "README.md")).read()
    example = re.search(r"```python\n(.*?)```", readme, re.S).group(1)
    assert len(example.strip().splitlines()) <= 12, "the README's example is meant to be short"
    env = dict(os.environ, REDBANK_ENDPOINT=service.endpoint, REDBANK_TOKEN=service.admin)
    run = subprocess.run([sys.executable, "-c", example], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "refused: FAILED_PRECONDITION INSUFFICIENT_FUNDS" in run.stdout, run.stdout
    assert "TRANSACTION_KIND_DEPOSIT 25 25" in run.stdout, run.stdout
