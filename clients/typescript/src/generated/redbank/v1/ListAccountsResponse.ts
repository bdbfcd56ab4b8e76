// Original file: proto/redbank/v1/bank.proto

import type { Account as _redbank_v1_Account, Account__Output as _redbank_v1_Account__Output } from '../../redbank/v1/Account';

export interface ListAccountsResponse {
  'accounts'?: (_redbank_v1_Account)[];
  'nextPageToken'?: (string);
}

export interface ListAccountsResponse__Output {
  'accounts': (_redbank_v1_Account__Output)[];
  'nextPageToken': (string);
}
