// Original file: proto/redbank/v1/bank.proto

import type { Money as _redbank_v1_Money, Money__Output as _redbank_v1_Money__Output } from '../../redbank/v1/Money';

export interface MonthInterest {
  'amount'?: (_redbank_v1_Money | null);
  'annualRatePercent'?: (string);
  'posted'?: (boolean);
  'days'?: (number);
}

export interface MonthInterest__Output {
  'amount': (_redbank_v1_Money__Output | null);
  'annualRatePercent': (string);
  'posted': (boolean);
  'days': (number);
}
