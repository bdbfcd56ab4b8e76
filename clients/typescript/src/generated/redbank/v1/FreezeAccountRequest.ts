// Original file: proto/redbank/v1/bank.proto


export interface FreezeAccountRequest {
  'accountId'?: (string);
  'reason'?: (string);
  'requestId'?: (string);
}

export interface FreezeAccountRequest__Output {
  'accountId': (string);
  'reason': (string);
  'requestId': (string);
}
