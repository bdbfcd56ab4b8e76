// Original file: proto/redbank/v1/bank.proto

export const HoldState = {
  HOLD_STATE_UNSPECIFIED: 'HOLD_STATE_UNSPECIFIED',
  HOLD_STATE_OPEN: 'HOLD_STATE_OPEN',
  HOLD_STATE_CAPTURING: 'HOLD_STATE_CAPTURING',
  HOLD_STATE_CAPTURED: 'HOLD_STATE_CAPTURED',
  HOLD_STATE_VOIDED: 'HOLD_STATE_VOIDED',
  HOLD_STATE_EXPIRED: 'HOLD_STATE_EXPIRED',
} as const;

export type HoldState =
  | 'HOLD_STATE_UNSPECIFIED'
  | 0
  | 'HOLD_STATE_OPEN'
  | 1
  | 'HOLD_STATE_CAPTURING'
  | 2
  | 'HOLD_STATE_CAPTURED'
  | 3
  | 'HOLD_STATE_VOIDED'
  | 4
  | 'HOLD_STATE_EXPIRED'
  | 5

export type HoldState__Output = typeof HoldState[keyof typeof HoldState]
