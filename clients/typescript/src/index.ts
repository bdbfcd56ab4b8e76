// A typed client of redbank.v1 over @grpc/grpc-js.
//
// What it adds to the generated types is what every caller would otherwise
// rediscover: the bearer credential on every call; a request id made once per change
// and sent again on each retry, so a retry after a lost reply is applied at most
// once (the server answers the first result); a deadline on every call; UNAVAILABLE
// (and, for a change carrying its request id, DEADLINE_EXCEEDED) retried with
// backoff and jitter, a bounded number of times; failures thrown as RedbankError
// with the gRPC code, the ErrorInfo reason and its metadata; and async iterators
// that follow the pages of a history or of an account list.

import { randomUUID } from 'node:crypto';
import * as path from 'node:path';

import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import * as protobuf from 'protobufjs';

import type { ProtoGrpcType } from './generated/bank';
import type { Account__Output } from './generated/redbank/v1/Account';
import type { BankClient } from './generated/redbank/v1/Bank';
import type { Money, Money__Output } from './generated/redbank/v1/Money';
import type { Transaction__Output } from './generated/redbank/v1/Transaction';

export type { Account__Output as Account } from './generated/redbank/v1/Account';
export type { Transaction__Output as Transaction } from './generated/redbank/v1/Transaction';
export type { Money } from './generated/redbank/v1/Money';
export type { BankClient } from './generated/redbank/v1/Bank';

/** A change whose reply was lost is sent again this many times at most. */
export const RETRIES = 4;
/** The first wait before a retry, doubled each time up to RETRY_LONGEST_WAIT_MS. */
export const RETRY_FIRST_WAIT_MS = 100;
export const RETRY_LONGEST_WAIT_MS = 2000;
export const DEFAULT_TIMEOUT_MS = 5000;

// google.rpc.Status and ErrorInfo: what the server puts in grpc-status-details-bin.
const details = protobuf.parse(`
  syntax = "proto3";
  package google.rpc;
  message Any { string type_url = 1; bytes value = 2; }
  message Status { int32 code = 1; string message = 2; repeated Any details = 3; }
  message ErrorInfo { string reason = 1; string domain = 2; map<string, string> metadata = 3; }
`, { keepCase: true }).root;
const StatusMessage = details.lookupType('google.rpc.Status');
const ErrorInfoMessage = details.lookupType('google.rpc.ErrorInfo');

/**
 * A call that failed. `code` is gRPC's name ("FAILED_PRECONDITION"), `reason` the
 * server's machine-readable reason ("INSUFFICIENT_FUNDS"; "" when the failure did
 * not come from redbank), `metadata` the ErrorInfo's details, `requestId` the id a
 * change was sent with (send it again with that id to apply it at most once).
 */
export class RedbankError extends Error {
  constructor(
    readonly code: string,
    readonly reason: string,
    readonly detail: string,
    readonly metadata: Record<string, string>,
    readonly requestId: string,
  ) {
    super(reason ? `${code} ${reason}: ${detail}` : `${code}: ${detail}`);
    this.name = 'RedbankError';
  }

  static from(error: grpc.ServiceError, requestId: string): RedbankError {
    let reason = '';
    let metadata: Record<string, string> = {};
    for (const raw of error.metadata?.get('grpc-status-details-bin') ?? []) {
      const status = StatusMessage.toObject(StatusMessage.decode(raw as Buffer), { defaults: true });
      for (const any of status.details ?? []) {
        if (String(any.type_url).endsWith('/google.rpc.ErrorInfo')) {
          const info = ErrorInfoMessage.toObject(ErrorInfoMessage.decode(any.value), { defaults: true });
          reason = info.reason;
          metadata = { ...info.metadata };
        }
      }
    }
    return new RedbankError(grpc.status[error.code] ?? String(error.code), reason, error.details, metadata, requestId);
  }
}

/** `money("12.50", "USD")`: an exact amount as Money (from text, never a float). */
export function money(amount: string, currency: string): Money {
  const m = /^(-?)(\d+)(?:\.(\d{1,9}))?$/.exec(amount.trim());
  if (!m) throw new RangeError(`not a decimal amount with at most 9 places: ${amount}`);
  const sign = m[1] === '-' ? -1 : 1;
  const units = BigInt(m[2]) * BigInt(sign);
  const nanos = Number((m[3] ?? '').padEnd(9, '0')) * sign;
  return { currencyCode: currency, units: units.toString(), nanos };
}

