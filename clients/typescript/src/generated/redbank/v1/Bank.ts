// Original file: proto/redbank/v1/bank.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { Account as _redbank_v1_Account, Account__Output as _redbank_v1_Account__Output } from '../../redbank/v1/Account';
import type { ApplyInterestRequest as _redbank_v1_ApplyInterestRequest, ApplyInterestRequest__Output as _redbank_v1_ApplyInterestRequest__Output } from '../../redbank/v1/ApplyInterestRequest';
import type { ApplyInterestResponse as _redbank_v1_ApplyInterestResponse, ApplyInterestResponse__Output as _redbank_v1_ApplyInterestResponse__Output } from '../../redbank/v1/ApplyInterestResponse';
import type { CaptureHoldRequest as _redbank_v1_CaptureHoldRequest, CaptureHoldRequest__Output as _redbank_v1_CaptureHoldRequest__Output } from '../../redbank/v1/CaptureHoldRequest';
import type { CaptureHoldResponse as _redbank_v1_CaptureHoldResponse, CaptureHoldResponse__Output as _redbank_v1_CaptureHoldResponse__Output } from '../../redbank/v1/CaptureHoldResponse';
import type { CloseAccountRequest as _redbank_v1_CloseAccountRequest, CloseAccountRequest__Output as _redbank_v1_CloseAccountRequest__Output } from '../../redbank/v1/CloseAccountRequest';
import type { CreateAccountRequest as _redbank_v1_CreateAccountRequest, CreateAccountRequest__Output as _redbank_v1_CreateAccountRequest__Output } from '../../redbank/v1/CreateAccountRequest';
import type { CreateHoldRequest as _redbank_v1_CreateHoldRequest, CreateHoldRequest__Output as _redbank_v1_CreateHoldRequest__Output } from '../../redbank/v1/CreateHoldRequest';
import type { DepositRequest as _redbank_v1_DepositRequest, DepositRequest__Output as _redbank_v1_DepositRequest__Output } from '../../redbank/v1/DepositRequest';
import type { DepositResponse as _redbank_v1_DepositResponse, DepositResponse__Output as _redbank_v1_DepositResponse__Output } from '../../redbank/v1/DepositResponse';
import type { FreezeAccountRequest as _redbank_v1_FreezeAccountRequest, FreezeAccountRequest__Output as _redbank_v1_FreezeAccountRequest__Output } from '../../redbank/v1/FreezeAccountRequest';
import type { GetAccountRequest as _redbank_v1_GetAccountRequest, GetAccountRequest__Output as _redbank_v1_GetAccountRequest__Output } from '../../redbank/v1/GetAccountRequest';
import type { GetHoldRequest as _redbank_v1_GetHoldRequest, GetHoldRequest__Output as _redbank_v1_GetHoldRequest__Output } from '../../redbank/v1/GetHoldRequest';
import type { GetStatementRequest as _redbank_v1_GetStatementRequest, GetStatementRequest__Output as _redbank_v1_GetStatementRequest__Output } from '../../redbank/v1/GetStatementRequest';
import type { GetStatementResponse as _redbank_v1_GetStatementResponse, GetStatementResponse__Output as _redbank_v1_GetStatementResponse__Output } from '../../redbank/v1/GetStatementResponse';
import type { Hold as _redbank_v1_Hold, Hold__Output as _redbank_v1_Hold__Output } from '../../redbank/v1/Hold';
import type { HoldResponse as _redbank_v1_HoldResponse, HoldResponse__Output as _redbank_v1_HoldResponse__Output } from '../../redbank/v1/HoldResponse';
import type { ListAccountsRequest as _redbank_v1_ListAccountsRequest, ListAccountsRequest__Output as _redbank_v1_ListAccountsRequest__Output } from '../../redbank/v1/ListAccountsRequest';
import type { ListAccountsResponse as _redbank_v1_ListAccountsResponse, ListAccountsResponse__Output as _redbank_v1_ListAccountsResponse__Output } from '../../redbank/v1/ListAccountsResponse';
import type { ListHoldsRequest as _redbank_v1_ListHoldsRequest, ListHoldsRequest__Output as _redbank_v1_ListHoldsRequest__Output } from '../../redbank/v1/ListHoldsRequest';
import type { ListHoldsResponse as _redbank_v1_ListHoldsResponse, ListHoldsResponse__Output as _redbank_v1_ListHoldsResponse__Output } from '../../redbank/v1/ListHoldsResponse';
import type { ListTransactionsRequest as _redbank_v1_ListTransactionsRequest, ListTransactionsRequest__Output as _redbank_v1_ListTransactionsRequest__Output } from '../../redbank/v1/ListTransactionsRequest';
import type { ListTransactionsResponse as _redbank_v1_ListTransactionsResponse, ListTransactionsResponse__Output as _redbank_v1_ListTransactionsResponse__Output } from '../../redbank/v1/ListTransactionsResponse';
import type { TransferRequest as _redbank_v1_TransferRequest, TransferRequest__Output as _redbank_v1_TransferRequest__Output } from '../../redbank/v1/TransferRequest';
import type { TransferResponse as _redbank_v1_TransferResponse, TransferResponse__Output as _redbank_v1_TransferResponse__Output } from '../../redbank/v1/TransferResponse';
import type { UnfreezeAccountRequest as _redbank_v1_UnfreezeAccountRequest, UnfreezeAccountRequest__Output as _redbank_v1_UnfreezeAccountRequest__Output } from '../../redbank/v1/UnfreezeAccountRequest';
import type { VoidHoldRequest as _redbank_v1_VoidHoldRequest, VoidHoldRequest__Output as _redbank_v1_VoidHoldRequest__Output } from '../../redbank/v1/VoidHoldRequest';
import type { WithdrawRequest as _redbank_v1_WithdrawRequest, WithdrawRequest__Output as _redbank_v1_WithdrawRequest__Output } from '../../redbank/v1/WithdrawRequest';
import type { WithdrawResponse as _redbank_v1_WithdrawResponse, WithdrawResponse__Output as _redbank_v1_WithdrawResponse__Output } from '../../redbank/v1/WithdrawResponse';

