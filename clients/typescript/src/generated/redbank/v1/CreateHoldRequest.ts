// Original file: proto/redbank/v1/bank.proto

import type { Money as _redbank_v1_Money, Money__Output as _redbank_v1_Money__Output } from '../../redbank/v1/Money';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';

export interface CreateHoldRequest {
  'accountId'?: (string);
  'amount'?: (_redbank_v1_Money | null);
  'requestId'?: (string);
  'memo'?: (string);
  'expireTime'?: (_google_protobuf_Timestamp | null);
}

export interface CreateHoldRequest__Output {
  'accountId': (string);
  'amount': (_redbank_v1_Money__Output | null);
  'requestId': (string);
  'memo': (string);
  'expireTime': (_google_protobuf_Timestamp__Output | null);
}
