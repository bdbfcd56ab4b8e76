// Original file: proto/redbank/v1/bank.proto

export const AccountState = {
  ACCOUNT_STATE_UNSPECIFIED: 'ACCOUNT_STATE_UNSPECIFIED',
  ACCOUNT_STATE_ACTIVE: 'ACCOUNT_STATE_ACTIVE',
  ACCOUNT_STATE_FROZEN: 'ACCOUNT_STATE_FROZEN',
  ACCOUNT_STATE_CLOSED: 'ACCOUNT_STATE_CLOSED',
} as const;

export type AccountState =
  | 'ACCOUNT_STATE_UNSPECIFIED'
  | 0
  | 'ACCOUNT_STATE_ACTIVE'
  | 1
  | 'ACCOUNT_STATE_FROZEN'
  | 2
  | 'ACCOUNT_STATE_CLOSED'
  | 3

export type AccountState__Output = typeof AccountState[keyof typeof AccountState]