export interface BankClient extends grpc.Client {
  ApplyInterest(argument: _redbank_v1_ApplyInterestRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_ApplyInterestResponse__Output>): grpc.ClientUnaryCall;
  ApplyInterest(argument: _redbank_v1_ApplyInterestRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_ApplyInterestResponse__Output>): grpc.ClientUnaryCall;
  ApplyInterest(argument: _redbank_v1_ApplyInterestRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_ApplyInterestResponse__Output>): grpc.ClientUnaryCall;
  ApplyInterest(argument: _redbank_v1_ApplyInterestRequest, callback: grpc.requestCallback<_redbank_v1_ApplyInterestResponse__Output>): grpc.ClientUnaryCall;
  applyInterest(argument: _redbank_v1_ApplyInterestRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_ApplyInterestResponse__Output>): grpc.ClientUnaryCall;
  applyInterest(argument: _redbank_v1_ApplyInterestRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_ApplyInterestResponse__Output>): grpc.ClientUnaryCall;
  applyInterest(argument: _redbank_v1_ApplyInterestRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_ApplyInterestResponse__Output>): grpc.ClientUnaryCall;
  applyInterest(argument: _redbank_v1_ApplyInterestRequest, callback: grpc.requestCallback<_redbank_v1_ApplyInterestResponse__Output>): grpc.ClientUnaryCall;
  
