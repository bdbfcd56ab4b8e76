// Original file: proto/redbank/v1/bank.proto


export interface DeleteWebhookRequest {
  'webhookId'?: (string);
}

export interface DeleteWebhookRequest__Output {
  'webhookId': (string);
}
