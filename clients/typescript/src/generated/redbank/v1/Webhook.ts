// Original file: proto/redbank/v1/bank.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';

export interface Webhook {
  'webhookId'?: (string);
  'url'?: (string);
  'accountId'?: (string);
  'createTime'?: (_google_protobuf_Timestamp | null);
  'cursor'?: (string);
}

export interface Webhook__Output {
  'webhookId': (string);
  'url': (string);
  'accountId': (string);
  'createTime': (_google_protobuf_Timestamp__Output | null);
  'cursor': (string);
}