  CaptureHold(argument: _redbank_v1_CaptureHoldRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_CaptureHoldResponse__Output>): grpc.ClientUnaryCall;
  CaptureHold(argument: _redbank_v1_CaptureHoldRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_CaptureHoldResponse__Output>): grpc.ClientUnaryCall;
  CaptureHold(argument: _redbank_v1_CaptureHoldRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_CaptureHoldResponse__Output>): grpc.ClientUnaryCall;
  CaptureHold(argument: _redbank_v1_CaptureHoldRequest, callback: grpc.requestCallback<_redbank_v1_CaptureHoldResponse__Output>): grpc.ClientUnaryCall;
  captureHold(argument: _redbank_v1_CaptureHoldRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_CaptureHoldResponse__Output>): grpc.ClientUnaryCall;
  captureHold(argument: _redbank_v1_CaptureHoldRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_CaptureHoldResponse__Output>): grpc.ClientUnaryCall;
  captureHold(argument: _redbank_v1_CaptureHoldRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_CaptureHoldResponse__Output>): grpc.ClientUnaryCall;
  captureHold(argument: _redbank_v1_CaptureHoldRequest, callback: grpc.requestCallback<_redbank_v1_CaptureHoldResponse__Output>): grpc.ClientUnaryCall;
  
  CloseAccount(argument: _redbank_v1_CloseAccountRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_Account__Output>): grpc.ClientUnaryCall;
  CloseAccount(argument: _redbank_v1_CloseAccountRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_Account__Output>): grpc.ClientUnaryCall;
  CloseAccount(argument: _redbank_v1_CloseAccountRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_Account__Output>): grpc.ClientUnaryCall;
  CloseAccount(argument: _redbank_v1_CloseAccountRequest, callback: grpc.requestCallback<_redbank_v1_Account__Output>): grpc.ClientUnaryCall;
  closeAccount(argument: _redbank_v1_CloseAccountRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_Account__Output>): grpc.ClientUnaryCall;
  closeAccount(argument: _redbank_v1_CloseAccountRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_Account__Output>): grpc.ClientUnaryCall;
  closeAccount(argument: _redbank_v1_CloseAccountRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_Account__Output>): grpc.ClientUnaryCall;
  closeAccount(argument: _redbank_v1_CloseAccountRequest, callback: grpc.requestCallback<_redbank_v1_Account__Output>): grpc.ClientUnaryCall;
  
  CreateAccount(argument: _redbank_v1_CreateAccountRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_Account__Output>): grpc.ClientUnaryCall;
  CreateAccount(argument: _redbank_v1_CreateAccountRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_Account__Output>): grpc.ClientUnaryCall;
  CreateAccount(argument: _redbank_v1_CreateAccountRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_Account__Output>): grpc.ClientUnaryCall;
  CreateAccount(argument: _redbank_v1_CreateAccountRequest, callback: grpc.requestCallback<_redbank_v1_Account__Output>): grpc.ClientUnaryCall;
  createAccount(argument: _redbank_v1_CreateAccountRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_Account__Output>): grpc.ClientUnaryCall;
  createAccount(argument: _redbank_v1_CreateAccountRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_Account__Output>): grpc.ClientUnaryCall;
  createAccount(argument: _redbank_v1_CreateAccountRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_Account__Output>): grpc.ClientUnaryCall;
  createAccount(argument: _redbank_v1_CreateAccountRequest, callback: grpc.requestCallback<_redbank_v1_Account__Output>): grpc.ClientUnaryCall;
  
  CreateHold(argument: _redbank_v1_CreateHoldRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_HoldResponse__Output>): grpc.ClientUnaryCall;
  CreateHold(argument: _redbank_v1_CreateHoldRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_HoldResponse__Output>): grpc.ClientUnaryCall;
  CreateHold(argument: _redbank_v1_CreateHoldRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_HoldResponse__Output>): grpc.ClientUnaryCall;
  CreateHold(argument: _redbank_v1_CreateHoldRequest, callback: grpc.requestCallback<_redbank_v1_HoldResponse__Output>): grpc.ClientUnaryCall;
  createHold(argument: _redbank_v1_CreateHoldRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_HoldResponse__Output>): grpc.ClientUnaryCall;
  createHold(argument: _redbank_v1_CreateHoldRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_HoldResponse__Output>): grpc.ClientUnaryCall;
  createHold(argument: _redbank_v1_CreateHoldRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_HoldResponse__Output>): grpc.ClientUnaryCall;
  createHold(argument: _redbank_v1_CreateHoldRequest, callback: grpc.requestCallback<_redbank_v1_HoldResponse__Output>): grpc.ClientUnaryCall;
  
