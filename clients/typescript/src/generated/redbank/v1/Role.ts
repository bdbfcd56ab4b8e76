// Original file: proto/redbank/v1/bank.proto

export const Role = {
  ROLE_UNSPECIFIED: 'ROLE_UNSPECIFIED',
  ROLE_CUSTOMER: 'ROLE_CUSTOMER',
  ROLE_TELLER: 'ROLE_TELLER',
  ROLE_AUDITOR: 'ROLE_AUDITOR',
  ROLE_ADMIN: 'ROLE_ADMIN',
} as const;

export type Role =
  | 'ROLE_UNSPECIFIED'
  | 0
  | 'ROLE_CUSTOMER'
  | 1
  | 'ROLE_TELLER'
  | 2
  | 'ROLE_AUDITOR'
  | 3
  | 'ROLE_ADMIN'
  | 4

export type Role__Output = typeof Role[keyof typeof Role]
