// Original file: proto/redbank/v1/bank.proto

import type { Role as _redbank_v1_Role, Role__Output as _redbank_v1_Role__Output } from '../../redbank/v1/Role';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';

export interface CreateApiKeyRequest {
  'role'?: (_redbank_v1_Role);
  'customerId'?: (string);
  'description'?: (string);
  'expireTime'?: (_google_protobuf_Timestamp | null);
}

export interface CreateApiKeyRequest__Output {
  'role': (_redbank_v1_Role__Output);
  'customerId': (string);
  'description': (string);
  'expireTime': (_google_protobuf_Timestamp__Output | null);
}
