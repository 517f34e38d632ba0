import type { InjectOptions } from 'fastify';
import fc from 'fast-check';
import type { Route } from './routes.js';
import { anyValue, headerText, paramName, plainValue, resolve, secret, type Value } from './values.js';
import type { FuzzWorld } from './world.js';

/** Every request the fuzz sends, as plain data: shrinkable, and printed as it is when a property fails. */
export interface RequestSpec {
  /** A route by index (wrapping round; one past the last is a path no route has), or by path. */
  route: number | string;
  /** One of the route's own methods (an index, wrapping round), or any method at all. */
  method: number | string;
  /** Values for `:code` (may be a secret: the path is redacted), `:id` and any other path parameter. */
  pathParams: { code: Value; id: Value; other: Value };
  /** Letters of the route's template, by position, written percent-encoded (`/oauth/%61uthorize/...`). */
  encodePath: number[];
  /** The route's usual query (if it has one), with some of its parameters left out or repeated; then more. */
  queryBase: { use: boolean; drop: number[]; repeat: number[] };
  query: QueryPart[];
  authorization: Authorization[];
  cookie: Cookie;
  headers: Array<[string, string]>;
  body: BodySpec;
}

type Cookie = 'signed-in' | 'session only' | 'csrf only' | 'none' | 'garbage';

type QueryPart =
  | { name: string; value: Value }
  | { returnTo: Nesting[]; target: Target }
  | { raw: string };
type Nesting = 'locale' | 'sign_in' | 'sign_up' | 'plain';
type Target = { codePage: Value } | { name: string; value: Value } | { path: Value };

type Authorization =
  | { basic: 'client' }
  | { basic: [Value, Value] }
  | { scheme: string; credentials: Value }
  | { raw: string };

type FieldValue = Value | { json: unknown };
type Field = [string, FieldValue];

function isJson(value: FieldValue): value is { json: unknown } {
  return typeof value === 'object' && value !== null && 'json' in value;
}

type Damage = 'none' | 'truncated' | 'no boundary' | 'file';

type BodySpec =
  | { kind: 'none' }
  | { kind: 'json'; fields: FieldsSpec; retype: Array<[number, unknown]>; contentType: string }
  | { kind: 'json value'; value: unknown; contentType: string }
  | { kind: 'form'; fields: FieldsSpec; contentType: string }
  | { kind: 'multipart'; fields: FieldsSpec; damage: Damage }
  | { kind: 'raw'; bytes: number[]; contentType: string }
  | { kind: 'huge'; contentType: string };

/** Query names whose values the log redacts, so that the fuzz may put secrets there (also percent-encoded). */
const SECRET_QUERY_NAMES = [
  'code',
  'access_token',
  'bearer_token',
  'refresh_token',
  'client_secret',
  'token',
  'password',
  '_csrf',
  '%63ode',
  'access%5Ftoken',
];

const RAW_QUERY = [
  '%',
  '%zz',
  '%E0%A4%A',
  '&&',
  '=',
  '==',
  'a[b]=c',
  'a[]=1&a[]=2',
  '__proto__=x',
  '__proto__[x]=1',
  'constructor[prototype][x]=1',
  'toString=1',
  'hasOwnProperty=1',
  'x=%00',
  '+++',
  ';',
];

const plainName = paramName.filter((name) => !SECRET_QUERY_NAMES.includes(name) && name !== 'return_to');

const queryPart: fc.Arbitrary<QueryPart> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ name: plainName, value: plainValue }) },
  { weight: 2, arbitrary: fc.record({ name: fc.constantFrom(...SECRET_QUERY_NAMES), value: anyValue }) },
  {
    weight: 2,
    arbitrary: fc.record({
      returnTo: fc.array(fc.constantFrom<Nesting>('locale', 'sign_in', 'sign_up', 'plain'), { maxLength: 4 }),
      target: fc.oneof(
        fc.record({ codePage: anyValue }),
        fc.record({ name: fc.constantFrom(...SECRET_QUERY_NAMES), value: anyValue }),
        fc.record({ path: plainValue }),
      ),
    }),
  },
  { weight: 1, arbitrary: fc.record({ raw: fc.constantFrom(...RAW_QUERY) }) },
);

