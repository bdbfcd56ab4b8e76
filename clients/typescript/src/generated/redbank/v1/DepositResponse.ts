// Original file: proto/redbank/v1/bank.proto

import type { Transaction as _redbank_v1_Transaction, Transaction__Output as _redbank_v1_Transaction__Output } from '../../redbank/v1/Transaction';
import type { Account as _redbank_v1_Account, Account__Output as _redbank_v1_Account__Output } from '../../redbank/v1/Account';

export interface DepositResponse {
  'transaction'?: (_redbank_v1_Transaction | null);
  'account'?: (_redbank_v1_Account | null);
}

export interface DepositResponse__Output {
  'transaction': (_redbank_v1_Transaction__Output | null);
  'account': (_redbank_v1_Account__Output | null);
}
