// Original file: proto/redbank/v1/bank.proto

import type { Transaction as _redbank_v1_Transaction, Transaction__Output as _redbank_v1_Transaction__Output } from '../../redbank/v1/Transaction';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';

export interface Event {
  'cursor'?: (string);
  'eventId'?: (string);
  'accountId'?: (string);
  'transaction'?: (_redbank_v1_Transaction | null);
  'time'?: (_google_protobuf_Timestamp | null);
}

export interface Event__Output {
  'cursor': (string);
  'eventId': (string);
  'accountId': (string);
  'transaction': (_redbank_v1_Transaction__Output | null);
  'time': (_google_protobuf_Timestamp__Output | null);
}
