// Original file: proto/redbank/v1/bank.proto

import type { Transaction as _redbank_v1_Transaction, Transaction__Output as _redbank_v1_Transaction__Output } from '../../redbank/v1/Transaction';
import type { Account as _redbank_v1_Account, Account__Output as _redbank_v1_Account__Output } from '../../redbank/v1/Account';

export interface TransferResponse {
  'fromTransaction'?: (_redbank_v1_Transaction | null);
  'toTransaction'?: (_redbank_v1_Transaction | null);
  'fromAccount'?: (_redbank_v1_Account | null);
  'toAccount'?: (_redbank_v1_Account | null);
}

export interface TransferResponse__Output {
  'fromTransaction': (_redbank_v1_Transaction__Output | null);
  'toTransaction': (_redbank_v1_Transaction__Output | null);
  'fromAccount': (_redbank_v1_Account__Output | null);
  'toAccount': (_redbank_v1_Account__Output | null);
}
