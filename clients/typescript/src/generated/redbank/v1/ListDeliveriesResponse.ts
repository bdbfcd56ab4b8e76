// Original file: proto/redbank/v1/bank.proto

import type { Delivery as _redbank_v1_Delivery, Delivery__Output as _redbank_v1_Delivery__Output } from '../../redbank/v1/Delivery';

export interface ListDeliveriesResponse {
  'deliveries'?: (_redbank_v1_Delivery)[];
  'deadEventIds'?: (string)[];
}

export interface ListDeliveriesResponse__Output {
  'deliveries': (_redbank_v1_Delivery__Output)[];
  'deadEventIds': (string)[];
}
