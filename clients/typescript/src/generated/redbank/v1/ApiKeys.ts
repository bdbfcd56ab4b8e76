// Original file: proto/redbank/v1/bank.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ApiKey as _redbank_v1_ApiKey, ApiKey__Output as _redbank_v1_ApiKey__Output } from '../../redbank/v1/ApiKey';
import type { CreateApiKeyRequest as _redbank_v1_CreateApiKeyRequest, CreateApiKeyRequest__Output as _redbank_v1_CreateApiKeyRequest__Output } from '../../redbank/v1/CreateApiKeyRequest';
import type { CreateApiKeyResponse as _redbank_v1_CreateApiKeyResponse, CreateApiKeyResponse__Output as _redbank_v1_CreateApiKeyResponse__Output } from '../../redbank/v1/CreateApiKeyResponse';
import type { ListApiKeysRequest as _redbank_v1_ListApiKeysRequest, ListApiKeysRequest__Output as _redbank_v1_ListApiKeysRequest__Output } from '../../redbank/v1/ListApiKeysRequest';
import type { ListApiKeysResponse as _redbank_v1_ListApiKeysResponse, ListApiKeysResponse__Output as _redbank_v1_ListApiKeysResponse__Output } from '../../redbank/v1/ListApiKeysResponse';
import type { RevokeApiKeyRequest as _redbank_v1_RevokeApiKeyRequest, RevokeApiKeyRequest__Output as _redbank_v1_RevokeApiKeyRequest__Output } from '../../redbank/v1/RevokeApiKeyRequest';

export interface ApiKeysClient extends grpc.Client {
  CreateApiKey(argument: _redbank_v1_CreateApiKeyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_CreateApiKeyResponse__Output>): grpc.ClientUnaryCall;
  CreateApiKey(argument: _redbank_v1_CreateApiKeyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_CreateApiKeyResponse__Output>): grpc.ClientUnaryCall;
  CreateApiKey(argument: _redbank_v1_CreateApiKeyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_CreateApiKeyResponse__Output>): grpc.ClientUnaryCall;
  CreateApiKey(argument: _redbank_v1_CreateApiKeyRequest, callback: grpc.requestCallback<_redbank_v1_CreateApiKeyResponse__Output>): grpc.ClientUnaryCall;
  createApiKey(argument: _redbank_v1_CreateApiKeyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_CreateApiKeyResponse__Output>): grpc.ClientUnaryCall;
  createApiKey(argument: _redbank_v1_CreateApiKeyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_CreateApiKeyResponse__Output>): grpc.ClientUnaryCall;
  createApiKey(argument: _redbank_v1_CreateApiKeyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_CreateApiKeyResponse__Output>): grpc.ClientUnaryCall;
  createApiKey(argument: _redbank_v1_CreateApiKeyRequest, callback: grpc.requestCallback<_redbank_v1_CreateApiKeyResponse__Output>): grpc.ClientUnaryCall;
  
  ListApiKeys(argument: _redbank_v1_ListApiKeysRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_ListApiKeysResponse__Output>): grpc.ClientUnaryCall;
  ListApiKeys(argument: _redbank_v1_ListApiKeysRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_ListApiKeysResponse__Output>): grpc.ClientUnaryCall;
  ListApiKeys(argument: _redbank_v1_ListApiKeysRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_ListApiKeysResponse__Output>): grpc.ClientUnaryCall;
  ListApiKeys(argument: _redbank_v1_ListApiKeysRequest, callback: grpc.requestCallback<_redbank_v1_ListApiKeysResponse__Output>): grpc.ClientUnaryCall;
  listApiKeys(argument: _redbank_v1_ListApiKeysRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_ListApiKeysResponse__Output>): grpc.ClientUnaryCall;
  listApiKeys(argument: _redbank_v1_ListApiKeysRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_ListApiKeysResponse__Output>): grpc.ClientUnaryCall;
  listApiKeys(argument: _redbank_v1_ListApiKeysRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_ListApiKeysResponse__Output>): grpc.ClientUnaryCall;
  listApiKeys(argument: _redbank_v1_ListApiKeysRequest, callback: grpc.requestCallback<_redbank_v1_ListApiKeysResponse__Output>): grpc.ClientUnaryCall;
  
  RevokeApiKey(argument: _redbank_v1_RevokeApiKeyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_ApiKey__Output>): grpc.ClientUnaryCall;
  RevokeApiKey(argument: _redbank_v1_RevokeApiKeyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_ApiKey__Output>): grpc.ClientUnaryCall;
  RevokeApiKey(argument: _redbank_v1_RevokeApiKeyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_ApiKey__Output>): grpc.ClientUnaryCall;
  RevokeApiKey(argument: _redbank_v1_RevokeApiKeyRequest, callback: grpc.requestCallback<_redbank_v1_ApiKey__Output>): grpc.ClientUnaryCall;
  revokeApiKey(argument: _redbank_v1_RevokeApiKeyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_ApiKey__Output>): grpc.ClientUnaryCall;
  revokeApiKey(argument: _redbank_v1_RevokeApiKeyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_ApiKey__Output>): grpc.ClientUnaryCall;
  revokeApiKey(argument: _redbank_v1_RevokeApiKeyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_ApiKey__Output>): grpc.ClientUnaryCall;
  revokeApiKey(argument: _redbank_v1_RevokeApiKeyRequest, callback: grpc.requestCallback<_redbank_v1_ApiKey__Output>): grpc.ClientUnaryCall;
  
}

export interface ApiKeysHandlers extends grpc.UntypedServiceImplementation {
  CreateApiKey: grpc.handleUnaryCall<_redbank_v1_CreateApiKeyRequest__Output, _redbank_v1_CreateApiKeyResponse>;
  
  ListApiKeys: grpc.handleUnaryCall<_redbank_v1_ListApiKeysRequest__Output, _redbank_v1_ListApiKeysResponse>;
  
  RevokeApiKey: grpc.handleUnaryCall<_redbank_v1_RevokeApiKeyRequest__Output, _redbank_v1_ApiKey>;
  
}

export interface ApiKeysDefinition extends grpc.ServiceDefinition {
  CreateApiKey: MethodDefinition<_redbank_v1_CreateApiKeyRequest, _redbank_v1_CreateApiKeyResponse, _redbank_v1_CreateApiKeyRequest__Output, _redbank_v1_CreateApiKeyResponse__Output>
  ListApiKeys: MethodDefinition<_redbank_v1_ListApiKeysRequest, _redbank_v1_ListApiKeysResponse, _redbank_v1_ListApiKeysRequest__Output, _redbank_v1_ListApiKeysResponse__Output>
  RevokeApiKey: MethodDefinition<_redbank_v1_RevokeApiKeyRequest, _redbank_v1_ApiKey, _redbank_v1_RevokeApiKeyRequest__Output, _redbank_v1_ApiKey__Output>
}
