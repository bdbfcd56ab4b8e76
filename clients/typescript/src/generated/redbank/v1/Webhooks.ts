// Original file: proto/redbank/v1/bank.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CreateWebhookRequest as _redbank_v1_CreateWebhookRequest, CreateWebhookRequest__Output as _redbank_v1_CreateWebhookRequest__Output } from '../../redbank/v1/CreateWebhookRequest';
import type { CreateWebhookResponse as _redbank_v1_CreateWebhookResponse, CreateWebhookResponse__Output as _redbank_v1_CreateWebhookResponse__Output } from '../../redbank/v1/CreateWebhookResponse';
import type { DeleteWebhookRequest as _redbank_v1_DeleteWebhookRequest, DeleteWebhookRequest__Output as _redbank_v1_DeleteWebhookRequest__Output } from '../../redbank/v1/DeleteWebhookRequest';
import type { DeleteWebhookResponse as _redbank_v1_DeleteWebhookResponse, DeleteWebhookResponse__Output as _redbank_v1_DeleteWebhookResponse__Output } from '../../redbank/v1/DeleteWebhookResponse';
import type { ListDeliveriesRequest as _redbank_v1_ListDeliveriesRequest, ListDeliveriesRequest__Output as _redbank_v1_ListDeliveriesRequest__Output } from '../../redbank/v1/ListDeliveriesRequest';
import type { ListDeliveriesResponse as _redbank_v1_ListDeliveriesResponse, ListDeliveriesResponse__Output as _redbank_v1_ListDeliveriesResponse__Output } from '../../redbank/v1/ListDeliveriesResponse';
import type { ListWebhooksRequest as _redbank_v1_ListWebhooksRequest, ListWebhooksRequest__Output as _redbank_v1_ListWebhooksRequest__Output } from '../../redbank/v1/ListWebhooksRequest';
import type { ListWebhooksResponse as _redbank_v1_ListWebhooksResponse, ListWebhooksResponse__Output as _redbank_v1_ListWebhooksResponse__Output } from '../../redbank/v1/ListWebhooksResponse';
import type { RedeliverRequest as _redbank_v1_RedeliverRequest, RedeliverRequest__Output as _redbank_v1_RedeliverRequest__Output } from '../../redbank/v1/RedeliverRequest';
import type { RedeliverResponse as _redbank_v1_RedeliverResponse, RedeliverResponse__Output as _redbank_v1_RedeliverResponse__Output } from '../../redbank/v1/RedeliverResponse';

export interface WebhooksClient extends grpc.Client {
  CreateWebhook(argument: _redbank_v1_CreateWebhookRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_CreateWebhookResponse__Output>): grpc.ClientUnaryCall;
  CreateWebhook(argument: _redbank_v1_CreateWebhookRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_CreateWebhookResponse__Output>): grpc.ClientUnaryCall;
  CreateWebhook(argument: _redbank_v1_CreateWebhookRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_CreateWebhookResponse__Output>): grpc.ClientUnaryCall;
  CreateWebhook(argument: _redbank_v1_CreateWebhookRequest, callback: grpc.requestCallback<_redbank_v1_CreateWebhookResponse__Output>): grpc.ClientUnaryCall;
  createWebhook(argument: _redbank_v1_CreateWebhookRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_CreateWebhookResponse__Output>): grpc.ClientUnaryCall;
  createWebhook(argument: _redbank_v1_CreateWebhookRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_CreateWebhookResponse__Output>): grpc.ClientUnaryCall;
  createWebhook(argument: _redbank_v1_CreateWebhookRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_CreateWebhookResponse__Output>): grpc.ClientUnaryCall;
  createWebhook(argument: _redbank_v1_CreateWebhookRequest, callback: grpc.requestCallback<_redbank_v1_CreateWebhookResponse__Output>): grpc.ClientUnaryCall;
  
  DeleteWebhook(argument: _redbank_v1_DeleteWebhookRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_DeleteWebhookResponse__Output>): grpc.ClientUnaryCall;
  DeleteWebhook(argument: _redbank_v1_DeleteWebhookRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_DeleteWebhookResponse__Output>): grpc.ClientUnaryCall;
  DeleteWebhook(argument: _redbank_v1_DeleteWebhookRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_DeleteWebhookResponse__Output>): grpc.ClientUnaryCall;
  DeleteWebhook(argument: _redbank_v1_DeleteWebhookRequest, callback: grpc.requestCallback<_redbank_v1_DeleteWebhookResponse__Output>): grpc.ClientUnaryCall;
  deleteWebhook(argument: _redbank_v1_DeleteWebhookRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_DeleteWebhookResponse__Output>): grpc.ClientUnaryCall;
  deleteWebhook(argument: _redbank_v1_DeleteWebhookRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_DeleteWebhookResponse__Output>): grpc.ClientUnaryCall;
  deleteWebhook(argument: _redbank_v1_DeleteWebhookRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_DeleteWebhookResponse__Output>): grpc.ClientUnaryCall;
  deleteWebhook(argument: _redbank_v1_DeleteWebhookRequest, callback: grpc.requestCallback<_redbank_v1_DeleteWebhookResponse__Output>): grpc.ClientUnaryCall;
  
