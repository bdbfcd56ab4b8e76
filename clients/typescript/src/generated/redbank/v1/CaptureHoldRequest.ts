// Original file: proto/redbank/v1/bank.proto

import type { Money as _redbank_v1_Money, Money__Output as _redbank_v1_Money__Output } from '../../redbank/v1/Money';

export interface CaptureHoldRequest {
  'holdId'?: (string);
  'amount'?: (_redbank_v1_Money | null);
  'toAccountId'?: (string);
  'requestId'?: (string);
  'memo'?: (string);
}

export interface CaptureHoldRequest__Output {
  'holdId': (string);
  'amount': (_redbank_v1_Money__Output | null);
  'toAccountId': (string);
  'requestId': (string);
  'memo': (string);
}
