// Original file: proto/redbank/v1/bank.proto

import type { Money as _redbank_v1_Money, Money__Output as _redbank_v1_Money__Output } from '../../redbank/v1/Money';

export interface WithdrawRequest {
  'accountId'?: (string);
  'amount'?: (_redbank_v1_Money | null);
  'requestId'?: (string);
  'memo'?: (string);
}

export interface WithdrawRequest__Output {
  'accountId': (string);
  'amount': (_redbank_v1_Money__Output | null);
  'requestId': (string);
  'memo': (string);
}
