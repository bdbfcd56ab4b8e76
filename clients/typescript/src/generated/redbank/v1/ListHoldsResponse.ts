// Original file: proto/redbank/v1/bank.proto

import type { Hold as _redbank_v1_Hold, Hold__Output as _redbank_v1_Hold__Output } from '../../redbank/v1/Hold';

export interface ListHoldsResponse {
  'holds'?: (_redbank_v1_Hold)[];
  'nextPageToken'?: (string);
}

export interface ListHoldsResponse__Output {
  'holds': (_redbank_v1_Hold__Output)[];
  'nextPageToken': (string);
}
