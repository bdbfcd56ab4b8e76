// Original file: proto/redbank/v1/bank.proto


export interface RevokeApiKeyRequest {
  'keyId'?: (string);
}

export interface RevokeApiKeyRequest__Output {
  'keyId': (string);
}