  Deposit(argument: _redbank_v1_DepositRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_DepositResponse__Output>): grpc.ClientUnaryCall;
  Deposit(argument: _redbank_v1_DepositRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_DepositResponse__Output>): grpc.ClientUnaryCall;
  Deposit(argument: _redbank_v1_DepositRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_DepositResponse__Output>): grpc.ClientUnaryCall;
  Deposit(argument: _redbank_v1_DepositRequest, callback: grpc.requestCallback<_redbank_v1_DepositResponse__Output>): grpc.ClientUnaryCall;
  deposit(argument: _redbank_v1_DepositRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_DepositResponse__Output>): grpc.ClientUnaryCall;
  deposit(argument: _redbank_v1_DepositRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_DepositResponse__Output>): grpc.ClientUnaryCall;
  deposit(argument: _redbank_v1_DepositRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_DepositResponse__Output>): grpc.ClientUnaryCall;
  deposit(argument: _redbank_v1_DepositRequest, callback: grpc.requestCallback<_redbank_v1_DepositResponse__Output>): grpc.ClientUnaryCall;
  
  FreezeAccount(argument: _redbank_v1_FreezeAccountRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_Account__Output>): grpc.ClientUnaryCall;
  FreezeAccount(argument: _redbank_v1_FreezeAccountRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_Account__Output>): grpc.ClientUnaryCall;
  FreezeAccount(argument: _redbank_v1_FreezeAccountRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_Account__Output>): grpc.ClientUnaryCall;
  FreezeAccount(argument: _redbank_v1_FreezeAccountRequest, callback: grpc.requestCallback<_redbank_v1_Account__Output>): grpc.ClientUnaryCall;
  freezeAccount(argument: _redbank_v1_FreezeAccountRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_Account__Output>): grpc.ClientUnaryCall;
  freezeAccount(argument: _redbank_v1_FreezeAccountRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_Account__Output>): grpc.ClientUnaryCall;
  freezeAccount(argument: _redbank_v1_FreezeAccountRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_Account__Output>): grpc.ClientUnaryCall;
  freezeAccount(argument: _redbank_v1_FreezeAccountRequest, callback: grpc.requestCallback<_redbank_v1_Account__Output>): grpc.ClientUnaryCall;
  
  GetAccount(argument: _redbank_v1_GetAccountRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_Account__Output>): grpc.ClientUnaryCall;
  GetAccount(argument: _redbank_v1_GetAccountRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_Account__Output>): grpc.ClientUnaryCall;
  GetAccount(argument: _redbank_v1_GetAccountRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_Account__Output>): grpc.ClientUnaryCall;
  GetAccount(argument: _redbank_v1_GetAccountRequest, callback: grpc.requestCallback<_redbank_v1_Account__Output>): grpc.ClientUnaryCall;
  getAccount(argument: _redbank_v1_GetAccountRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_Account__Output>): grpc.ClientUnaryCall;
  getAccount(argument: _redbank_v1_GetAccountRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_Account__Output>): grpc.ClientUnaryCall;
  getAccount(argument: _redbank_v1_GetAccountRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_Account__Output>): grpc.ClientUnaryCall;
  getAccount(argument: _redbank_v1_GetAccountRequest, callback: grpc.requestCallback<_redbank_v1_Account__Output>): grpc.ClientUnaryCall;
  
  GetHold(argument: _redbank_v1_GetHoldRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_Hold__Output>): grpc.ClientUnaryCall;
  GetHold(argument: _redbank_v1_GetHoldRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_Hold__Output>): grpc.ClientUnaryCall;
  GetHold(argument: _redbank_v1_GetHoldRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_Hold__Output>): grpc.ClientUnaryCall;
  GetHold(argument: _redbank_v1_GetHoldRequest, callback: grpc.requestCallback<_redbank_v1_Hold__Output>): grpc.ClientUnaryCall;
  getHold(argument: _redbank_v1_GetHoldRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_Hold__Output>): grpc.ClientUnaryCall;
  getHold(argument: _redbank_v1_GetHoldRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_Hold__Output>): grpc.ClientUnaryCall;
  getHold(argument: _redbank_v1_GetHoldRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_Hold__Output>): grpc.ClientUnaryCall;
  getHold(argument: _redbank_v1_GetHoldRequest, callback: grpc.requestCallback<_redbank_v1_Hold__Output>): grpc.ClientUnaryCall;
  