/** The exact decimal text of a Money ("25", "12.5", "-0.01"). */
export function amount(m: Money__Output | null | undefined): string {
  if (!m) return '0';
  const total = BigInt(m.units) * 1_000_000_000n + BigInt(m.nanos);
  const negative = total < 0n;
  const abs = negative ? -total : total;
  const whole = abs / 1_000_000_000n;
  const fraction = (abs % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? '.' + fraction : ''}`;
}

export interface ClientOptions {
  /** The credential sent with every call: an API key (rbk_...) or a JWT. */
  token?: string;
  /** TLS; plaintext (loopback, tests) when omitted. */
  credentials?: grpc.ChannelCredentials;
  timeoutMs?: number;
  retries?: number;
  /** Told of every retry, with the failure that caused it. */
  onRetry?: (method: string, error: RedbankError) => void;
}

export interface CallOptions {
  timeoutMs?: number;
}

const PROTO = path.join(__dirname, '..', '..', 'proto', 'redbank', 'v1', 'bank.proto');

function loadBank(): ProtoGrpcType {
  const definition = protoLoader.loadSync(PROTO, {
    keepCase: false, longs: String, enums: String, defaults: true, oneofs: true,
    includeDirs: [path.join(__dirname, '..', '..', 'proto')],
  });
  return grpc.loadPackageDefinition(definition) as unknown as ProtoGrpcType;
}

type Unary = (req: object, md: grpc.Metadata, opts: grpc.CallOptions, cb: grpc.requestCallback<unknown>) => unknown;

/** redbank.v1.Bank with a credential, deadlines, retries and typed errors. */
export class Client {
  /** The generated stub, for methods without a helper; prefer `call`. */
  readonly bank: BankClient;
  private readonly options: ClientOptions;

  constructor(endpoint: string, options: ClientOptions = {}) {
    const target = endpoint.replace(/^https?:\/\//, '');
    const Bank = loadBank().redbank.v1.Bank;
    this.bank = new Bank(target, options.credentials ?? grpc.credentials.createInsecure());
    this.options = options;
  }

  close(): void {
    this.bank.close();
  }

  /**
   * Any method of redbank.v1.Bank by name (`call('GetHold', { holdId })`), with the
   * credential, deadline, retries and errors. A request with a `requestId` field
   * gets one if it has none, made once for every attempt.
   */
  async call<T>(method: keyof BankClient & string, request: Record<string, unknown>, opts: CallOptions = {}): Promise<T> {
    const fn = (this.bank as unknown as Record<string, Unary>)[method];
    if (typeof fn !== 'function') throw new TypeError(`no method ${method}`);
    const changes = 'requestId' in request;
    if (changes && !request.requestId) request.requestId = randomUUID();
    const requestId = changes ? String(request.requestId) : '';
    const metadata = new grpc.Metadata();
    if (this.options.token) metadata.set('authorization', `Bearer ${this.options.token}`);
    const retries = this.options.retries ?? RETRIES;
    let wait = RETRY_FIRST_WAIT_MS;
    for (let attempt = 0; ; attempt++) {
      const deadline = new Date(Date.now() + (opts.timeoutMs ?? this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS));
      try {
        return await new Promise<T>((resolve, reject) => {
          fn.call(this.bank, request, metadata, { deadline }, (err: grpc.ServiceError | null, value?: unknown) =>
            err ? reject(err) : resolve(value as T));
        });
      } catch (e) {
        const failure = e as grpc.ServiceError;
        const error = RedbankError.from(failure, requestId);
        const retriable = failure.code === grpc.status.UNAVAILABLE
          || (failure.code === grpc.status.DEADLINE_EXCEEDED && requestId !== '');
        if (!retriable || attempt >= retries) throw error;
        this.options.onRetry?.(method, error);
        await new Promise((r) => setTimeout(r, wait * (0.5 + Math.random() / 2)));
        wait = Math.min(wait * 2, RETRY_LONGEST_WAIT_MS);
      }
    }
  }

  createAccount(accountId: string, type: 'savings' | 'checking', more: { currency?: string; customerId?: string; requestId?: string } = {}, opts?: CallOptions): Promise<Account__Output> {
    return this.call('CreateAccount', {
      accountId, type: type === 'savings' ? 'ACCOUNT_TYPE_SAVINGS' : 'ACCOUNT_TYPE_CHECKING',
      currencyCode: more.currency ?? '', customerId: more.customerId ?? '', requestId: more.requestId ?? '',
    }, opts);
  }

  getAccount(accountId: string, opts?: CallOptions): Promise<Account__Output> {
    return this.call('GetAccount', { accountId }, opts);
  }

  deposit(accountId: string, value: Money, more: { memo?: string; requestId?: string } = {}, opts?: CallOptions): Promise<{ transaction: Transaction__Output; account: Account__Output }> {
    return this.call('Deposit', { accountId, amount: value, memo: more.memo ?? '', requestId: more.requestId ?? '' }, opts);
  }

  withdraw(accountId: string, value: Money, more: { memo?: string; requestId?: string } = {}, opts?: CallOptions): Promise<{ transaction: Transaction__Output; account: Account__Output }> {
    return this.call('Withdraw', { accountId, amount: value, memo: more.memo ?? '', requestId: more.requestId ?? '' }, opts);
  }

  transfer(from: string, to: string, value: Money, more: { memo?: string; requestId?: string } = {}, opts?: CallOptions): Promise<{ fromTransaction: Transaction__Output; toTransaction: Transaction__Output; fromAccount: Account__Output; toAccount: Account__Output }> {
    return this.call('Transfer', { fromAccountId: from, toAccountId: to, amount: value, memo: more.memo ?? '', requestId: more.requestId ?? '' }, opts);
  }

  /** The `items` of every page of `method`, from `request` on, following the tokens. */
  private async *pages<T>(method: keyof BankClient & string, request: Record<string, unknown>, items: string,
    opts?: CallOptions): AsyncGenerator<T> {
    for (;;) {
      const page = await this.call<Record<string, unknown>>(method, request, opts);
      yield* page[items] as T[];
      if (!page.nextPageToken) return;
      request = { ...request, pageToken: page.nextPageToken };
    }
  }

  /** An account's history, newest first, following the pages. */
  history(accountId: string, pageSize = 100, opts?: CallOptions): AsyncGenerator<Transaction__Output> {
    return this.pages('ListTransactions', { accountId, pageSize, pageToken: '' }, 'transactions', opts);
  }

  /** Every account (or one customer's), following the pages. */
  accounts(customerId = '', pageSize = 100, opts?: CallOptions): AsyncGenerator<Account__Output> {
    return this.pages('ListAccounts', { customerId, pageSize, pageToken: '' }, 'accounts', opts);
  }
}
