// Original file: proto/redbank/v1/bank.proto

import type { ApiKey as _redbank_v1_ApiKey, ApiKey__Output as _redbank_v1_ApiKey__Output } from '../../redbank/v1/ApiKey';

export interface CreateApiKeyResponse {
  'key'?: (_redbank_v1_ApiKey | null);
  'credential'?: (string);
}

export interface CreateApiKeyResponse__Output {
  'key': (_redbank_v1_ApiKey__Output | null);
  'credential': (string);
}
