// The TypeScript client against a real redbank-server and a real Redis.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';

import { amount, Client, money, RedbankError } from '../src/index';
import { LostReplies, Service } from './service';

let service: Service;
before(async () => { service = await Service.start(); });
after(async () => { await service?.stop(); });

const fresh = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

async function refusal(p: Promise<unknown>): Promise<RedbankError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof RedbankError, `not a RedbankError: ${e}`);
    return e;
  }
  assert.fail('the call was not refused');
}

test('money is exact', () => {
  assert.deepEqual(money('12.50', 'USD'), { currencyCode: 'USD', units: '12', nanos: 500_000_000 });
  assert.deepEqual(money('-0.01', 'USD'), { currencyCode: 'USD', units: '0', nanos: -10_000_000 });
  assert.equal(amount({ currencyCode: 'EUR', units: '1234567', nanos: 890_000_000 }), '1234567.89');
  assert.equal(amount({ currencyCode: 'USD', units: '0', nanos: -10_000_000 }), '-0.01');
  assert.throws(() => money('0.0000000001', 'USD'), RangeError);
  assert.throws(() => money('1e3', 'USD'), RangeError);
});

test('a deposit whose reply is lost is retried and applied once', async () => {
  const proxy = await LostReplies.start(service.port);
  const retried: Array<[string, string]> = [];
  const bank = new Client(proxy.endpoint, { token: service.admin, onRetry: (m, e) => retried.push([m, e.code]) });
  const direct = new Client(service.endpoint, { token: service.admin });
  const account = fresh('lost');
  try {
    await bank.createAccount(account, 'checking', { customerId: account });
    proxy.hold();
    const pending = bank.deposit(account, money('40.00', 'USD'), { memo: 'lost once' });
    // The deposit reaches the server and is applied; its reply is kept by the proxy.
    const deadline = Date.now() + 30_000;
    while (Number((await direct.getAccount(account)).version) === 0) {
      assert.ok(Date.now() < deadline, 'the deposit never reached the server');
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(proxy.kept > 0, "the server's reply was not caught");
    proxy.cut();
    const reply = await pending;
    assert.ok(retried.length > 0 && retried[0][0] === 'Deposit', JSON.stringify(retried));
    assert.ok(['UNAVAILABLE', 'DEADLINE_EXCEEDED'].includes(retried[0][1]), JSON.stringify(retried));
    // The retry answered the first result: one entry, one balance change.
    assert.equal(amount(reply.account.balance), '40');
    const entries = [];
    for await (const t of direct.history(account)) entries.push(t);
    assert.deepEqual(entries.map((t) => t.kind), ['TRANSACTION_KIND_DEPOSIT']);
    assert.equal(entries[0].requestId, reply.transaction.requestId);
    assert.equal(entries[0].transactionId, reply.transaction.transactionId);
  } finally {
    bank.close();
    direct.close();
    await proxy.close();
  }
});

test('an overdraft is refused with its reason', async () => {
  const bank = new Client(service.endpoint, { token: service.admin });
  const account = fresh('over');
  try {
    await bank.createAccount(account, 'checking', { customerId: account });
    await bank.deposit(account, money('10.00', 'USD'));
    const e = await refusal(bank.withdraw(account, money('10.01', 'USD'), { requestId: 'over-1' }));
    assert.equal(e.code, 'FAILED_PRECONDITION');
    assert.equal(e.reason, 'INSUFFICIENT_FUNDS');
    assert.equal(e.requestId, 'over-1');
    assert.ok(Object.keys(e.metadata).length > 0, "the ErrorInfo's metadata is carried");
    assert.equal(amount((await bank.getAccount(account)).balance), '10');
  } finally {
    bank.close();
  }
});

test('a history is paged to its end', async () => {
  const bank = new Client(service.endpoint, { token: service.admin });
  const account = fresh('pages');
  try {
    await bank.createAccount(account, 'savings', { customerId: account });
    for (let cents = 1; cents <= 25; cents++) {
      await bank.deposit(account, money((cents / 100).toFixed(2), 'USD'));
    }
    const tokens: string[] = [];
    const original = bank.call.bind(bank);
    bank.call = ((method: never, request: Record<string, unknown>, opts?: object) => {
      if (method === 'ListTransactions') tokens.push(String(request.pageToken));
      return original(method, request, opts);
    }) as typeof bank.call;
    const entries = [];
    for await (const t of bank.history(account, 10)) entries.push(t);
    assert.equal(tokens.length, 3);
    assert.equal(tokens[0], '');
    assert.deepEqual(entries.map((t) => Number(t.accountVersion)), Array.from({ length: 25 }, (_, i) => 25 - i));
    assert.deepEqual(entries.map((t) => amount(t.amount)),
      Array.from({ length: 25 }, (_, i) => amount(money(((25 - i) / 100).toFixed(2), 'USD') as never)));
  } finally {
    bank.close();
  }
});

test('refused calls throw with code and reason', async () => {
  const mine = fresh('mine');
  const theirs = fresh('theirs');
  const admin = new Client(service.endpoint, { token: service.admin });
  await admin.createAccount(mine, 'checking', { customerId: mine });
  await admin.createAccount(theirs, 'checking', { customerId: theirs });
  admin.close();
  const customer = new Client(service.endpoint, { token: service.makeKey('--role', 'customer', '--customer', mine) });
  const anonymous = new Client(service.endpoint);
  try {
    assert.equal((await customer.getAccount(mine)).accountId, mine);
    const denied = await refusal(customer.deposit(theirs, money('1.00', 'USD')));
    assert.equal(denied.code, 'PERMISSION_DENIED');
    assert.equal(denied.reason, 'PERMISSION_DENIED');
    const listed = [];
    for await (const a of customer.accounts()) listed.push(a.accountId);
    assert.deepEqual(listed, [mine]);
    const unauthenticated = await refusal(anonymous.getAccount(mine));
    assert.equal(unauthenticated.code, 'UNAUTHENTICATED');
    assert.ok(unauthenticated.reason);
  } finally {
    customer.close();
    anonymous.close();
  }
});

test("the README's example runs as written", () => {
  const root = path.resolve(__dirname, '..', '..');
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const example = /```ts\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  assert.ok(example.trim().split('\n').length <= 12, "the README's example is meant to be short");
  // As a user would run it: compiled by tsc next to the package, importing it by name.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redbank-ts-example-'));
  try {
    fs.mkdirSync(path.join(dir, 'node_modules', '@redbank'), { recursive: true });
    fs.symlinkSync(root, path.join(dir, 'node_modules', '@redbank', 'client'));
    fs.writeFileSync(path.join(dir, 'example.ts'), example);
    execFileSync(path.join(root, 'node_modules', '.bin', 'tsc'), ['--strict', '--esModuleInterop', '--skipLibCheck',
      '--target', 'ES2022', '--module', 'commonjs', '--types', 'node', '--typeRoots', path.join(root, 'node_modules', '@types'),
      'example.ts'], { cwd: dir, encoding: 'utf8' });
    const out = execFileSync(process.execPath, ['example.js'], {
      cwd: dir, encoding: 'utf8', timeout: 60_000,
      env: { ...process.env, REDBANK_ENDPOINT: service.endpoint, REDBANK_TOKEN: service.admin },
    });
    assert.match(out, /refused: FAILED_PRECONDITION INSUFFICIENT_FUNDS/);
    assert.match(out, /TRANSACTION_KIND_DEPOSIT 25 25/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the generated types match proto/', () => {
  const root = path.resolve(__dirname, '..', '..');
  const shipped = fs.readFileSync(path.join(root, 'proto', 'redbank', 'v1', 'bank.proto'), 'utf8');
  const source = fs.readFileSync(path.join(root, '..', '..', 'proto', 'redbank', 'v1', 'bank.proto'), 'utf8');
  assert.equal(shipped, source, 'proto/ is stale: npm run build copies it');
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'redbank-ts-types-'));
  try {
    execFileSync(path.join(root, 'node_modules', '.bin', 'proto-loader-gen-types'), ['--grpcLib=@grpc/grpc-js',
      '--longs=String', '--enums=String', '--defaults', '--oneofs', `--outDir=${out}`, 'proto/redbank/v1/bank.proto'],
    { cwd: root });
    const files = (dir: string): string[] => fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts')).sort();
    assert.deepEqual(files(out), files(path.join(root, 'src', 'generated')));
    for (const f of files(out)) {
      assert.equal(fs.readFileSync(path.join(out, f), 'utf8'),
        fs.readFileSync(path.join(root, 'src', 'generated', f), 'utf8'), `${f} is stale: npm run generate`);
    }
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});