const SCHEMES = ['Basic', 'basic', 'BASIC', 'Bearer', 'bearer', 'BEARER', 'Digest', 'Token', ''];

const authorization: fc.Arbitrary<Authorization> = fc.oneof(
  fc.constant<Authorization>({ basic: 'client' }),
  fc.record({ basic: fc.tuple(anyValue, anyValue) }),
  fc.record({ scheme: fc.constantFrom(...SCHEMES), credentials: anyValue }),
  fc.record({ raw: headerText }),
);

const CLIENT: Field[] = [
  ['client_id', { ref: 'clientId' }],
  ['client_secret', { secret: 'clientSecret' }],
];
/** Doorkeeper echoes `state` in token error bodies, so token requests carry one. */
const STATE: Field = ['state', 'xyz'];
const CSRF: Field = ['_csrf', { secret: 'csrfToken' }];
const AUTHORIZATION_CODE: Field = ['grant_type', 'authorization_code'];
const NEW_PASSWORD: Field[] = [
  ['password', { secret: 'otherPassword' }],
  ['password_confirmation', { secret: 'otherPassword' }],
];
const CODE_REQUEST: Field[] = [
  ['client_id', { ref: 'clientId' }],
  ['response_type', 'code'],
];

/**
 * Forms each route answers, by route, for templates that a few changes turn into near misses: so that requests
 * get past the first checks often enough to reach the later ones. A route without templates gets any of them.
 */
const TEMPLATES: Record<string, Field[][]> = {
  '/oauth/token': [
    [AUTHORIZATION_CODE, ['code', { secret: 'code' }], ['redirect_uri', { ref: 'redirectUri' }], ...CLIENT, STATE],
    [AUTHORIZATION_CODE, ['code', { secret: 'oobCode' }], ['redirect_uri', { ref: 'oob' }], ...CLIENT, STATE],
    [AUTHORIZATION_CODE, ['code', { secret: 0 }], ['redirect_uri', { ref: 'redirectUri' }], ...CLIENT],
    [['grant_type', 'refresh_token'], ['refresh_token', { secret: 'refreshToken' }], ...CLIENT, STATE],
    [['grant_type', 'refresh_token'], ['refresh_token', { secret: 1 }], ...CLIENT, STATE],
    [['grant_type', 'client_credentials'], ...CLIENT, ['scope', 'user_rates'], STATE],
    [['grant_type', 'password'], ['username', { ref: 'nickname' }], ['password', { secret: 'password' }], STATE],
  ],
  '/oauth/revoke': [
    [['token', { secret: 'accessToken' }], ['token_type_hint', 'access_token'], ...CLIENT],
    [['token', { secret: 'refreshToken' }], ['token_type_hint', 'refresh_token'], ...CLIENT],
    [['token', { secret: 2 }], ...CLIENT],
  ],
  '/users/sign_in': [[CSRF, ['nickname', { ref: 'nickname' }], ['password', { secret: 'password' }]]],
  '/users/sign_up': [[CSRF, ['nickname', 'carol'], ...NEW_PASSWORD]],
  '/users/password': [[CSRF, ['current_password', { secret: 'password' }], ...NEW_PASSWORD]],
  '/oauth/applications': [
    [CSRF, ['name', 'Fuzzed'], ['redirect_uri', { ref: 'redirectUri' }], ['scopes', 'user_rates']],
  ],
  '/oauth/authorize': [
    [CSRF, ...CODE_REQUEST, ['redirect_uri', { ref: 'redirectUri' }], ['scope', 'user_rates'], ['state', 's']],
    [CSRF, ...CODE_REQUEST, ['redirect_uri', { ref: 'oob' }], ['scope_choice', '1'], ['scopes', 'user_rates']],
  ],
};
TEMPLATES['/oauth/introspect'] = TEMPLATES['/oauth/revoke'] ?? [];
TEMPLATES['/oauth/applications/:id'] = TEMPLATES['/oauth/applications'] ?? [];
const ANY_TEMPLATE: Field[][] = [...Object.values(TEMPLATES).flat(), [CSRF], []];

