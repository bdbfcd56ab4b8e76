// Original file: proto/redbank/v1/bank.proto

import type { Transaction as _redbank_v1_Transaction, Transaction__Output as _redbank_v1_Transaction__Output } from '../../redbank/v1/Transaction';

export interface ListTransactionsResponse {
  'transactions'?: (_redbank_v1_Transaction)[];
  'nextPageToken'?: (string);
}

export interface ListTransactionsResponse__Output {
  'transactions': (_redbank_v1_Transaction__Output)[];
  'nextPageToken': (string);
}
