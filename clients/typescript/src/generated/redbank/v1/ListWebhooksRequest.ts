// Original file: proto/redbank/v1/bank.proto


export interface ListWebhooksRequest {
}

export interface ListWebhooksRequest__Output {
}