const notAString: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(null, 0, -1, 1.5, 1e308, true, false, [], {}, [[]], [null], ['a', 'b'], ['a', 1], {}),
  fc.jsonValue({ maxDepth: 3 }),
);

const jsonLeaf: fc.Arbitrary<FieldValue> = fc.oneof(
  { weight: 3, arbitrary: anyValue },
  { weight: 2, arbitrary: notAString.map((json) => ({ json })) },
);

type Change =
  | { drop: number }
  | { set: number; value: FieldValue }
  | { repeat: number }
  | { add: string; value: FieldValue };

const change: fc.Arbitrary<Change> = fc.oneof(
  fc.record({ drop: fc.nat(9) }),
  fc.record({ set: fc.nat(9), value: jsonLeaf }),
  fc.record({ repeat: fc.nat(9) }),
  fc.record({ add: paramName, value: jsonLeaf }),
);

/** The route's template, by index (wrapping round), changed: fields dropped, set, repeated, added. */
function fieldsFor(route: Route | undefined, spec: FieldsSpec): Field[] {
  const templates = TEMPLATES[route?.path ?? ''] ?? ANY_TEMPLATE;
  const fields = [...(templates[spec.template % templates.length] ?? [])];
  const changes = spec.changes;
  for (const c of changes) {
    const at = (i: number) => (fields.length === 0 ? -1 : i % fields.length);
    if ('drop' in c && at(c.drop) >= 0) fields.splice(at(c.drop), 1);
    else if ('set' in c && at(c.set) >= 0) fields[at(c.set)] = [fields[at(c.set)]?.[0] ?? '', c.value];
    else if ('repeat' in c && at(c.repeat) >= 0) fields.push(fields[at(c.repeat)] ?? ['', '']);
    else if ('add' in c) fields.push([c.add, c.value]);
  }
  return fields;
}

interface FieldsSpec {
  template: number;
  changes: Change[];
}

const fields: fc.Arbitrary<FieldsSpec> = fc.record({
  template: fc.nat(30),
  changes: fc.array(change, { maxLength: 3 }),
});

const CONTENT_TYPES = [
  'text/plain',
  'application/xml',
  'application/octet-stream',
  'application/json',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'multipart/form-data; boundary=',
  'application/json; charset=latin1',
  'text/html; charset=utf-8',
  '',
  ';;;',
];

const body: fc.Arbitrary<BodySpec> = fc.oneof(
  { weight: 2, arbitrary: fc.constant<BodySpec>({ kind: 'none' }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('json' as const),
      fields,
      // JSON's other types where the form has strings: the values a parser hands over that a form never does.
      retype: fc.array(fc.tuple(fc.nat(9), notAString), { maxLength: 2 }),
      contentType: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'Application/JSON'),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('json value' as const),
      value: fc.jsonValue({ maxDepth: 4 }),
      contentType: fc.constantFrom('application/json', 'application/json; charset=utf-8'),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('form' as const),
      fields,
      contentType: fc.constantFrom(
        'application/x-www-form-urlencoded',
        'application/x-www-form-urlencoded; charset=UTF-8',
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('multipart' as const),
      fields,
      damage: fc.constantFrom<Damage>('none', 'none', 'truncated', 'no boundary', 'file'),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('raw' as const),
      bytes: fc.array(fc.nat(255), { maxLength: 200 }),
      contentType: fc.oneof(fc.constantFrom(...CONTENT_TYPES), headerText),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('huge' as const), contentType: fc.constantFrom(...CONTENT_TYPES) }),
  },
);

const FOCUS = ['/oauth/token', '/oauth/revoke', '/oauth/introspect', '/oauth/authorize/:code'];
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];
const HEADER_NAMES = ['accept-language', 'origin', 'sec-fetch-site', 'x-request-id', 'x-forwarded-for', 'referer'];