  ListDeliveries(argument: _redbank_v1_ListDeliveriesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_ListDeliveriesResponse__Output>): grpc.ClientUnaryCall;
  ListDeliveries(argument: _redbank_v1_ListDeliveriesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_ListDeliveriesResponse__Output>): grpc.ClientUnaryCall;
  ListDeliveries(argument: _redbank_v1_ListDeliveriesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_ListDeliveriesResponse__Output>): grpc.ClientUnaryCall;
  ListDeliveries(argument: _redbank_v1_ListDeliveriesRequest, callback: grpc.requestCallback<_redbank_v1_ListDeliveriesResponse__Output>): grpc.ClientUnaryCall;
  listDeliveries(argument: _redbank_v1_ListDeliveriesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_ListDeliveriesResponse__Output>): grpc.ClientUnaryCall;
  listDeliveries(argument: _redbank_v1_ListDeliveriesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_ListDeliveriesResponse__Output>): grpc.ClientUnaryCall;
  listDeliveries(argument: _redbank_v1_ListDeliveriesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_ListDeliveriesResponse__Output>): grpc.ClientUnaryCall;
  listDeliveries(argument: _redbank_v1_ListDeliveriesRequest, callback: grpc.requestCallback<_redbank_v1_ListDeliveriesResponse__Output>): grpc.ClientUnaryCall;
  
  ListWebhooks(argument: _redbank_v1_ListWebhooksRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_ListWebhooksResponse__Output>): grpc.ClientUnaryCall;
  ListWebhooks(argument: _redbank_v1_ListWebhooksRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_ListWebhooksResponse__Output>): grpc.ClientUnaryCall;
  ListWebhooks(argument: _redbank_v1_ListWebhooksRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_ListWebhooksResponse__Output>): grpc.ClientUnaryCall;
  ListWebhooks(argument: _redbank_v1_ListWebhooksRequest, callback: grpc.requestCallback<_redbank_v1_ListWebhooksResponse__Output>): grpc.ClientUnaryCall;
  listWebhooks(argument: _redbank_v1_ListWebhooksRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_ListWebhooksResponse__Output>): grpc.ClientUnaryCall;
  listWebhooks(argument: _redbank_v1_ListWebhooksRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_ListWebhooksResponse__Output>): grpc.ClientUnaryCall;
  listWebhooks(argument: _redbank_v1_ListWebhooksRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_ListWebhooksResponse__Output>): grpc.ClientUnaryCall;
  listWebhooks(argument: _redbank_v1_ListWebhooksRequest, callback: grpc.requestCallback<_redbank_v1_ListWebhooksResponse__Output>): grpc.ClientUnaryCall;
  
  Redeliver(argument: _redbank_v1_RedeliverRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_RedeliverResponse__Output>): grpc.ClientUnaryCall;
  Redeliver(argument: _redbank_v1_RedeliverRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_RedeliverResponse__Output>): grpc.ClientUnaryCall;
  Redeliver(argument: _redbank_v1_RedeliverRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_RedeliverResponse__Output>): grpc.ClientUnaryCall;
  Redeliver(argument: _redbank_v1_RedeliverRequest, callback: grpc.requestCallback<_redbank_v1_RedeliverResponse__Output>): grpc.ClientUnaryCall;
  redeliver(argument: _redbank_v1_RedeliverRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_RedeliverResponse__Output>): grpc.ClientUnaryCall;
  redeliver(argument: _redbank_v1_RedeliverRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_RedeliverResponse__Output>): grpc.ClientUnaryCall;
  redeliver(argument: _redbank_v1_RedeliverRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_RedeliverResponse__Output>): grpc.ClientUnaryCall;
  redeliver(argument: _redbank_v1_RedeliverRequest, callback: grpc.requestCallback<_redbank_v1_RedeliverResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface WebhooksHandlers extends grpc.UntypedServiceImplementation {
  CreateWebhook: grpc.handleUnaryCall<_redbank_v1_CreateWebhookRequest__Output, _redbank_v1_CreateWebhookResponse>;
  
  DeleteWebhook: grpc.handleUnaryCall<_redbank_v1_DeleteWebhookRequest__Output, _redbank_v1_DeleteWebhookResponse>;
  
  ListDeliveries: grpc.handleUnaryCall<_redbank_v1_ListDeliveriesRequest__Output, _redbank_v1_ListDeliveriesResponse>;
  
  ListWebhooks: grpc.handleUnaryCall<_redbank_v1_ListWebhooksRequest__Output, _redbank_v1_ListWebhooksResponse>;
  
  Redeliver: grpc.handleUnaryCall<_redbank_v1_RedeliverRequest__Output, _redbank_v1_RedeliverResponse>;
  
}

export interface WebhooksDefinition extends grpc.ServiceDefinition {
  CreateWebhook: MethodDefinition<_redbank_v1_CreateWebhookRequest, _redbank_v1_CreateWebhookResponse, _redbank_v1_CreateWebhookRequest__Output, _redbank_v1_CreateWebhookResponse__Output>
  DeleteWebhook: MethodDefinition<_redbank_v1_DeleteWebhookRequest, _redbank_v1_DeleteWebhookResponse, _redbank_v1_DeleteWebhookRequest__Output, _redbank_v1_DeleteWebhookResponse__Output>
  ListDeliveries: MethodDefinition<_redbank_v1_ListDeliveriesRequest, _redbank_v1_ListDeliveriesResponse, _redbank_v1_ListDeliveriesRequest__Output, _redbank_v1_ListDeliveriesResponse__Output>
  ListWebhooks: MethodDefinition<_redbank_v1_ListWebhooksRequest, _redbank_v1_ListWebhooksResponse, _redbank_v1_ListWebhooksRequest__Output, _redbank_v1_ListWebhooksResponse__Output>
  Redeliver: MethodDefinition<_redbank_v1_RedeliverRequest, _redbank_v1_RedeliverResponse, _redbank_v1_RedeliverRequest__Output, _redbank_v1_RedeliverResponse__Output>
}
