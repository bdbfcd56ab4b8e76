// Original file: proto/redbank/v1/bank.proto


export interface ApplyInterestRequest {
  'accountId'?: (string);
  'annualRatePercent'?: (string);
  'days'?: (number);
  'requestId'?: (string);
  'memo'?: (string);
  'period'?: (string);
}

export interface ApplyInterestRequest__Output {
  'accountId': (string);
  'annualRatePercent': (string);
  'days': (number);
  'requestId': (string);
  'memo': (string);
  'period': (string);
}
