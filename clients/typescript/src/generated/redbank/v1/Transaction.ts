// Original file: proto/redbank/v1/bank.proto

import type { TransactionKind as _redbank_v1_TransactionKind, TransactionKind__Output as _redbank_v1_TransactionKind__Output } from '../../redbank/v1/TransactionKind';
import type { Money as _redbank_v1_Money, Money__Output as _redbank_v1_Money__Output } from '../../redbank/v1/Money';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';
import type { Long } from '@grpc/proto-loader';

export interface Transaction {
  'transactionId'?: (string);
  'accountId'?: (string);
  'kind'?: (_redbank_v1_TransactionKind);
  'amount'?: (_redbank_v1_Money | null);
  'balanceAfter'?: (_redbank_v1_Money | null);
  'requestId'?: (string);
  'memo'?: (string);
  'createTime'?: (_google_protobuf_Timestamp | null);
  'accountVersion'?: (number | string | Long);
  'counterpartyAccountId'?: (string);
  'transferId'?: (string);
  'actor'?: (string);
}

export interface Transaction__Output {
  'transactionId': (string);
  'accountId': (string);
  'kind': (_redbank_v1_TransactionKind__Output);
  'amount': (_redbank_v1_Money__Output | null);
  'balanceAfter': (_redbank_v1_Money__Output | null);
  'requestId': (string);
  'memo': (string);
  'createTime': (_google_protobuf_Timestamp__Output | null);
  'accountVersion': (string);
  'counterpartyAccountId': (string);
  'transferId': (string);
  'actor': (string);
}
