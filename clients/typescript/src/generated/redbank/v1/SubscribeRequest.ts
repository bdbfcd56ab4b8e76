// Original file: proto/redbank/v1/bank.proto


export interface SubscribeRequest {
  'accountId'?: (string);
  'after'?: (string);
}

export interface SubscribeRequest__Output {
  'accountId': (string);
  'after': (string);
}
