// Original file: proto/redbank/v1/bank.proto

import type { DeliveryOutcome as _redbank_v1_DeliveryOutcome, DeliveryOutcome__Output as _redbank_v1_DeliveryOutcome__Output } from '../../redbank/v1/DeliveryOutcome';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';

export interface Delivery {
  'eventId'?: (string);
  'accountId'?: (string);
  'attempt'?: (number);
  'outcome'?: (_redbank_v1_DeliveryOutcome);
  'httpStatus'?: (number);
  'error'?: (string);
  'time'?: (_google_protobuf_Timestamp | null);
  'nextAttemptTime'?: (_google_protobuf_Timestamp | null);
}

export interface Delivery__Output {
  'eventId': (string);
  'accountId': (string);
  'attempt': (number);
  'outcome': (_redbank_v1_DeliveryOutcome__Output);
  'httpStatus': (number);
  'error': (string);
  'time': (_google_protobuf_Timestamp__Output | null);
  'nextAttemptTime': (_google_protobuf_Timestamp__Output | null);
}
