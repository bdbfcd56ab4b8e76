// Original file: proto/redbank/v1/bank.proto

import type { Hold as _redbank_v1_Hold, Hold__Output as _redbank_v1_Hold__Output } from '../../redbank/v1/Hold';
import type { Transaction as _redbank_v1_Transaction, Transaction__Output as _redbank_v1_Transaction__Output } from '../../redbank/v1/Transaction';
import type { Account as _redbank_v1_Account, Account__Output as _redbank_v1_Account__Output } from '../../redbank/v1/Account';

export interface CaptureHoldResponse {
  'hold'?: (_redbank_v1_Hold | null);
  'captureTransaction'?: (_redbank_v1_Transaction | null);
  'releaseTransaction'?: (_redbank_v1_Transaction | null);
  'account'?: (_redbank_v1_Account | null);
  'toTransaction'?: (_redbank_v1_Transaction | null);
  'toAccount'?: (_redbank_v1_Account | null);
}

export interface CaptureHoldResponse__Output {
  'hold': (_redbank_v1_Hold__Output | null);
  'captureTransaction': (_redbank_v1_Transaction__Output | null);
  'releaseTransaction': (_redbank_v1_Transaction__Output | null);
  'account': (_redbank_v1_Account__Output | null);
  'toTransaction': (_redbank_v1_Transaction__Output | null);
  'toAccount': (_redbank_v1_Account__Output | null);
}
