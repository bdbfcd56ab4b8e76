// Original file: proto/redbank/v1/bank.proto


export interface RedeliverResponse {
}

export interface RedeliverResponse__Output {
}
