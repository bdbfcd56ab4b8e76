// Original file: proto/redbank/v1/bank.proto


export interface CloseAccountRequest {
  'accountId'?: (string);
  'reason'?: (string);
  'requestId'?: (string);
}

export interface CloseAccountRequest__Output {
  'accountId': (string);
  'reason': (string);
  'requestId': (string);
}
