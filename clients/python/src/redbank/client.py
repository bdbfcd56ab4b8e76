"""A small client of redbank.v1 over the generated stubs.

What it adds to the stubs is what every caller would otherwise rediscover:
- the bearer credential on every call;
- a request id made once per change and sent again on each retry, so that a retry
  after a lost reply is applied at most once (the server answers the first result);
- a deadline on every call;
- UNAVAILABLE (and, for changes carrying their request id, DEADLINE_EXCEEDED)
  retried with backoff and jitter, a bounded number of times;
- failures raised as RedbankError with the gRPC code, the ErrorInfo reason and its
  metadata;
- paging: iterators over a history and over accounts that follow the page tokens.
"""

from __future__ import annotations

import random
import time
import uuid
from decimal import Decimal
from typing import Callable, Iterator, Optional

import grpc
from google.rpc import error_details_pb2, status_pb2

from redbank.v1 import bank_pb2 as pb
from redbank.v1 import bank_pb2_grpc

# A change whose reply was lost is retried this many times at most, with the same
# request id; the wait doubles from RETRY_FIRST_WAIT up to RETRY_LONGEST_WAIT.
RETRIES = 4
RETRY_FIRST_WAIT = 0.1
RETRY_LONGEST_WAIT = 2.0
DEFAULT_TIMEOUT = 5.0

_NANOS = Decimal(1_000_000_000)


class RedbankError(Exception):
    """A call that failed: `code` is gRPC's name ("FAILED_PRECONDITION"), `reason` the
    server's machine-readable reason ("INSUFFICIENT_FUNDS"; "" when the failure did
    not come from redbank), `metadata` the ErrorInfo's details, `request_id` the id
    a change was sent with (run it again with that id to apply it at most once)."""

    def __init__(self, code: str, reason: str, message: str, metadata: dict, request_id: str = ""):
        super().__init__(f"{code} {reason}: {message}" if reason else f"{code}: {message}")
        self.code = code
        self.reason = reason
        self.message = message
        self.metadata = metadata
        self.request_id = request_id

    @classmethod
    def from_rpc(cls, error: grpc.RpcError, request_id: str = "") -> "RedbankError":
        reason, metadata = "", {}
        for key, value in error.trailing_metadata() or ():
            if key == "grpc-status-details-bin":
                status = status_pb2.Status.FromString(value)
                for detail in status.details:
                    info = error_details_pb2.ErrorInfo()
                    if detail.Unpack(info):
                        reason, metadata = info.reason, dict(info.metadata)
        return cls(error.code().name, reason, error.details() or "", metadata, request_id)


def money(amount: str | Decimal, currency: str) -> pb.Money:
    """`money("12.50", "USD")`: an exact amount as Money (never a float)."""
    value = Decimal(amount)
    units = int(value)
    nanos = int((value - units) * _NANOS)
    if (value - units) * _NANOS != nanos:
        raise ValueError(f"{amount} has more than 9 decimal places")
    return pb.Money(currency_code=currency, units=units, nanos=nanos)


def amount(m: pb.Money) -> Decimal:
    """The exact decimal amount of a Money."""
    return Decimal(m.units) + Decimal(m.nanos) / _NANOS


