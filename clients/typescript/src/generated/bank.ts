import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp';
import type { Account as _redbank_v1_Account, Account__Output as _redbank_v1_Account__Output } from './redbank/v1/Account';
import type { ApiKey as _redbank_v1_ApiKey, ApiKey__Output as _redbank_v1_ApiKey__Output } from './redbank/v1/ApiKey';
import type { ApiKeysClient as _redbank_v1_ApiKeysClient, ApiKeysDefinition as _redbank_v1_ApiKeysDefinition } from './redbank/v1/ApiKeys';
import type { ApplyInterestRequest as _redbank_v1_ApplyInterestRequest, ApplyInterestRequest__Output as _redbank_v1_ApplyInterestRequest__Output } from './redbank/v1/ApplyInterestRequest';
import type { ApplyInterestResponse as _redbank_v1_ApplyInterestResponse, ApplyInterestResponse__Output as _redbank_v1_ApplyInterestResponse__Output } from './redbank/v1/ApplyInterestResponse';
import type { BankClient as _redbank_v1_BankClient, BankDefinition as _redbank_v1_BankDefinition } from './redbank/v1/Bank';
import type { CaptureHoldRequest as _redbank_v1_CaptureHoldRequest, CaptureHoldRequest__Output as _redbank_v1_CaptureHoldRequest__Output } from './redbank/v1/CaptureHoldRequest';
import type { CaptureHoldResponse as _redbank_v1_CaptureHoldResponse, CaptureHoldResponse__Output as _redbank_v1_CaptureHoldResponse__Output } from './redbank/v1/CaptureHoldResponse';
import type { CloseAccountRequest as _redbank_v1_CloseAccountRequest, CloseAccountRequest__Output as _redbank_v1_CloseAccountRequest__Output } from './redbank/v1/CloseAccountRequest';
import type { CreateAccountRequest as _redbank_v1_CreateAccountRequest, CreateAccountRequest__Output as _redbank_v1_CreateAccountRequest__Output } from './redbank/v1/CreateAccountRequest';
import type { CreateApiKeyRequest as _redbank_v1_CreateApiKeyRequest, CreateApiKeyRequest__Output as _redbank_v1_CreateApiKeyRequest__Output } from './redbank/v1/CreateApiKeyRequest';
import type { CreateApiKeyResponse as _redbank_v1_CreateApiKeyResponse, CreateApiKeyResponse__Output as _redbank_v1_CreateApiKeyResponse__Output } from './redbank/v1/CreateApiKeyResponse';
import type { CreateHoldRequest as _redbank_v1_CreateHoldRequest, CreateHoldRequest__Output as _redbank_v1_CreateHoldRequest__Output } from './redbank/v1/CreateHoldRequest';
import type { CreateWebhookRequest as _redbank_v1_CreateWebhookRequest, CreateWebhookRequest__Output as _redbank_v1_CreateWebhookRequest__Output } from './redbank/v1/CreateWebhookRequest';
import type { CreateWebhookResponse as _redbank_v1_CreateWebhookResponse, CreateWebhookResponse__Output as _redbank_v1_CreateWebhookResponse__Output } from './redbank/v1/CreateWebhookResponse';
import type { DeleteWebhookRequest as _redbank_v1_DeleteWebhookRequest, DeleteWebhookRequest__Output as _redbank_v1_DeleteWebhookRequest__Output } from './redbank/v1/DeleteWebhookRequest';
import type { DeleteWebhookResponse as _redbank_v1_DeleteWebhookResponse, DeleteWebhookResponse__Output as _redbank_v1_DeleteWebhookResponse__Output } from './redbank/v1/DeleteWebhookResponse';
import type { Delivery as _redbank_v1_Delivery, Delivery__Output as _redbank_v1_Delivery__Output } from './redbank/v1/Delivery';
import type { DepositRequest as _redbank_v1_DepositRequest, DepositRequest__Output as _redbank_v1_DepositRequest__Output } from './redbank/v1/DepositRequest';
import type { DepositResponse as _redbank_v1_DepositResponse, DepositResponse__Output as _redbank_v1_DepositResponse__Output } from './redbank/v1/DepositResponse';
import type { Event as _redbank_v1_Event, Event__Output as _redbank_v1_Event__Output } from './redbank/v1/Event';
import type { EventsClient as _redbank_v1_EventsClient, EventsDefinition as _redbank_v1_EventsDefinition } from './redbank/v1/Events';
import type { FreezeAccountRequest as _redbank_v1_FreezeAccountRequest, FreezeAccountRequest__Output as _redbank_v1_FreezeAccountRequest__Output } from './redbank/v1/FreezeAccountRequest';
import type { GetAccountRequest as _redbank_v1_GetAccountRequest, GetAccountRequest__Output as _redbank_v1_GetAccountRequest__Output } from './redbank/v1/GetAccountRequest';
import type { GetHoldRequest as _redbank_v1_GetHoldRequest, GetHoldRequest__Output as _redbank_v1_GetHoldRequest__Output } from './redbank/v1/GetHoldRequest';
import type { GetStatementRequest as _redbank_v1_GetStatementRequest, GetStatementRequest__Output as _redbank_v1_GetStatementRequest__Output } from './redbank/v1/GetStatementRequest';
import type { GetStatementResponse as _redbank_v1_GetStatementResponse, GetStatementResponse__Output as _redbank_v1_GetStatementResponse__Output } from './redbank/v1/GetStatementResponse';
import type { Hold as _redbank_v1_Hold, Hold__Output as _redbank_v1_Hold__Output } from './redbank/v1/Hold';
import type { HoldResponse as _redbank_v1_HoldResponse, HoldResponse__Output as _redbank_v1_HoldResponse__Output } from './redbank/v1/HoldResponse';
import type { ListAccountsRequest as _redbank_v1_ListAccountsRequest, ListAccountsRequest__Output as _redbank_v1_ListAccountsRequest__Output } from './redbank/v1/ListAccountsRequest';
import type { ListAccountsResponse as _redbank_v1_ListAccountsResponse, ListAccountsResponse__Output as _redbank_v1_ListAccountsResponse__Output } from './redbank/v1/ListAccountsResponse';
import type { ListApiKeysRequest as _redbank_v1_ListApiKeysRequest, ListApiKeysRequest__Output as _redbank_v1_ListApiKeysRequest__Output } from './redbank/v1/ListApiKeysRequest';
import type { ListApiKeysResponse as _redbank_v1_ListApiKeysResponse, ListApiKeysResponse__Output as _redbank_v1_ListApiKeysResponse__Output } from './redbank/v1/ListApiKeysResponse';
import type { ListDeliveriesRequest as _redbank_v1_ListDeliveriesRequest, ListDeliveriesRequest__Output as _redbank_v1_ListDeliveriesRequest__Output } from './redbank/v1/ListDeliveriesRequest';
import type { ListDeliveriesResponse as _redbank_v1_ListDeliveriesResponse, ListDeliveriesResponse__Output as _redbank_v1_ListDeliveriesResponse__Output } from './redbank/v1/ListDeliveriesResponse';
import type { ListHoldsRequest as _redbank_v1_ListHoldsRequest, ListHoldsRequest__Output as _redbank_v1_ListHoldsRequest__Output } from './redbank/v1/ListHoldsRequest';
import type { ListHoldsResponse as _redbank_v1_ListHoldsResponse, ListHoldsResponse__Output as _redbank_v1_ListHoldsResponse__Output } from './redbank/v1/ListHoldsResponse';
import type { ListTransactionsRequest as _redbank_v1_ListTransactionsRequest, ListTransactionsRequest__Output as _redbank_v1_ListTransactionsRequest__Output } from './redbank/v1/ListTransactionsRequest';
import type { ListTransactionsResponse as _redbank_v1_ListTransactionsResponse, ListTransactionsResponse__Output as _redbank_v1_ListTransactionsResponse__Output } from './redbank/v1/ListTransactionsResponse';
import type { ListWebhooksRequest as _redbank_v1_ListWebhooksRequest, ListWebhooksRequest__Output as _redbank_v1_ListWebhooksRequest__Output } from './redbank/v1/ListWebhooksRequest';
import type { ListWebhooksResponse as _redbank_v1_ListWebhooksResponse, ListWebhooksResponse__Output as _redbank_v1_ListWebhooksResponse__Output } from './redbank/v1/ListWebhooksResponse';
import type { Money as _redbank_v1_Money, Money__Output as _redbank_v1_Money__Output } from './redbank/v1/Money';
import type { MonthInterest as _redbank_v1_MonthInterest, MonthInterest__Output as _redbank_v1_MonthInterest__Output } from './redbank/v1/MonthInterest';
import type { RedeliverRequest as _redbank_v1_RedeliverRequest, RedeliverRequest__Output as _redbank_v1_RedeliverRequest__Output } from './redbank/v1/RedeliverRequest';
import type { RedeliverResponse as _redbank_v1_RedeliverResponse, RedeliverResponse__Output as _redbank_v1_RedeliverResponse__Output } from './redbank/v1/RedeliverResponse';
import type { RevokeApiKeyRequest as _redbank_v1_RevokeApiKeyRequest, RevokeApiKeyRequest__Output as _redbank_v1_RevokeApiKeyRequest__Output } from './redbank/v1/RevokeApiKeyRequest';
import type { SubscribeRequest as _redbank_v1_SubscribeRequest, SubscribeRequest__Output as _redbank_v1_SubscribeRequest__Output } from './redbank/v1/SubscribeRequest';
import type { Transaction as _redbank_v1_Transaction, Transaction__Output as _redbank_v1_Transaction__Output } from './redbank/v1/Transaction';
import type { TransferRequest as _redbank_v1_TransferRequest, TransferRequest__Output as _redbank_v1_TransferRequest__Output } from './redbank/v1/TransferRequest';
import type { TransferResponse as _redbank_v1_TransferResponse, TransferResponse__Output as _redbank_v1_TransferResponse__Output } from './redbank/v1/TransferResponse';
import type { UnfreezeAccountRequest as _redbank_v1_UnfreezeAccountRequest, UnfreezeAccountRequest__Output as _redbank_v1_UnfreezeAccountRequest__Output } from './redbank/v1/UnfreezeAccountRequest';
import type { VoidHoldRequest as _redbank_v1_VoidHoldRequest, VoidHoldRequest__Output as _redbank_v1_VoidHoldRequest__Output } from './redbank/v1/VoidHoldRequest';
import type { Webhook as _redbank_v1_Webhook, Webhook__Output as _redbank_v1_Webhook__Output } from './redbank/v1/Webhook';
import type { WebhooksClient as _redbank_v1_WebhooksClient, WebhooksDefinition as _redbank_v1_WebhooksDefinition } from './redbank/v1/Webhooks';
import type { WithdrawRequest as _redbank_v1_WithdrawRequest, WithdrawRequest__Output as _redbank_v1_WithdrawRequest__Output } from './redbank/v1/WithdrawRequest';
import type { WithdrawResponse as _redbank_v1_WithdrawResponse, WithdrawResponse__Output as _redbank_v1_WithdrawResponse__Output } from './redbank/v1/WithdrawResponse';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  google: {
    protobuf: {
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp, _google_protobuf_Timestamp__Output>
    }
  }
  redbank: {
    v1: {
      Account: MessageTypeDefinition<_redbank_v1_Account, _redbank_v1_Account__Output>
      AccountState: EnumTypeDefinition
      AccountType: EnumTypeDefinition
      ApiKey: MessageTypeDefinition<_redbank_v1_ApiKey, _redbank_v1_ApiKey__Output>
      ApiKeys: SubtypeConstructor<typeof grpc.Client, _redbank_v1_ApiKeysClient> & { service: _redbank_v1_ApiKeysDefinition }
      ApplyInterestRequest: MessageTypeDefinition<_redbank_v1_ApplyInterestRequest, _redbank_v1_ApplyInterestRequest__Output>
      ApplyInterestResponse: MessageTypeDefinition<_redbank_v1_ApplyInterestResponse, _redbank_v1_ApplyInterestResponse__Output>
      Bank: SubtypeConstructor<typeof grpc.Client, _redbank_v1_BankClient> & { service: _redbank_v1_BankDefinition }
      CaptureHoldRequest: MessageTypeDefinition<_redbank_v1_CaptureHoldRequest, _redbank_v1_CaptureHoldRequest__Output>
      CaptureHoldResponse: MessageTypeDefinition<_redbank_v1_CaptureHoldResponse, _redbank_v1_CaptureHoldResponse__Output>
      CloseAccountRequest: MessageTypeDefinition<_redbank_v1_CloseAccountRequest, _redbank_v1_CloseAccountRequest__Output>
      CreateAccountRequest: MessageTypeDefinition<_redbank_v1_CreateAccountRequest, _redbank_v1_CreateAccountRequest__Output>
      CreateApiKeyRequest: MessageTypeDefinition<_redbank_v1_CreateApiKeyRequest, _redbank_v1_CreateApiKeyRequest__Output>
      CreateApiKeyResponse: MessageTypeDefinition<_redbank_v1_CreateApiKeyResponse, _redbank_v1_CreateApiKeyResponse__Output>
      CreateHoldRequest: MessageTypeDefinition<_redbank_v1_CreateHoldRequest, _redbank_v1_CreateHoldRequest__Output>
      CreateWebhookRequest: MessageTypeDefinition<_redbank_v1_CreateWebhookRequest, _redbank_v1_CreateWebhookRequest__Output>
      CreateWebhookResponse: MessageTypeDefinition<_redbank_v1_CreateWebhookResponse, _redbank_v1_CreateWebhookResponse__Output>
      DeleteWebhookRequest: MessageTypeDefinition<_redbank_v1_DeleteWebhookRequest, _redbank_v1_DeleteWebhookRequest__Output>
      DeleteWebhookResponse: MessageTypeDefinition<_redbank_v1_DeleteWebhookResponse, _redbank_v1_DeleteWebhookResponse__Output>
      Delivery: MessageTypeDefinition<_redbank_v1_Delivery, _redbank_v1_Delivery__Output>
      DeliveryOutcome: EnumTypeDefinition
      DepositRequest: MessageTypeDefinition<_redbank_v1_DepositRequest, _redbank_v1_DepositRequest__Output>
      DepositResponse: MessageTypeDefinition<_redbank_v1_DepositResponse, _redbank_v1_DepositResponse__Output>
      Event: MessageTypeDefinition<_redbank_v1_Event, _redbank_v1_Event__Output>
      Events: SubtypeConstructor<typeof grpc.Client, _redbank_v1_EventsClient> & { service: _redbank_v1_EventsDefinition }
      FreezeAccountRequest: MessageTypeDefinition<_redbank_v1_FreezeAccountRequest, _redbank_v1_FreezeAccountRequest__Output>
      GetAccountRequest: MessageTypeDefinition<_redbank_v1_GetAccountRequest, _redbank_v1_GetAccountRequest__Output>
      GetHoldRequest: MessageTypeDefinition<_redbank_v1_GetHoldRequest, _redbank_v1_GetHoldRequest__Output>
      GetStatementRequest: MessageTypeDefinition<_redbank_v1_GetStatementRequest, _redbank_v1_GetStatementRequest__Output>
      GetStatementResponse: MessageTypeDefinition<_redbank_v1_GetStatementResponse, _redbank_v1_GetStatementResponse__Output>
      Hold: MessageTypeDefinition<_redbank_v1_Hold, _redbank_v1_Hold__Output>
      HoldResponse: MessageTypeDefinition<_redbank_v1_HoldResponse, _redbank_v1_HoldResponse__Output>
      HoldState: EnumTypeDefinition
      ListAccountsRequest: MessageTypeDefinition<_redbank_v1_ListAccountsRequest, _redbank_v1_ListAccountsRequest__Output>
      ListAccountsResponse: MessageTypeDefinition<_redbank_v1_ListAccountsResponse, _redbank_v1_ListAccountsResponse__Output>
      ListApiKeysRequest: MessageTypeDefinition<_redbank_v1_ListApiKeysRequest, _redbank_v1_ListApiKeysRequest__Output>
      ListApiKeysResponse: MessageTypeDefinition<_redbank_v1_ListApiKeysResponse, _redbank_v1_ListApiKeysResponse__Output>
      ListDeliveriesRequest: MessageTypeDefinition<_redbank_v1_ListDeliveriesRequest, _redbank_v1_ListDeliveriesRequest__Output>
      ListDeliveriesResponse: MessageTypeDefinition<_redbank_v1_ListDeliveriesResponse, _redbank_v1_ListDeliveriesResponse__Output>
      ListHoldsRequest: MessageTypeDefinition<_redbank_v1_ListHoldsRequest, _redbank_v1_ListHoldsRequest__Output>
      ListHoldsResponse: MessageTypeDefinition<_redbank_v1_ListHoldsResponse, _redbank_v1_ListHoldsResponse__Output>
      ListTransactionsRequest: MessageTypeDefinition<_redbank_v1_ListTransactionsRequest, _redbank_v1_ListTransactionsRequest__Output>
      ListTransactionsResponse: MessageTypeDefinition<_redbank_v1_ListTransactionsResponse, _redbank_v1_ListTransactionsResponse__Output>
      ListWebhooksRequest: MessageTypeDefinition<_redbank_v1_ListWebhooksRequest, _redbank_v1_ListWebhooksRequest__Output>
      ListWebhooksResponse: MessageTypeDefinition<_redbank_v1_ListWebhooksResponse, _redbank_v1_ListWebhooksResponse__Output>
      Money: MessageTypeDefinition<_redbank_v1_Money, _redbank_v1_Money__Output>
      MonthInterest: MessageTypeDefinition<_redbank_v1_MonthInterest, _redbank_v1_MonthInterest__Output>
      RedeliverRequest: MessageTypeDefinition<_redbank_v1_RedeliverRequest, _redbank_v1_RedeliverRequest__Output>
      RedeliverResponse: MessageTypeDefinition<_redbank_v1_RedeliverResponse, _redbank_v1_RedeliverResponse__Output>
      RevokeApiKeyRequest: MessageTypeDefinition<_redbank_v1_RevokeApiKeyRequest, _redbank_v1_RevokeApiKeyRequest__Output>
      Role: EnumTypeDefinition
      SubscribeRequest: MessageTypeDefinition<_redbank_v1_SubscribeRequest, _redbank_v1_SubscribeRequest__Output>
      Transaction: MessageTypeDefinition<_redbank_v1_Transaction, _redbank_v1_Transaction__Output>
      TransactionKind: EnumTypeDefinition
      TransferRequest: MessageTypeDefinition<_redbank_v1_TransferRequest, _redbank_v1_TransferRequest__Output>
      TransferResponse: MessageTypeDefinition<_redbank_v1_TransferResponse, _redbank_v1_TransferResponse__Output>
      UnfreezeAccountRequest: MessageTypeDefinition<_redbank_v1_UnfreezeAccountRequest, _redbank_v1_UnfreezeAccountRequest__Output>
      VoidHoldRequest: MessageTypeDefinition<_redbank_v1_VoidHoldRequest, _redbank_v1_VoidHoldRequest__Output>
      Webhook: MessageTypeDefinition<_redbank_v1_Webhook, _redbank_v1_Webhook__Output>
      Webhooks: SubtypeConstructor<typeof grpc.Client, _redbank_v1_WebhooksClient> & { service: _redbank_v1_WebhooksDefinition }
      WithdrawRequest: MessageTypeDefinition<_redbank_v1_WithdrawRequest, _redbank_v1_WithdrawRequest__Output>
      WithdrawResponse: MessageTypeDefinition<_redbank_v1_WithdrawResponse, _redbank_v1_WithdrawResponse__Output>
    }
  }
}

