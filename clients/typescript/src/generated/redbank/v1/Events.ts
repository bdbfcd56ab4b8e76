// Original file: proto/redbank/v1/bank.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { Event as _redbank_v1_Event, Event__Output as _redbank_v1_Event__Output } from '../../redbank/v1/Event';
import type { SubscribeRequest as _redbank_v1_SubscribeRequest, SubscribeRequest__Output as _redbank_v1_SubscribeRequest__Output } from '../../redbank/v1/SubscribeRequest';

export interface EventsClient extends grpc.Client {
  Subscribe(argument: _redbank_v1_SubscribeRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_redbank_v1_Event__Output>;
  Subscribe(argument: _redbank_v1_SubscribeRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_redbank_v1_Event__Output>;
  subscribe(argument: _redbank_v1_SubscribeRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_redbank_v1_Event__Output>;
  subscribe(argument: _redbank_v1_SubscribeRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_redbank_v1_Event__Output>;
  
}

export interface EventsHandlers extends grpc.UntypedServiceImplementation {
  Subscribe: grpc.handleServerStreamingCall<_redbank_v1_SubscribeRequest__Output, _redbank_v1_Event>;
  
}

export interface EventsDefinition extends grpc.ServiceDefinition {
  Subscribe: MethodDefinition<_redbank_v1_SubscribeRequest, _redbank_v1_Event, _redbank_v1_SubscribeRequest__Output, _redbank_v1_Event__Output>
}
