// Original file: proto/redbank/v1/bank.proto


export interface CreateWebhookRequest {
  'url'?: (string);
  'accountId'?: (string);
}

export interface CreateWebhookRequest__Output {
  'url': (string);
  'accountId': (string);
}
