// Original file: proto/redbank/v1/bank.proto


export interface UnfreezeAccountRequest {
  'accountId'?: (string);
  'reason'?: (string);
  'requestId'?: (string);
}

export interface UnfreezeAccountRequest__Output {
  'accountId': (string);
  'reason': (string);
  'requestId': (string);
}
