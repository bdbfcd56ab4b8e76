// Original file: proto/redbank/v1/bank.proto

import type { ApiKey as _redbank_v1_ApiKey, ApiKey__Output as _redbank_v1_ApiKey__Output } from '../../redbank/v1/ApiKey';

export interface ListApiKeysResponse {
  'keys'?: (_redbank_v1_ApiKey)[];
  'truncated'?: (boolean);
}

export interface ListApiKeysResponse__Output {
  'keys': (_redbank_v1_ApiKey__Output)[];
  'truncated': (boolean);
}
