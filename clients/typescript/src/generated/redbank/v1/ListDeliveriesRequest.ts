// Original file: proto/redbank/v1/bank.proto


export interface ListDeliveriesRequest {
  'webhookId'?: (string);
  'pageSize'?: (number);
}

export interface ListDeliveriesRequest__Output {
  'webhookId': (string);
  'pageSize': (number);
}
