import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AccountType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACCOUNT_TYPE_UNSPECIFIED: _ClassVar[AccountType]
    ACCOUNT_TYPE_SAVINGS: _ClassVar[AccountType]
    ACCOUNT_TYPE_CHECKING: _ClassVar[AccountType]

class AccountState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACCOUNT_STATE_UNSPECIFIED: _ClassVar[AccountState]
    ACCOUNT_STATE_ACTIVE: _ClassVar[AccountState]
    ACCOUNT_STATE_FROZEN: _ClassVar[AccountState]
    ACCOUNT_STATE_CLOSED: _ClassVar[AccountState]

class TransactionKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRANSACTION_KIND_UNSPECIFIED: _ClassVar[TransactionKind]
    TRANSACTION_KIND_DEPOSIT: _ClassVar[TransactionKind]
    TRANSACTION_KIND_WITHDRAWAL: _ClassVar[TransactionKind]
    TRANSACTION_KIND_INTEREST: _ClassVar[TransactionKind]
    TRANSACTION_KIND_TRANSFER_IN: _ClassVar[TransactionKind]
    TRANSACTION_KIND_TRANSFER_OUT: _ClassVar[TransactionKind]
    TRANSACTION_KIND_ACCOUNT_FROZEN: _ClassVar[TransactionKind]
    TRANSACTION_KIND_ACCOUNT_UNFROZEN: _ClassVar[TransactionKind]
    TRANSACTION_KIND_ACCOUNT_CLOSED: _ClassVar[TransactionKind]
    TRANSACTION_KIND_HOLD: _ClassVar[TransactionKind]
    TRANSACTION_KIND_CAPTURE: _ClassVar[TransactionKind]
    TRANSACTION_KIND_RELEASE: _ClassVar[TransactionKind]