export const requestSpec: fc.Arbitrary<RequestSpec> = fc.record({
  // A third of the requests go to the OAuth endpoints, whose every answer is specified (RFC 6749 §5.2), and to
  // the out-of-band code page, whose path holds a code.
  route: fc.oneof(
    { weight: 1, arbitrary: fc.constantFrom(...FOCUS) },
    { weight: 2, arbitrary: fc.nat(1000) },
  ),
  method: fc.oneof({ weight: 5, arbitrary: fc.nat(5) }, { weight: 1, arbitrary: fc.constantFrom(...METHODS) }),
  pathParams: fc.record({
    code: fc.oneof(secret, plainValue),
    id: fc.oneof(
      { weight: 2, arbitrary: fc.constant<Value>({ ref: 'applicationId' }) },
      { weight: 1, arbitrary: plainValue },
    ),
    other: plainValue,
  }),
  encodePath: fc.oneof(
    { weight: 4, arbitrary: fc.constant<number[]>([]) },
    { weight: 1, arbitrary: fc.array(fc.nat(24), { maxLength: 6 }) },
  ),
  queryBase: fc.record({
    use: fc.boolean(),
    drop: fc.array(fc.nat(9), { maxLength: 2 }),
    repeat: fc.array(fc.nat(9), { maxLength: 1 }),
  }),
  query: fc.array(queryPart, { maxLength: 4 }),
  authorization: fc.oneof(
    { weight: 3, arbitrary: fc.constant<Authorization[]>([]) },
    { weight: 3, arbitrary: fc.array(authorization, { minLength: 1, maxLength: 1 }) },
    { weight: 1, arbitrary: fc.array(authorization, { minLength: 2, maxLength: 3 }) },
  ),
  cookie: fc.constantFrom<Cookie>('signed-in', 'signed-in', 'session only', 'csrf only', 'none', 'garbage'),
  headers: fc.array(fc.tuple(fc.constantFrom(...HEADER_NAMES), headerText), { maxLength: 3 }),
  body,
});