  GetStatement(argument: _redbank_v1_GetStatementRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_GetStatementResponse__Output>): grpc.ClientUnaryCall;
  GetStatement(argument: _redbank_v1_GetStatementRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_GetStatementResponse__Output>): grpc.ClientUnaryCall;
  GetStatement(argument: _redbank_v1_GetStatementRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_GetStatementResponse__Output>): grpc.ClientUnaryCall;
  GetStatement(argument: _redbank_v1_GetStatementRequest, callback: grpc.requestCallback<_redbank_v1_GetStatementResponse__Output>): grpc.ClientUnaryCall;
  getStatement(argument: _redbank_v1_GetStatementRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_GetStatementResponse__Output>): grpc.ClientUnaryCall;
  getStatement(argument: _redbank_v1_GetStatementRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_GetStatementResponse__Output>): grpc.ClientUnaryCall;
  getStatement(argument: _redbank_v1_GetStatementRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_GetStatementResponse__Output>): grpc.ClientUnaryCall;
  getStatement(argument: _redbank_v1_GetStatementRequest, callback: grpc.requestCallback<_redbank_v1_GetStatementResponse__Output>): grpc.ClientUnaryCall;
  
  ListAccounts(argument: _redbank_v1_ListAccountsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_ListAccountsResponse__Output>): grpc.ClientUnaryCall;
  ListAccounts(argument: _redbank_v1_ListAccountsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_ListAccountsResponse__Output>): grpc.ClientUnaryCall;
  ListAccounts(argument: _redbank_v1_ListAccountsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_ListAccountsResponse__Output>): grpc.ClientUnaryCall;
  ListAccounts(argument: _redbank_v1_ListAccountsRequest, callback: grpc.requestCallback<_redbank_v1_ListAccountsResponse__Output>): grpc.ClientUnaryCall;
  listAccounts(argument: _redbank_v1_ListAccountsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_ListAccountsResponse__Output>): grpc.ClientUnaryCall;
  listAccounts(argument: _redbank_v1_ListAccountsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_ListAccountsResponse__Output>): grpc.ClientUnaryCall;
  listAccounts(argument: _redbank_v1_ListAccountsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_ListAccountsResponse__Output>): grpc.ClientUnaryCall;
  listAccounts(argument: _redbank_v1_ListAccountsRequest, callback: grpc.requestCallback<_redbank_v1_ListAccountsResponse__Output>): grpc.ClientUnaryCall;
  
  ListHolds(argument: _redbank_v1_ListHoldsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_ListHoldsResponse__Output>): grpc.ClientUnaryCall;
  ListHolds(argument: _redbank_v1_ListHoldsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_ListHoldsResponse__Output>): grpc.ClientUnaryCall;
  ListHolds(argument: _redbank_v1_ListHoldsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_ListHoldsResponse__Output>): grpc.ClientUnaryCall;
  ListHolds(argument: _redbank_v1_ListHoldsRequest, callback: grpc.requestCallback<_redbank_v1_ListHoldsResponse__Output>): grpc.ClientUnaryCall;
  listHolds(argument: _redbank_v1_ListHoldsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_ListHoldsResponse__Output>): grpc.ClientUnaryCall;
  listHolds(argument: _redbank_v1_ListHoldsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_ListHoldsResponse__Output>): grpc.ClientUnaryCall;
  listHolds(argument: _redbank_v1_ListHoldsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_ListHoldsResponse__Output>): grpc.ClientUnaryCall;
  listHolds(argument: _redbank_v1_ListHoldsRequest, callback: grpc.requestCallback<_redbank_v1_ListHoldsResponse__Output>): grpc.ClientUnaryCall;
  
