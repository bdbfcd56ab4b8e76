// Original file: proto/redbank/v1/bank.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';
import type { TransactionKind as _redbank_v1_TransactionKind, TransactionKind__Output as _redbank_v1_TransactionKind__Output } from '../../redbank/v1/TransactionKind';

export interface ListTransactionsRequest {
  'accountId'?: (string);
  'pageSize'?: (number);
  'pageToken'?: (string);
  'startTime'?: (_google_protobuf_Timestamp | null);
  'endTime'?: (_google_protobuf_Timestamp | null);
  'kinds'?: (_redbank_v1_TransactionKind)[];
}

export interface ListTransactionsRequest__Output {
  'accountId': (string);
  'pageSize': (number);
  'pageToken': (string);
  'startTime': (_google_protobuf_Timestamp__Output | null);
  'endTime': (_google_protobuf_Timestamp__Output | null);
  'kinds': (_redbank_v1_TransactionKind__Output)[];
}
