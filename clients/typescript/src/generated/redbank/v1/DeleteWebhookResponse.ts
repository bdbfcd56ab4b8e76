// Original file: proto/redbank/v1/bank.proto


export interface DeleteWebhookResponse {
}

export interface DeleteWebhookResponse__Output {
}
