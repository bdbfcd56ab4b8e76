// Original file: proto/redbank/v1/bank.proto

export const AccountType = {
  ACCOUNT_TYPE_UNSPECIFIED: 'ACCOUNT_TYPE_UNSPECIFIED',
  ACCOUNT_TYPE_SAVINGS: 'ACCOUNT_TYPE_SAVINGS',
  ACCOUNT_TYPE_CHECKING: 'ACCOUNT_TYPE_CHECKING',
} as const;

export type AccountType =
  | 'ACCOUNT_TYPE_UNSPECIFIED'
  | 0
  | 'ACCOUNT_TYPE_SAVINGS'
  | 1
  | 'ACCOUNT_TYPE_CHECKING'
  | 2

export type AccountType__Output = typeof AccountType[keyof typeof AccountType]
