// Original file: proto/redbank/v1/bank.proto


export interface ListAccountsRequest {
  'pageSize'?: (number);
  'pageToken'?: (string);
  'customerId'?: (string);
}

export interface ListAccountsRequest__Output {
  'pageSize': (number);
  'pageToken': (string);
  'customerId': (string);
}
