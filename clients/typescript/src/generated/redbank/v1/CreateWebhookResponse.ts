// Original file: proto/redbank/v1/bank.proto

import type { Webhook as _redbank_v1_Webhook, Webhook__Output as _redbank_v1_Webhook__Output } from '../../redbank/v1/Webhook';

export interface CreateWebhookResponse {
  'webhook'?: (_redbank_v1_Webhook | null);
  'secret'?: (string);
}

export interface CreateWebhookResponse__Output {
  'webhook': (_redbank_v1_Webhook__Output | null);
  'secret': (string);
}
