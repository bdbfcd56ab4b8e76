// Original file: proto/redbank/v1/bank.proto

import type { HoldState as _redbank_v1_HoldState, HoldState__Output as _redbank_v1_HoldState__Output } from '../../redbank/v1/HoldState';
import type { Money as _redbank_v1_Money, Money__Output as _redbank_v1_Money__Output } from '../../redbank/v1/Money';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';

export interface Hold {
  'holdId'?: (string);
  'accountId'?: (string);
  'state'?: (_redbank_v1_HoldState);
  'amount'?: (_redbank_v1_Money | null);
  'memo'?: (string);
  'createTime'?: (_google_protobuf_Timestamp | null);
  'expireTime'?: (_google_protobuf_Timestamp | null);
  'captureAccountId'?: (string);
  'captureAmount'?: (_redbank_v1_Money | null);
  'settleTime'?: (_google_protobuf_Timestamp | null);
  'actor'?: (string);
}

export interface Hold__Output {
  'holdId': (string);
  'accountId': (string);
  'state': (_redbank_v1_HoldState__Output);
  'amount': (_redbank_v1_Money__Output | null);
  'memo': (string);
  'createTime': (_google_protobuf_Timestamp__Output | null);
  'expireTime': (_google_protobuf_Timestamp__Output | null);
  'captureAccountId': (string);
  'captureAmount': (_redbank_v1_Money__Output | null);
  'settleTime': (_google_protobuf_Timestamp__Output | null);
  'actor': (string);
}