  ListTransactions(argument: _redbank_v1_ListTransactionsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_ListTransactionsResponse__Output>): grpc.ClientUnaryCall;
  ListTransactions(argument: _redbank_v1_ListTransactionsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_ListTransactionsResponse__Output>): grpc.ClientUnaryCall;
  ListTransactions(argument: _redbank_v1_ListTransactionsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_ListTransactionsResponse__Output>): grpc.ClientUnaryCall;
  ListTransactions(argument: _redbank_v1_ListTransactionsRequest, callback: grpc.requestCallback<_redbank_v1_ListTransactionsResponse__Output>): grpc.ClientUnaryCall;
  listTransactions(argument: _redbank_v1_ListTransactionsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_ListTransactionsResponse__Output>): grpc.ClientUnaryCall;
  listTransactions(argument: _redbank_v1_ListTransactionsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_ListTransactionsResponse__Output>): grpc.ClientUnaryCall;
  listTransactions(argument: _redbank_v1_ListTransactionsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_ListTransactionsResponse__Output>): grpc.ClientUnaryCall;
  listTransactions(argument: _redbank_v1_ListTransactionsRequest, callback: grpc.requestCallback<_redbank_v1_ListTransactionsResponse__Output>): grpc.ClientUnaryCall;
  
  Transfer(argument: _redbank_v1_TransferRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_TransferResponse__Output>): grpc.ClientUnaryCall;
  Transfer(argument: _redbank_v1_TransferRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_TransferResponse__Output>): grpc.ClientUnaryCall;
  Transfer(argument: _redbank_v1_TransferRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_TransferResponse__Output>): grpc.ClientUnaryCall;
  Transfer(argument: _redbank_v1_TransferRequest, callback: grpc.requestCallback<_redbank_v1_TransferResponse__Output>): grpc.ClientUnaryCall;
  transfer(argument: _redbank_v1_TransferRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_TransferResponse__Output>): grpc.ClientUnaryCall;
  transfer(argument: _redbank_v1_TransferRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_TransferResponse__Output>): grpc.ClientUnaryCall;
  transfer(argument: _redbank_v1_TransferRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_TransferResponse__Output>): grpc.ClientUnaryCall;
  transfer(argument: _redbank_v1_TransferRequest, callback: grpc.requestCallback<_redbank_v1_TransferResponse__Output>): grpc.ClientUnaryCall;
  
  UnfreezeAccount(argument: _redbank_v1_UnfreezeAccountRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_Account__Output>): grpc.ClientUnaryCall;
  UnfreezeAccount(argument: _redbank_v1_UnfreezeAccountRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_Account__Output>): grpc.ClientUnaryCall;
  UnfreezeAccount(argument: _redbank_v1_UnfreezeAccountRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_Account__Output>): grpc.ClientUnaryCall;
  UnfreezeAccount(argument: _redbank_v1_UnfreezeAccountRequest, callback: grpc.requestCallback<_redbank_v1_Account__Output>): grpc.ClientUnaryCall;
  unfreezeAccount(argument: _redbank_v1_UnfreezeAccountRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_Account__Output>): grpc.ClientUnaryCall;
  unfreezeAccount(argument: _redbank_v1_UnfreezeAccountRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_Account__Output>): grpc.ClientUnaryCall;
  unfreezeAccount(argument: _redbank_v1_UnfreezeAccountRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_Account__Output>): grpc.ClientUnaryCall;
  unfreezeAccount(argument: _redbank_v1_UnfreezeAccountRequest, callback: grpc.requestCallback<_redbank_v1_Account__Output>): grpc.ClientUnaryCall;
  
  VoidHold(argument: _redbank_v1_VoidHoldRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_HoldResponse__Output>): grpc.ClientUnaryCall;
  VoidHold(argument: _redbank_v1_VoidHoldRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_HoldResponse__Output>): grpc.ClientUnaryCall;
  VoidHold(argument: _redbank_v1_VoidHoldRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_HoldResponse__Output>): grpc.ClientUnaryCall;
  VoidHold(argument: _redbank_v1_VoidHoldRequest, callback: grpc.requestCallback<_redbank_v1_HoldResponse__Output>): grpc.ClientUnaryCall;
  voidHold(argument: _redbank_v1_VoidHoldRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_HoldResponse__Output>): grpc.ClientUnaryCall;
  voidHold(argument: _redbank_v1_VoidHoldRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_HoldResponse__Output>): grpc.ClientUnaryCall;
  voidHold(argument: _redbank_v1_VoidHoldRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_HoldResponse__Output>): grpc.ClientUnaryCall;
  voidHold(argument: _redbank_v1_VoidHoldRequest, callback: grpc.requestCallback<_redbank_v1_HoldResponse__Output>): grpc.ClientUnaryCall;
  
