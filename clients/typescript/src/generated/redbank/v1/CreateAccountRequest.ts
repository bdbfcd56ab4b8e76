// Original file: proto/redbank/v1/bank.proto

import type { AccountType as _redbank_v1_AccountType, AccountType__Output as _redbank_v1_AccountType__Output } from '../../redbank/v1/AccountType';

export interface CreateAccountRequest {
  'accountId'?: (string);
  'type'?: (_redbank_v1_AccountType);
  'currencyCode'?: (string);
  'requestId'?: (string);
  'customerId'?: (string);
}

export interface CreateAccountRequest__Output {
  'accountId': (string);
  'type': (_redbank_v1_AccountType__Output);
  'currencyCode': (string);
  'requestId': (string);
  'customerId': (string);
}
