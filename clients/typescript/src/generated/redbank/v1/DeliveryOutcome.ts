// Original file: proto/redbank/v1/bank.proto

export const DeliveryOutcome = {
  DELIVERY_OUTCOME_UNSPECIFIED: 'DELIVERY_OUTCOME_UNSPECIFIED',
  DELIVERY_OUTCOME_DELIVERED: 'DELIVERY_OUTCOME_DELIVERED',
  DELIVERY_OUTCOME_FAILED: 'DELIVERY_OUTCOME_FAILED',
  DELIVERY_OUTCOME_DEAD: 'DELIVERY_OUTCOME_DEAD',
} as const;

export type DeliveryOutcome =
  | 'DELIVERY_OUTCOME_UNSPECIFIED'
  | 0
  | 'DELIVERY_OUTCOME_DELIVERED'
  | 1
  | 'DELIVERY_OUTCOME_FAILED'
  | 2
  | 'DELIVERY_OUTCOME_DEAD'
  | 3

export type DeliveryOutcome__Output = typeof DeliveryOutcome[keyof typeof DeliveryOutcome]