class Client:
    """redbank.v1.Bank with a credential, deadlines, retries and typed errors.

    `Client("127.0.0.1:50051", token="rbk_...")` speaks plaintext (loopback, tests);
    give `credentials=grpc.ssl_channel_credentials(...)` for TLS. Every method takes
    `timeout` (seconds) and changes take `request_id` (a fresh UUID when omitted).
    """

    def __init__(
        self,
        endpoint: str,
        token: Optional[str] = None,
        *,
        credentials: Optional[grpc.ChannelCredentials] = None,
        timeout: float = DEFAULT_TIMEOUT,
        retries: int = RETRIES,
        on_retry: Optional[Callable[[str, RedbankError], None]] = None,
    ):
        target = endpoint.removeprefix("http://").removeprefix("https://")
        self._channel = (
            grpc.secure_channel(target, credentials) if credentials else grpc.insecure_channel(target)
        )
        self.bank = bank_pb2_grpc.BankStub(self._channel)
        self._metadata = (("authorization", f"Bearer {token}"),) if token else ()
        self._timeout = timeout
        self._retries = retries
        self._on_retry = on_retry

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def call(self, method: str, request, *, timeout: Optional[float] = None):
        """Any method of redbank.v1.Bank by name (`call("GetHold", pb.GetHoldRequest(...))`),
        with the same credential, deadline, retries and errors. A request with a
        `request_id` field gets one if it has none, made once for every attempt."""
        stub = getattr(self.bank, method)
        request_id = ""
        if "request_id" in request.DESCRIPTOR.fields_by_name:
            if not request.request_id:
                request.request_id = str(uuid.uuid4())
            request_id = request.request_id
        wait = RETRY_FIRST_WAIT
        for attempt in range(self._retries + 1):
            try:
                return stub(request, timeout=timeout or self._timeout, metadata=self._metadata)
            except grpc.RpcError as e:
                error = RedbankError.from_rpc(e, request_id)
                # A change is safe to send again only with its request id; a read always is.
                retriable = e.code() == grpc.StatusCode.UNAVAILABLE or (
                    e.code() == grpc.StatusCode.DEADLINE_EXCEEDED and request_id
                )
                if not retriable or attempt == self._retries:
                    raise error from None
                if self._on_retry:
                    self._on_retry(method, error)
                time.sleep(wait * (0.5 + random.random() / 2))
                wait = min(wait * 2, RETRY_LONGEST_WAIT)
        raise AssertionError("unreachable")

    # Accounts.
    def create_account(self, account_id: str, type: str = "savings", currency: str = "",
                       customer_id: str = "", request_id: str = "", **kw) -> pb.Account:
        kind = {"savings": pb.ACCOUNT_TYPE_SAVINGS, "checking": pb.ACCOUNT_TYPE_CHECKING}[type]
        return self.call("CreateAccount", pb.CreateAccountRequest(
            account_id=account_id, type=kind, currency_code=currency, customer_id=customer_id,
            request_id=request_id), **kw)

    def get_account(self, account_id: str, **kw) -> pb.Account:
        return self.call("GetAccount", pb.GetAccountRequest(account_id=account_id), **kw)

    def _pages(self, method: str, request, items: str, **kw) -> Iterator:
        """The `items` of every page of `method`, from `request` on, following the tokens."""
        while True:
            page = self.call(method, request, **kw)
            yield from getattr(page, items)
            if not page.next_page_token:
                return
            request.page_token = page.next_page_token

    def accounts(self, customer_id: str = "", page_size: int = 100, **kw) -> Iterator[pb.Account]:
        """Every account (or one customer's), following the pages."""
        request = pb.ListAccountsRequest(page_size=page_size, customer_id=customer_id)
        return self._pages("ListAccounts", request, "accounts", **kw)

    # Money.
    def deposit(self, account_id: str, value: pb.Money, memo: str = "", request_id: str = "",
                **kw) -> pb.DepositResponse:
        return self.call("Deposit", pb.DepositRequest(
            account_id=account_id, amount=value, memo=memo, request_id=request_id), **kw)

    def withdraw(self, account_id: str, value: pb.Money, memo: str = "", request_id: str = "",
                 **kw) -> pb.WithdrawResponse:
        return self.call("Withdraw", pb.WithdrawRequest(
            account_id=account_id, amount=value, memo=memo, request_id=request_id), **kw)

    def transfer(self, from_id: str, to_id: str, value: pb.Money, memo: str = "", request_id: str = "",
                 **kw) -> pb.TransferResponse:
        return self.call("Transfer", pb.TransferRequest(
            from_account_id=from_id, to_account_id=to_id, amount=value, memo=memo,
            request_id=request_id), **kw)

    def history(self, account_id: str, page_size: int = 100, **kw) -> Iterator[pb.Transaction]:
        """An account's history, newest first, following the pages."""
        request = pb.ListTransactionsRequest(account_id=account_id, page_size=page_size)
        return self._pages("ListTransactions", request, "transactions", **kw)
