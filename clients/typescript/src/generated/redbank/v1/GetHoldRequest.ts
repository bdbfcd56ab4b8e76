// Original file: proto/redbank/v1/bank.proto


export interface GetHoldRequest {
  'holdId'?: (string);
}

export interface GetHoldRequest__Output {
  'holdId': (string);
}
