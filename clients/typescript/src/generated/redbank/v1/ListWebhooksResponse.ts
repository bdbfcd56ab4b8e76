// Original file: proto/redbank/v1/bank.proto

import type { Webhook as _redbank_v1_Webhook, Webhook__Output as _redbank_v1_Webhook__Output } from '../../redbank/v1/Webhook';

export interface ListWebhooksResponse {
  'webhooks'?: (_redbank_v1_Webhook)[];
}

export interface ListWebhooksResponse__Output {
  'webhooks': (_redbank_v1_Webhook__Output)[];
}
