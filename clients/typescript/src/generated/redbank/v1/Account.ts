// Original file: proto/redbank/v1/bank.proto

import type { AccountType as _redbank_v1_AccountType, AccountType__Output as _redbank_v1_AccountType__Output } from '../../redbank/v1/AccountType';
import type { Money as _redbank_v1_Money, Money__Output as _redbank_v1_Money__Output } from '../../redbank/v1/Money';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';
import type { AccountState as _redbank_v1_AccountState, AccountState__Output as _redbank_v1_AccountState__Output } from '../../redbank/v1/AccountState';
import type { Long } from '@grpc/proto-loader';

export interface Account {
  'accountId'?: (string);
  'type'?: (_redbank_v1_AccountType);
  'balance'?: (_redbank_v1_Money | null);
  'createTime'?: (_google_protobuf_Timestamp | null);
  'version'?: (number | string | Long);
  'state'?: (_redbank_v1_AccountState);
  'stateReason'?: (string);
  'stateChangeTime'?: (_google_protobuf_Timestamp | null);
  'customerId'?: (string);
  'availableBalance'?: (_redbank_v1_Money | null);
  'heldBalance'?: (_redbank_v1_Money | null);
}

export interface Account__Output {
  'accountId': (string);
  'type': (_redbank_v1_AccountType__Output);
  'balance': (_redbank_v1_Money__Output | null);
  'createTime': (_google_protobuf_Timestamp__Output | null);
  'version': (string);
  'state': (_redbank_v1_AccountState__Output);
  'stateReason': (string);
  'stateChangeTime': (_google_protobuf_Timestamp__Output | null);
  'customerId': (string);
  'availableBalance': (_redbank_v1_Money__Output | null);
  'heldBalance': (_redbank_v1_Money__Output | null);
}