class Role(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ROLE_UNSPECIFIED: _ClassVar[Role]
    ROLE_CUSTOMER: _ClassVar[Role]
    ROLE_TELLER: _ClassVar[Role]
    ROLE_AUDITOR: _ClassVar[Role]
    ROLE_ADMIN: _ClassVar[Role]

class HoldState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    HOLD_STATE_UNSPECIFIED: _ClassVar[HoldState]
    HOLD_STATE_OPEN: _ClassVar[HoldState]
    HOLD_STATE_CAPTURING: _ClassVar[HoldState]
    HOLD_STATE_CAPTURED: _ClassVar[HoldState]
    HOLD_STATE_VOIDED: _ClassVar[HoldState]
    HOLD_STATE_EXPIRED: _ClassVar[HoldState]

class DeliveryOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DELIVERY_OUTCOME_UNSPECIFIED: _ClassVar[DeliveryOutcome]
    DELIVERY_OUTCOME_DELIVERED: _ClassVar[DeliveryOutcome]
    DELIVERY_OUTCOME_FAILED: _ClassVar[DeliveryOutcome]
    DELIVERY_OUTCOME_DEAD: _ClassVar[DeliveryOutcome]
ACCOUNT_TYPE_UNSPECIFIED: AccountType
ACCOUNT_TYPE_SAVINGS: AccountType
ACCOUNT_TYPE_CHECKING: AccountType
ACCOUNT_STATE_UNSPECIFIED: AccountState
ACCOUNT_STATE_ACTIVE: AccountState
ACCOUNT_STATE_FROZEN: AccountState
ACCOUNT_STATE_CLOSED: AccountState
TRANSACTION_KIND_UNSPECIFIED: TransactionKind
TRANSACTION_KIND_DEPOSIT: TransactionKind
TRANSACTION_KIND_WITHDRAWAL: TransactionKind
TRANSACTION_KIND_INTEREST: TransactionKind
TRANSACTION_KIND_TRANSFER_IN: TransactionKind
TRANSACTION_KIND_TRANSFER_OUT: TransactionKind
TRANSACTION_KIND_ACCOUNT_FROZEN: TransactionKind
TRANSACTION_KIND_ACCOUNT_UNFROZEN: TransactionKind
TRANSACTION_KIND_ACCOUNT_CLOSED: TransactionKind
TRANSACTION_KIND_HOLD: TransactionKind
TRANSACTION_KIND_CAPTURE: TransactionKind
TRANSACTION_KIND_RELEASE: TransactionKind
ROLE_UNSPECIFIED: Role
ROLE_CUSTOMER: Role
ROLE_TELLER: Role
ROLE_AUDITOR: Role
ROLE_ADMIN: Role
HOLD_STATE_UNSPECIFIED: HoldState
HOLD_STATE_OPEN: HoldState
HOLD_STATE_CAPTURING: HoldState
HOLD_STATE_CAPTURED: HoldState
HOLD_STATE_VOIDED: HoldState
HOLD_STATE_EXPIRED: HoldState
DELIVERY_OUTCOME_UNSPECIFIED: DeliveryOutcome
DELIVERY_OUTCOME_DELIVERED: DeliveryOutcome
DELIVERY_OUTCOME_FAILED: DeliveryOutcome
DELIVERY_OUTCOME_DEAD: DeliveryOutcome

class Money(_message.Message):
    __slots__ = ("currency_code", "units", "nanos")
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    NANOS_FIELD_NUMBER: _ClassVar[int]
    currency_code: str
    units: int
    nanos: int
    def __init__(self, currency_code: _Optional[str] = ..., units: _Optional[int] = ..., nanos: _Optional[int] = ...) -> None: ...

class Account(_message.Message):
    __slots__ = ("account_id", "type", "balance", "create_time", "version", "state", "state_reason", "state_change_time", "customer_id", "available_balance", "held_balance")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    STATE_REASON_FIELD_NUMBER: _ClassVar[int]
    STATE_CHANGE_TIME_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_BALANCE_FIELD_NUMBER: _ClassVar[int]
    HELD_BALANCE_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    type: AccountType
    balance: Money
    create_time: _timestamp_pb2.Timestamp
    version: int
    state: AccountState
    state_reason: str
    state_change_time: _timestamp_pb2.Timestamp
    customer_id: str
    available_balance: Money
    held_balance: Money
    def __init__(self, account_id: _Optional[str] = ..., type: _Optional[_Union[AccountType, str]] = ..., balance: _Optional[_Union[Money, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., version: _Optional[int] = ..., state: _Optional[_Union[AccountState, str]] = ..., state_reason: _Optional[str] = ..., state_change_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., customer_id: _Optional[str] = ..., available_balance: _Optional[_Union[Money, _Mapping]] = ..., held_balance: _Optional[_Union[Money, _Mapping]] = ...) -> None: ...

class Transaction(_message.Message):
    __slots__ = ("transaction_id", "account_id", "kind", "amount", "balance_after", "request_id", "memo", "create_time", "account_version", "counterparty_account_id", "transfer_id", "actor")
    TRANSACTION_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    BALANCE_AFTER_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    MEMO_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_VERSION_FIELD_NUMBER: _ClassVar[int]
    COUNTERPARTY_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    TRANSFER_ID_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    transaction_id: str
    account_id: str
    kind: TransactionKind
    amount: Money
    balance_after: Money
    request_id: str
    memo: str
    create_time: _timestamp_pb2.Timestamp
    account_version: int
    counterparty_account_id: str
    transfer_id: str
    actor: str
    def __init__(self, transaction_id: _Optional[str] = ..., account_id: _Optional[str] = ..., kind: _Optional[_Union[TransactionKind, str]] = ..., amount: _Optional[_Union[Money, _Mapping]] = ..., balance_after: _Optional[_Union[Money, _Mapping]] = ..., request_id: _Optional[str] = ..., memo: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., account_version: _Optional[int] = ..., counterparty_account_id: _Optional[str] = ..., transfer_id: _Optional[str] = ..., actor: _Optional[str] = ...) -> None: ...

class CreateAccountRequest(_message.Message):
    __slots__ = ("account_id", "type", "currency_code", "request_id", "customer_id")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    type: AccountType
    currency_code: str
    request_id: str
    customer_id: str
    def __init__(self, account_id: _Optional[str] = ..., type: _Optional[_Union[AccountType, str]] = ..., currency_code: _Optional[str] = ..., request_id: _Optional[str] = ..., customer_id: _Optional[str] = ...) -> None: ...

class GetAccountRequest(_message.Message):
    __slots__ = ("account_id",)
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    def __init__(self, account_id: _Optional[str] = ...) -> None: ...

class DepositRequest(_message.Message):
    __slots__ = ("account_id", "amount", "request_id", "memo")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    MEMO_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    amount: Money
    request_id: str
    memo: str
    def __init__(self, account_id: _Optional[str] = ..., amount: _Optional[_Union[Money, _Mapping]] = ..., request_id: _Optional[str] = ..., memo: _Optional[str] = ...) -> None: ...

class DepositResponse(_message.Message):
    __slots__ = ("transaction", "account")
    TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    transaction: Transaction
    account: Account
    def __init__(self, transaction: _Optional[_Union[Transaction, _Mapping]] = ..., account: _Optional[_Union[Account, _Mapping]] = ...) -> None: ...

class WithdrawRequest(_message.Message):
    __slots__ = ("account_id", "amount", "request_id", "memo")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    MEMO_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    amount: Money
    request_id: str
    memo: str
    def __init__(self, account_id: _Optional[str] = ..., amount: _Optional[_Union[Money, _Mapping]] = ..., request_id: _Optional[str] = ..., memo: _Optional[str] = ...) -> None: ...

class WithdrawResponse(_message.Message):
    __slots__ = ("transaction", "account")
    TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    transaction: Transaction
    account: Account
    def __init__(self, transaction: _Optional[_Union[Transaction, _Mapping]] = ..., account: _Optional[_Union[Account, _Mapping]] = ...) -> None: ...

class ApplyInterestRequest(_message.Message):
    __slots__ = ("account_id", "annual_rate_percent", "days", "request_id", "memo", "period")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    ANNUAL_RATE_PERCENT_FIELD_NUMBER: _ClassVar[int]
    DAYS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    MEMO_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    annual_rate_percent: str
    days: int
    request_id: str
    memo: str
    period: str
    def __init__(self, account_id: _Optional[str] = ..., annual_rate_percent: _Optional[str] = ..., days: _Optional[int] = ..., request_id: _Optional[str] = ..., memo: _Optional[str] = ..., period: _Optional[str] = ...) -> None: ...

class ApplyInterestResponse(_message.Message):
    __slots__ = ("transaction", "account")
    TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    transaction: Transaction
    account: Account
    def __init__(self, transaction: _Optional[_Union[Transaction, _Mapping]] = ..., account: _Optional[_Union[Account, _Mapping]] = ...) -> None: ...

class TransferRequest(_message.Message):
    __slots__ = ("from_account_id", "to_account_id", "amount", "request_id", "memo")
    FROM_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    TO_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    MEMO_FIELD_NUMBER: _ClassVar[int]
    from_account_id: str
    to_account_id: str
    amount: Money
    request_id: str
    memo: str
    def __init__(self, from_account_id: _Optional[str] = ..., to_account_id: _Optional[str] = ..., amount: _Optional[_Union[Money, _Mapping]] = ..., request_id: _Optional[str] = ..., memo: _Optional[str] = ...) -> None: ...

class TransferResponse(_message.Message):
    __slots__ = ("from_transaction", "to_transaction", "from_account", "to_account")
    FROM_TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    TO_TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    FROM_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    TO_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    from_transaction: Transaction
    to_transaction: Transaction
    from_account: Account
    to_account: Account
    def __init__(self, from_transaction: _Optional[_Union[Transaction, _Mapping]] = ..., to_transaction: _Optional[_Union[Transaction, _Mapping]] = ..., from_account: _Optional[_Union[Account, _Mapping]] = ..., to_account: _Optional[_Union[Account, _Mapping]] = ...) -> None: ...

class ListTransactionsRequest(_message.Message):
    __slots__ = ("account_id", "page_size", "page_token", "start_time", "end_time", "kinds")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    page_size: int
    page_token: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    kinds: _containers.RepeatedScalarFieldContainer[TransactionKind]
    def __init__(self, account_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., kinds: _Optional[_Iterable[_Union[TransactionKind, str]]] = ...) -> None: ...

class ListTransactionsResponse(_message.Message):
    __slots__ = ("transactions", "next_page_token")
    TRANSACTIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    transactions: _containers.RepeatedCompositeFieldContainer[Transaction]
    next_page_token: str
    def __init__(self, transactions: _Optional[_Iterable[_Union[Transaction, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetStatementRequest(_message.Message):
    __slots__ = ("account_id", "start_time", "end_time", "page_size", "page_token")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    page_size: int
    page_token: str
    def __init__(self, account_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class GetStatementResponse(_message.Message):
    __slots__ = ("account_id", "start_time", "end_time", "opening_balance", "transactions", "closing_balance", "total_in", "total_out", "next_page_token", "interest")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    OPENING_BALANCE_FIELD_NUMBER: _ClassVar[int]
    TRANSACTIONS_FIELD_NUMBER: _ClassVar[int]
    CLOSING_BALANCE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_IN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_OUT_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    INTEREST_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    opening_balance: Money
    transactions: _containers.RepeatedCompositeFieldContainer[Transaction]
    closing_balance: Money
    total_in: Money
    total_out: Money
    next_page_token: str
    interest: MonthInterest
    def __init__(self, account_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., opening_balance: _Optional[_Union[Money, _Mapping]] = ..., transactions: _Optional[_Iterable[_Union[Transaction, _Mapping]]] = ..., closing_balance: _Optional[_Union[Money, _Mapping]] = ..., total_in: _Optional[_Union[Money, _Mapping]] = ..., total_out: _Optional[_Union[Money, _Mapping]] = ..., next_page_token: _Optional[str] = ..., interest: _Optional[_Union[MonthInterest, _Mapping]] = ...) -> None: ...

class MonthInterest(_message.Message):
    __slots__ = ("amount", "annual_rate_percent", "posted", "days")
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    ANNUAL_RATE_PERCENT_FIELD_NUMBER: _ClassVar[int]
    POSTED_FIELD_NUMBER: _ClassVar[int]
    DAYS_FIELD_NUMBER: _ClassVar[int]
    amount: Money
    annual_rate_percent: str
    posted: bool
    days: int
    def __init__(self, amount: _Optional[_Union[Money, _Mapping]] = ..., annual_rate_percent: _Optional[str] = ..., posted: _Optional[bool] = ..., days: _Optional[int] = ...) -> None: ...

class FreezeAccountRequest(_message.Message):
    __slots__ = ("account_id", "reason", "request_id")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    reason: str
    request_id: str
    def __init__(self, account_id: _Optional[str] = ..., reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class UnfreezeAccountRequest(_message.Message):
    __slots__ = ("account_id", "reason", "request_id")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    reason: str
    request_id: str
    def __init__(self, account_id: _Optional[str] = ..., reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class CloseAccountRequest(_message.Message):
    __slots__ = ("account_id", "reason", "request_id")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    reason: str
    request_id: str
    def __init__(self, account_id: _Optional[str] = ..., reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ListAccountsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "customer_id")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    customer_id: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., customer_id: _Optional[str] = ...) -> None: ...

class ListAccountsResponse(_message.Message):
    __slots__ = ("accounts", "next_page_token")
    ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    accounts: _containers.RepeatedCompositeFieldContainer[Account]
    next_page_token: str
    def __init__(self, accounts: _Optional[_Iterable[_Union[Account, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ApiKey(_message.Message):
    __slots__ = ("key_id", "role", "customer_id", "description", "create_time", "created_by", "expire_time", "last_use_time", "revoke_time", "revoked_by")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_USE_TIME_FIELD_NUMBER: _ClassVar[int]
    REVOKE_TIME_FIELD_NUMBER: _ClassVar[int]
    REVOKED_BY_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    role: Role
    customer_id: str
    description: str
    create_time: _timestamp_pb2.Timestamp
    created_by: str
    expire_time: _timestamp_pb2.Timestamp
    last_use_time: _timestamp_pb2.Timestamp
    revoke_time: _timestamp_pb2.Timestamp
    revoked_by: str
    def __init__(self, key_id: _Optional[str] = ..., role: _Optional[_Union[Role, str]] = ..., customer_id: _Optional[str] = ..., description: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_by: _Optional[str] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_use_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revoke_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revoked_by: _Optional[str] = ...) -> None: ...

class CreateApiKeyRequest(_message.Message):
    __slots__ = ("role", "customer_id", "description", "expire_time")
    ROLE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    role: Role
    customer_id: str
    description: str
    expire_time: _timestamp_pb2.Timestamp
    def __init__(self, role: _Optional[_Union[Role, str]] = ..., customer_id: _Optional[str] = ..., description: _Optional[str] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateApiKeyResponse(_message.Message):
    __slots__ = ("key", "credential")
    KEY_FIELD_NUMBER: _ClassVar[int]
    CREDENTIAL_FIELD_NUMBER: _ClassVar[int]
    key: ApiKey
    credential: str
    def __init__(self, key: _Optional[_Union[ApiKey, _Mapping]] = ..., credential: _Optional[str] = ...) -> None: ...

class ListApiKeysRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListApiKeysResponse(_message.Message):
    __slots__ = ("keys", "truncated")
    KEYS_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    keys: _containers.RepeatedCompositeFieldContainer[ApiKey]
    truncated: bool
    def __init__(self, keys: _Optional[_Iterable[_Union[ApiKey, _Mapping]]] = ..., truncated: _Optional[bool] = ...) -> None: ...

class RevokeApiKeyRequest(_message.Message):
    __slots__ = ("key_id",)
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    def __init__(self, key_id: _Optional[str] = ...) -> None: ...

class Hold(_message.Message):
    __slots__ = ("hold_id", "account_id", "state", "amount", "memo", "create_time", "expire_time", "capture_account_id", "capture_amount", "settle_time", "actor")
    HOLD_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    MEMO_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    CAPTURE_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CAPTURE_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    SETTLE_TIME_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    hold_id: str
    account_id: str
    state: HoldState
    amount: Money
    memo: str
    create_time: _timestamp_pb2.Timestamp
    expire_time: _timestamp_pb2.Timestamp
    capture_account_id: str
    capture_amount: Money
    settle_time: _timestamp_pb2.Timestamp
    actor: str
    def __init__(self, hold_id: _Optional[str] = ..., account_id: _Optional[str] = ..., state: _Optional[_Union[HoldState, str]] = ..., amount: _Optional[_Union[Money, _Mapping]] = ..., memo: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., capture_account_id: _Optional[str] = ..., capture_amount: _Optional[_Union[Money, _Mapping]] = ..., settle_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actor: _Optional[str] = ...) -> None: ...

class CreateHoldRequest(_message.Message):
    __slots__ = ("account_id", "amount", "request_id", "memo", "expire_time")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    MEMO_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    amount: Money
    request_id: str
    memo: str
    expire_time: _timestamp_pb2.Timestamp
    def __init__(self, account_id: _Optional[str] = ..., amount: _Optional[_Union[Money, _Mapping]] = ..., request_id: _Optional[str] = ..., memo: _Optional[str] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class HoldResponse(_message.Message):
    __slots__ = ("hold", "transaction", "account")
    HOLD_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    hold: Hold
    transaction: Transaction
    account: Account
    def __init__(self, hold: _Optional[_Union[Hold, _Mapping]] = ..., transaction: _Optional[_Union[Transaction, _Mapping]] = ..., account: _Optional[_Union[Account, _Mapping]] = ...) -> None: ...

class CaptureHoldRequest(_message.Message):
    __slots__ = ("hold_id", "amount", "to_account_id", "request_id", "memo")
    HOLD_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    TO_ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    MEMO_FIELD_NUMBER: _ClassVar[int]
    hold_id: str
    amount: Money
    to_account_id: str
    request_id: str
    memo: str
    def __init__(self, hold_id: _Optional[str] = ..., amount: _Optional[_Union[Money, _Mapping]] = ..., to_account_id: _Optional[str] = ..., request_id: _Optional[str] = ..., memo: _Optional[str] = ...) -> None: ...

class CaptureHoldResponse(_message.Message):
    __slots__ = ("hold", "capture_transaction", "release_transaction", "account", "to_transaction", "to_account")
    HOLD_FIELD_NUMBER: _ClassVar[int]
    CAPTURE_TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    RELEASE_TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    TO_TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    TO_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    hold: Hold
    capture_transaction: Transaction
    release_transaction: Transaction
    account: Account
    to_transaction: Transaction
    to_account: Account
    def __init__(self, hold: _Optional[_Union[Hold, _Mapping]] = ..., capture_transaction: _Optional[_Union[Transaction, _Mapping]] = ..., release_transaction: _Optional[_Union[Transaction, _Mapping]] = ..., account: _Optional[_Union[Account, _Mapping]] = ..., to_transaction: _Optional[_Union[Transaction, _Mapping]] = ..., to_account: _Optional[_Union[Account, _Mapping]] = ...) -> None: ...

class VoidHoldRequest(_message.Message):
    __slots__ = ("hold_id", "request_id", "memo")
    HOLD_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    MEMO_FIELD_NUMBER: _ClassVar[int]
    hold_id: str
    request_id: str
    memo: str
    def __init__(self, hold_id: _Optional[str] = ..., request_id: _Optional[str] = ..., memo: _Optional[str] = ...) -> None: ...

class GetHoldRequest(_message.Message):
    __slots__ = ("hold_id",)
    HOLD_ID_FIELD_NUMBER: _ClassVar[int]
    hold_id: str
    def __init__(self, hold_id: _Optional[str] = ...) -> None: ...

class ListHoldsRequest(_message.Message):
    __slots__ = ("account_id", "page_size", "page_token")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    page_size: int
    page_token: str
    def __init__(self, account_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListHoldsResponse(_message.Message):
    __slots__ = ("holds", "next_page_token")
    HOLDS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    holds: _containers.RepeatedCompositeFieldContainer[Hold]
    next_page_token: str
    def __init__(self, holds: _Optional[_Iterable[_Union[Hold, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class SubscribeRequest(_message.Message):
    __slots__ = ("account_id", "after")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    AFTER_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    after: str
    def __init__(self, account_id: _Optional[str] = ..., after: _Optional[str] = ...) -> None: ...

class Event(_message.Message):
    __slots__ = ("cursor", "event_id", "account_id", "transaction", "time")
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    TRANSACTION_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    cursor: str
    event_id: str
    account_id: str
    transaction: Transaction
    time: _timestamp_pb2.Timestamp
    def __init__(self, cursor: _Optional[str] = ..., event_id: _Optional[str] = ..., account_id: _Optional[str] = ..., transaction: _Optional[_Union[Transaction, _Mapping]] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Webhook(_message.Message):
    __slots__ = ("webhook_id", "url", "account_id", "create_time", "cursor")
    WEBHOOK_ID_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    webhook_id: str
    url: str
    account_id: str
    create_time: _timestamp_pb2.Timestamp
    cursor: str
    def __init__(self, webhook_id: _Optional[str] = ..., url: _Optional[str] = ..., account_id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., cursor: _Optional[str] = ...) -> None: ...

class CreateWebhookRequest(_message.Message):
    __slots__ = ("url", "account_id")
    URL_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    url: str
    account_id: str
    def __init__(self, url: _Optional[str] = ..., account_id: _Optional[str] = ...) -> None: ...

class CreateWebhookResponse(_message.Message):
    __slots__ = ("webhook", "secret")
    WEBHOOK_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    webhook: Webhook
    secret: str
    def __init__(self, webhook: _Optional[_Union[Webhook, _Mapping]] = ..., secret: _Optional[str] = ...) -> None: ...

class ListWebhooksRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListWebhooksResponse(_message.Message):
    __slots__ = ("webhooks",)
    WEBHOOKS_FIELD_NUMBER: _ClassVar[int]
    webhooks: _containers.RepeatedCompositeFieldContainer[Webhook]
    def __init__(self, webhooks: _Optional[_Iterable[_Union[Webhook, _Mapping]]] = ...) -> None: ...

class DeleteWebhookRequest(_message.Message):
    __slots__ = ("webhook_id",)
    WEBHOOK_ID_FIELD_NUMBER: _ClassVar[int]
    webhook_id: str
    def __init__(self, webhook_id: _Optional[str] = ...) -> None: ...

class DeleteWebhookResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Delivery(_message.Message):
    __slots__ = ("event_id", "account_id", "attempt", "outcome", "http_status", "error", "time", "next_attempt_time")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    HTTP_STATUS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    NEXT_ATTEMPT_TIME_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    account_id: str
    attempt: int
    outcome: DeliveryOutcome
    http_status: int
    error: str
    time: _timestamp_pb2.Timestamp
    next_attempt_time: _timestamp_pb2.Timestamp
    def __init__(self, event_id: _Optional[str] = ..., account_id: _Optional[str] = ..., attempt: _Optional[int] = ..., outcome: _Optional[_Union[DeliveryOutcome, str]] = ..., http_status: _Optional[int] = ..., error: _Optional[str] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., next_attempt_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListDeliveriesRequest(_message.Message):
    __slots__ = ("webhook_id", "page_size")
    WEBHOOK_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    webhook_id: str
    page_size: int
    def __init__(self, webhook_id: _Optional[str] = ..., page_size: _Optional[int] = ...) -> None: ...

class ListDeliveriesResponse(_message.Message):
    __slots__ = ("deliveries", "dead_event_ids")
    DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    DEAD_EVENT_IDS_FIELD_NUMBER: _ClassVar[int]
    deliveries: _containers.RepeatedCompositeFieldContainer[Delivery]
    dead_event_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, deliveries: _Optional[_Iterable[_Union[Delivery, _Mapping]]] = ..., dead_event_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class RedeliverRequest(_message.Message):
    __slots__ = ("webhook_id", "event_id")
    WEBHOOK_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    webhook_id: str
    event_id: str
    def __init__(self, webhook_id: _Optional[str] = ..., event_id: _Optional[str] = ...) -> None: ...

class RedeliverResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
