// Original file: proto/redbank/v1/bank.proto


export interface ListHoldsRequest {
  'accountId'?: (string);
  'pageSize'?: (number);
  'pageToken'?: (string);
}

export interface ListHoldsRequest__Output {
  'accountId': (string);
  'pageSize': (number);
  'pageToken': (string);
}