  Withdraw(argument: _redbank_v1_WithdrawRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_WithdrawResponse__Output>): grpc.ClientUnaryCall;
  Withdraw(argument: _redbank_v1_WithdrawRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_WithdrawResponse__Output>): grpc.ClientUnaryCall;
  Withdraw(argument: _redbank_v1_WithdrawRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_WithdrawResponse__Output>): grpc.ClientUnaryCall;
  Withdraw(argument: _redbank_v1_WithdrawRequest, callback: grpc.requestCallback<_redbank_v1_WithdrawResponse__Output>): grpc.ClientUnaryCall;
  withdraw(argument: _redbank_v1_WithdrawRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_WithdrawResponse__Output>): grpc.ClientUnaryCall;
  withdraw(argument: _redbank_v1_WithdrawRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redbank_v1_WithdrawResponse__Output>): grpc.ClientUnaryCall;
  withdraw(argument: _redbank_v1_WithdrawRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redbank_v1_WithdrawResponse__Output>): grpc.ClientUnaryCall;
  withdraw(argument: _redbank_v1_WithdrawRequest, callback: grpc.requestCallback<_redbank_v1_WithdrawResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface BankHandlers extends grpc.UntypedServiceImplementation {
  ApplyInterest: grpc.handleUnaryCall<_redbank_v1_ApplyInterestRequest__Output, _redbank_v1_ApplyInterestResponse>;
  
  CaptureHold: grpc.handleUnaryCall<_redbank_v1_CaptureHoldRequest__Output, _redbank_v1_CaptureHoldResponse>;
  
  CloseAccount: grpc.handleUnaryCall<_redbank_v1_CloseAccountRequest__Output, _redbank_v1_Account>;
  
  CreateAccount: grpc.handleUnaryCall<_redbank_v1_CreateAccountRequest__Output, _redbank_v1_Account>;
  
  CreateHold: grpc.handleUnaryCall<_redbank_v1_CreateHoldRequest__Output, _redbank_v1_HoldResponse>;
  
  Deposit: grpc.handleUnaryCall<_redbank_v1_DepositRequest__Output, _redbank_v1_DepositResponse>;
  
  FreezeAccount: grpc.handleUnaryCall<_redbank_v1_FreezeAccountRequest__Output, _redbank_v1_Account>;
  
  GetAccount: grpc.handleUnaryCall<_redbank_v1_GetAccountRequest__Output, _redbank_v1_Account>;
  
  GetHold: grpc.handleUnaryCall<_redbank_v1_GetHoldRequest__Output, _redbank_v1_Hold>;
  
  GetStatement: grpc.handleUnaryCall<_redbank_v1_GetStatementRequest__Output, _redbank_v1_GetStatementResponse>;
  
  ListAccounts: grpc.handleUnaryCall<_redbank_v1_ListAccountsRequest__Output, _redbank_v1_ListAccountsResponse>;
  
  ListHolds: grpc.handleUnaryCall<_redbank_v1_ListHoldsRequest__Output, _redbank_v1_ListHoldsResponse>;
  
  ListTransactions: grpc.handleUnaryCall<_redbank_v1_ListTransactionsRequest__Output, _redbank_v1_ListTransactionsResponse>;
  
  Transfer: grpc.handleUnaryCall<_redbank_v1_TransferRequest__Output, _redbank_v1_TransferResponse>;
  
  UnfreezeAccount: grpc.handleUnaryCall<_redbank_v1_UnfreezeAccountRequest__Output, _redbank_v1_Account>;
  
  VoidHold: grpc.handleUnaryCall<_redbank_v1_VoidHoldRequest__Output, _redbank_v1_HoldResponse>;
  
  Withdraw: grpc.handleUnaryCall<_redbank_v1_WithdrawRequest__Output, _redbank_v1_WithdrawResponse>;
  
}

export interface BankDefinition extends grpc.ServiceDefinition {
  ApplyInterest: MethodDefinition<_redbank_v1_ApplyInterestRequest, _redbank_v1_ApplyInterestResponse, _redbank_v1_ApplyInterestRequest__Output, _redbank_v1_ApplyInterestResponse__Output>
  CaptureHold: MethodDefinition<_redbank_v1_CaptureHoldRequest, _redbank_v1_CaptureHoldResponse, _redbank_v1_CaptureHoldRequest__Output, _redbank_v1_CaptureHoldResponse__Output>
  CloseAccount: MethodDefinition<_redbank_v1_CloseAccountRequest, _redbank_v1_Account, _redbank_v1_CloseAccountRequest__Output, _redbank_v1_Account__Output>
  CreateAccount: MethodDefinition<_redbank_v1_CreateAccountRequest, _redbank_v1_Account, _redbank_v1_CreateAccountRequest__Output, _redbank_v1_Account__Output>
  CreateHold: MethodDefinition<_redbank_v1_CreateHoldRequest, _redbank_v1_HoldResponse, _redbank_v1_CreateHoldRequest__Output, _redbank_v1_HoldResponse__Output>
  Deposit: MethodDefinition<_redbank_v1_DepositRequest, _redbank_v1_DepositResponse, _redbank_v1_DepositRequest__Output, _redbank_v1_DepositResponse__Output>
  FreezeAccount: MethodDefinition<_redbank_v1_FreezeAccountRequest, _redbank_v1_Account, _redbank_v1_FreezeAccountRequest__Output, _redbank_v1_Account__Output>
  GetAccount: MethodDefinition<_redbank_v1_GetAccountRequest, _redbank_v1_Account, _redbank_v1_GetAccountRequest__Output, _redbank_v1_Account__Output>
  GetHold: MethodDefinition<_redbank_v1_GetHoldRequest, _redbank_v1_Hold, _redbank_v1_GetHoldRequest__Output, _redbank_v1_Hold__Output>
  GetStatement: MethodDefinition<_redbank_v1_GetStatementRequest, _redbank_v1_GetStatementResponse, _redbank_v1_GetStatementRequest__Output, _redbank_v1_GetStatementResponse__Output>
  ListAccounts: MethodDefinition<_redbank_v1_ListAccountsRequest, _redbank_v1_ListAccountsResponse, _redbank_v1_ListAccountsRequest__Output, _redbank_v1_ListAccountsResponse__Output>
  ListHolds: MethodDefinition<_redbank_v1_ListHoldsRequest, _redbank_v1_ListHoldsResponse, _redbank_v1_ListHoldsRequest__Output, _redbank_v1_ListHoldsResponse__Output>
  ListTransactions: MethodDefinition<_redbank_v1_ListTransactionsRequest, _redbank_v1_ListTransactionsResponse, _redbank_v1_ListTransactionsRequest__Output, _redbank_v1_ListTransactionsResponse__Output>
  Transfer: MethodDefinition<_redbank_v1_TransferRequest, _redbank_v1_TransferResponse, _redbank_v1_TransferRequest__Output, _redbank_v1_TransferResponse__Output>
  UnfreezeAccount: MethodDefinition<_redbank_v1_UnfreezeAccountRequest, _redbank_v1_Account, _redbank_v1_UnfreezeAccountRequest__Output, _redbank_v1_Account__Output>
  VoidHold: MethodDefinition<_redbank_v1_VoidHoldRequest, _redbank_v1_HoldResponse, _redbank_v1_VoidHoldRequest__Output, _redbank_v1_HoldResponse__Output>
  Withdraw: MethodDefinition<_redbank_v1_WithdrawRequest, _redbank_v1_WithdrawResponse, _redbank_v1_WithdrawRequest__Output, _redbank_v1_WithdrawResponse__Output>
}