/** Percent-encodes everything but RFC 3986's unreserved characters, from the UTF-8 bytes (a lone surrogate too). */
export function percentEncode(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function percentOf(character: string): string {
  return [...Buffer.from(character, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
}

/**
 * The request's path: the route's template with its parameters filled in, some letters of the template written
 * percent-encoded (`/oauth/%61uthorize/CODE` is still the code page to the router). One spec in `routes + 1`
 * is a path that no route has.
 */
function pathOf(world: FuzzWorld, route: Route | undefined, spec: RequestSpec): string {
  if (route === undefined) return `/${percentEncode(resolve(world, spec.pathParams.other))}`;
  const positions = new Set(spec.encodePath);
  let index = 0;
  const segments = route.path.split('/').map((segment) => {
    if (!segment.startsWith(':')) {
      const encoded = (c: string) => (positions.has(index++) && /[a-z]/i.test(c) ? percentOf(c) : c);
      return [...segment].map(encoded).join('');
    }
    const name = segment.slice(1);
    const value = name === 'code' ? spec.pathParams.code : name === 'id' ? spec.pathParams.id : spec.pathParams.other;
    const text = resolve(world, value);
    // A secret in the path is sometimes written fully percent-encoded: still the same code to the router.
    return typeof value === 'object' && 'secret' in value && spec.encodePath.length % 2 === 1
      ? percentOf(text)
      : percentEncode(text);
  });
  return segments.join('/');
}

function nest(kind: Nesting, inner: string): string {
  switch (kind) {
    case 'locale':
      return `/locale?to=en&return_to=${percentEncode(inner)}`;
    case 'sign_in':
      return `/users/sign_in?return_to=${percentEncode(inner)}`;
    case 'sign_up':
      return `/users/sign_up?return_to=${percentEncode(inner)}`;
    case 'plain':
      return inner;
  }
}

function targetOf(world: FuzzWorld, target: Target): string {
  if ('codePage' in target) return `/oauth/authorize/${percentEncode(resolve(world, target.codePage))}`;
  if ('path' in target) return `/${percentEncode(resolve(world, target.path))}`;
  return `/oauth/authorize?${target.name}=${percentEncode(resolve(world, target.value))}&client_id=x`;
}

/** Queries the pages are asked with; their values hold no secret, since a log line shows them. */
const QUERY_TEMPLATES: Record<string, Array<[string, Value]>> = {
  '/oauth/authorize': [
    ['client_id', { ref: 'clientId' }],
    ['redirect_uri', { ref: 'redirectUri' }],
    ['response_type', 'code'],
    ['scope', 'user_rates'],
    ['state', 's'],
  ],
  '/locale': [
    ['to', 'en'],
    ['return_to', '/oauth/applications'],
  ],
};

function baseQuery(route: Route | undefined, base: RequestSpec['queryBase']): QueryPart[] {
  const template = QUERY_TEMPLATES[route?.path ?? ''];
  if (!base.use || template === undefined) return [];
  const dropped = new Set(base.drop.map((i) => i % template.length));
  const kept = template.filter((_, i) => !dropped.has(i));
  const repeated = base.repeat.map((i) => template[i % template.length]).filter((pair) => pair !== undefined);
  return [...kept, ...repeated].map(([name, value]) => ({ name, value }));
}

function queryOf(world: FuzzWorld, parts: QueryPart[]): string {
  const pairs = parts.map((part) => {
    if ('raw' in part) return part.raw;
    if ('returnTo' in part) {
      const url = part.returnTo.reduceRight((inner, kind) => nest(kind, inner), targetOf(world, part.target));
      return `return_to=${percentEncode(url)}`;
    }
    // Names of secret parameters are already written as they go on the wire (some percent-encoded).
    const name = /%/.test(part.name) ? part.name : percentEncode(part.name);
    return `${name}=${percentEncode(resolve(world, part.value))}`;
  });
  return pairs.length === 0 ? '' : `?${pairs.join('&')}`;
}

function authorizationOf(world: FuzzWorld, auth: Authorization): string {
  const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
  if ('raw' in auth) return auth.raw;
  if ('scheme' in auth) return `${auth.scheme} ${resolve(world, auth.credentials)}`.replace(/[^\x20-\x7e]/g, '?');
  if (auth.basic === 'client') return `Basic ${base64(`${world.app.clientId}:${world.secret('clientSecret')}`)}`;
  return `Basic ${base64(`${resolve(world, auth.basic[0])}:${resolve(world, auth.basic[1])}`)}`;
}

function cookieOf(world: FuzzWorld, cookie: Cookie): string | undefined {
  const { session, csrf } = world.cookies;
  switch (cookie) {
    case 'signed-in':
      return `_monban_session=${session}; _csrf=${csrf}`;
    case 'session only':
      return `_monban_session=${session}`;
    case 'csrf only':
      return `_csrf=${csrf}`;
    case 'garbage':
      return '_monban_session=%zz; _csrf=; =;;; a=b=c';
    case 'none':
      return undefined;
  }
}

function fieldText(world: FuzzWorld, value: FieldValue): string {
  return isJson(value) ? (JSON.stringify(value.json) ?? '') : resolve(world, value);
}

function jsonOf(world: FuzzWorld, value: FieldValue): unknown {
  return isJson(value) ? value.json : resolve(world, value);
}

/** JSON text written pair by pair, so that repeated names and `__proto__` reach the parser as sent. */
function jsonBody(world: FuzzWorld, fields: Field[]): string {
  const pairs = fields.map(([name, value]) => `${JSON.stringify(name)}:${JSON.stringify(jsonOf(world, value))}`);
  return `{${pairs.join(',')}}`;
}

function multipartBody(world: FuzzWorld, fields: Field[], damage: Damage): Required<Body> {
  const boundary = 'fuzz-boundary-7MA4YWxk';
  const parts = fields.map(([name, value]) => {
    // A part sent as JSON is parsed by @fastify/multipart: a way for an object to reach the parameters.
    const type = isJson(value) ? 'Content-Type: application/json\r\n' : '';
    const disposition = `Content-Disposition: form-data; name="${name.replace(/["\r\n]/g, '_')}"`;
    return `--${boundary}\r\n${disposition}\r\n${type}\r\n${fieldText(world, value)}\r\n`;
  });
  if (damage === 'file') {
    const disposition = 'Content-Disposition: form-data; name="file"; filename="a.txt"';
    parts.push(`--${boundary}\r\n${disposition}\r\nContent-Type: text/plain\r\n\r\ndata\r\n`);
  }
  let text = `${parts.join('')}--${boundary}--\r\n`;
  if (damage === 'truncated') text = text.slice(0, Math.max(0, text.length - 30));
  const contentType = damage === 'no boundary' ? 'multipart/form-data' : `multipart/form-data; boundary=${boundary}`;
  return { payload: Buffer.from(text, 'utf8'), contentType };
}

interface Body {
  payload?: Buffer;
  contentType?: string;
}

function bodyOf(world: FuzzWorld, route: Route | undefined, spec: BodySpec): Body {
  switch (spec.kind) {
    case 'none':
      return {};
    case 'json': {
      const fields = fieldsFor(route, spec.fields);
      for (const [at, json] of spec.retype) {
        const index = at % Math.max(1, fields.length);
        const field = fields[index];
        if (field) fields[index] = [field[0], { json }];
      }
      return { payload: Buffer.from(jsonBody(world, fields), 'utf8'), contentType: spec.contentType };
    }
    case 'json value':
      return { payload: Buffer.from(JSON.stringify(spec.value) ?? 'null', 'utf8'), contentType: spec.contentType };
    case 'form': {
      const pairs = fieldsFor(route, spec.fields).map(
        ([name, value]) => `${percentEncode(name)}=${percentEncode(fieldText(world, value))}`,
      );
      return { payload: Buffer.from(pairs.join('&'), 'utf8'), contentType: spec.contentType };
    }
    case 'multipart':
      return multipartBody(world, fieldsFor(route, spec.fields), spec.damage);
    case 'raw':
      return { payload: Buffer.from(spec.bytes), contentType: spec.contentType };
    case 'huge':
      // Past the 64 KiB body limit.
      const padding = 'x'.repeat(70 * 1024);
      return { payload: Buffer.from(`grant_type=client_credentials&x=${padding}`), contentType: spec.contentType };
  }
}

/** A spec made concrete against the world: the injected request, and what it was aimed at. */
export interface ConcreteRequest {
  /** The route the request was aimed at; none for a path no route has. */
  route: Route | undefined;
  options: InjectOptions & { method: string; url: string };
}

export function concrete(world: FuzzWorld, spec: RequestSpec): ConcreteRequest {
  const route =
    typeof spec.route === 'string'
      ? world.routes.find((r) => r.path === spec.route)
      : world.routes[spec.route % (world.routes.length + 1)];
  const methods = route?.methods ?? ['GET', 'POST'];
  const method = typeof spec.method === 'number' ? (methods[spec.method % methods.length] ?? 'GET') : spec.method;
  const url = `${pathOf(world, route, spec)}${queryOf(world, [...baseQuery(route, spec.queryBase), ...spec.query])}`;
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of spec.headers) headers[name] = value;
  // Two or more values: light-my-request sends the header once per value, as a real client could.
  const authorizations = spec.authorization.map((a) => authorizationOf(world, a));
  const [only] = authorizations;
  if (only !== undefined) headers.authorization = authorizations.length === 1 ? only : authorizations;
  const cookie = cookieOf(world, spec.cookie);
  if (cookie !== undefined) headers.cookie = cookie;
  const { payload, contentType } = bodyOf(world, route, spec.body);
  if (contentType !== undefined) headers['content-type'] = contentType;
  return { route, options: { method, url, headers, ...(payload === undefined ? {} : { payload }) } };
}
