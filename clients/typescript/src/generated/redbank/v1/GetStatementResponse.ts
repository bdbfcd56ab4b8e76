// Original file: proto/redbank/v1/bank.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';
import type { Money as _redbank_v1_Money, Money__Output as _redbank_v1_Money__Output } from '../../redbank/v1/Money';
import type { Transaction as _redbank_v1_Transaction, Transaction__Output as _redbank_v1_Transaction__Output } from '../../redbank/v1/Transaction';
import type { MonthInterest as _redbank_v1_MonthInterest, MonthInterest__Output as _redbank_v1_MonthInterest__Output } from '../../redbank/v1/MonthInterest';

export interface GetStatementResponse {
  'accountId'?: (string);
  'startTime'?: (_google_protobuf_Timestamp | null);
  'endTime'?: (_google_protobuf_Timestamp | null);
  'openingBalance'?: (_redbank_v1_Money | null);
  'transactions'?: (_redbank_v1_Transaction)[];
  'closingBalance'?: (_redbank_v1_Money | null);
  'totalIn'?: (_redbank_v1_Money | null);
  'totalOut'?: (_redbank_v1_Money | null);
  'nextPageToken'?: (string);
  'interest'?: (_redbank_v1_MonthInterest | null);
}

export interface GetStatementResponse__Output {
  'accountId': (string);
  'startTime': (_google_protobuf_Timestamp__Output | null);
  'endTime': (_google_protobuf_Timestamp__Output | null);
  'openingBalance': (_redbank_v1_Money__Output | null);
  'transactions': (_redbank_v1_Transaction__Output)[];
  'closingBalance': (_redbank_v1_Money__Output | null);
  'totalIn': (_redbank_v1_Money__Output | null);
  'totalOut': (_redbank_v1_Money__Output | null);
  'nextPageToken': (string);
  'interest': (_redbank_v1_MonthInterest__Output | null);
}
