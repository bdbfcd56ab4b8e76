// Original file: proto/redbank/v1/bank.proto


export interface ListApiKeysRequest {
}

export interface ListApiKeysRequest__Output {
}
