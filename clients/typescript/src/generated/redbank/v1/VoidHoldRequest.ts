// Original file: proto/redbank/v1/bank.proto


export interface VoidHoldRequest {
  'holdId'?: (string);
  'requestId'?: (string);
  'memo'?: (string);
}

export interface VoidHoldRequest__Output {
  'holdId': (string);
  'requestId': (string);
  'memo': (string);
}
