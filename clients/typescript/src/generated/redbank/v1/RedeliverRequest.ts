// Original file: proto/redbank/v1/bank.proto


export interface RedeliverRequest {
  'webhookId'?: (string);
  'eventId'?: (string);
}

export interface RedeliverRequest__Output {
  'webhookId': (string);
  'eventId': (string);
}
