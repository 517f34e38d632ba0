import type { InjectOptions } from 'fastify';
import fc from 'fast-check';
import type { Route } from './routes.js';
import {
  anyValue,
  headerText,
  paramName,
  plainValue,
  resolve,
  secret,
  valueBytes,
  type Value,
} from './values.js';
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
  /** One of the route's usual queries (if it has any), with some parameters left out or repeated; then more. */
  queryBase: { use: boolean; template: number; drop: number[]; repeat: number[] };
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

/** `client only`: the client's credentials as Basic, and none in the body (RFC 6749 §2.3.1, one method). */
type Authorization =
  | { basic: 'client' | 'client only' }
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
  /** `raw`: values written as their bytes (only the form's own `&`, `=`, `%`, `+` encoded), not percent-encoded. */
  | { kind: 'form'; fields: FieldsSpec; contentType: string; raw: boolean }
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
  'scope[a]=b',
  'client_id[]=x',
  'client_id[]=x&client_id[]=y',
  'user_code[]=BCDF-GHJK',
  'scope[]=user_rates&scope=user_rates',
  'code_challenge[method]=S256',
  'state=%FF%FE',
  'user_code=%C3%28',
  'redirect_uri=https%3A%2F%2Fclient.example%2Fcb%ED%A0%80',
  'client_id=%C0%AF',
  'a=%F4%90%80%80',
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
const DEVICE_CODE: Field = ['grant_type', 'urn:ietf:params:oauth:grant-type:device_code'];
const PUBLIC_CLIENT: Field = ['client_id', { ref: 'publicClientId' }];
const REQUEST_ID: Field = ['request_id', { secret: 'requestId' }];
const DEVICE_REQUEST_ID: Field = ['request_id', { secret: 'deviceRequestId' }];

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
    [
      AUTHORIZATION_CODE,
      ['code', { secret: 'publicCode' }],
      ['redirect_uri', { ref: 'redirectUri' }],
      PUBLIC_CLIENT,
      ['code_verifier', { secret: 'codeVerifier' }],
    ],
    [['grant_type', 'refresh_token'], ['refresh_token', { secret: 3 }], PUBLIC_CLIENT],
    [DEVICE_CODE, ['device_code', { secret: 'deviceCode' }], ...CLIENT],
    [DEVICE_CODE, ['device_code', { secret: 4 }], ...CLIENT],
  ],
  '/oauth/device_authorization': [
    [...CLIENT, ['scope', 'user_rates']],
    [PUBLIC_CLIENT, ['scope', 'user_rates comments']],
    [...CLIENT],
  ],
  '/oauth/device': [[CSRF, ['user_code', { ref: 'userCode' }]]],
  '/api/users/whoami': [[['access_token', { secret: 'accessToken' }]], [['bearer_token', { secret: 'accessToken' }]]],
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
  // The consent form's answers (to the request the server keeps: a browser's or a device's), and a form from
  // before requests were kept, which must decide nothing.
  '/oauth/authorize': [
    [CSRF, REQUEST_ID],
    [CSRF, REQUEST_ID, ['scope_choice', '1'], ['scopes', 'user_rates']],
    [CSRF, REQUEST_ID, ['_method', 'delete']],
    [CSRF, DEVICE_REQUEST_ID],
    [CSRF, DEVICE_REQUEST_ID, ['scope_choice', '1'], ['scopes', 'user_rates']],
    [CSRF, REQUEST_ID, ['scope_choice', '1']],
    [CSRF, DEVICE_REQUEST_ID, ['scope_choice', '1'], ['scopes', 'topics']],
    // The latest secrets answers revealed: often the request id of a consent page just shown.
    [CSRF, ['request_id', { secret: 0 }]],
    [CSRF, ['request_id', { secret: 1 }], ['_method', 'delete']],
    [CSRF, ...CODE_REQUEST, ['redirect_uri', { ref: 'redirectUri' }], ['scope', 'user_rates'], ['state', 's']],
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
function templateFields(route: Route | undefined, spec: FieldsSpec): Field[] {
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

/** A body's declared type: usually the right one, sometimes one that does not describe it. */
function declared(...right: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...right) },
    { weight: 1, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
  );
}

const body: fc.Arbitrary<BodySpec> = fc.oneof(
  { weight: 2, arbitrary: fc.constant<BodySpec>({ kind: 'none' }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('json' as const),
      fields,
      // JSON's other types where the form has strings: the values a parser hands over that a form never does.
      retype: fc.array(fc.tuple(fc.nat(9), notAString), { maxLength: 2 }),
      contentType: declared('application/json', 'application/json; charset=utf-8', 'Application/JSON'),
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
      contentType: declared('application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=UTF-8'),
      raw: fc.boolean(),
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

/** The routes every rule of the issue speaks of: the OAuth endpoints, the pages that decide, the API. */
const FOCUS = [
  '/oauth/token',
  '/oauth/revoke',
  '/oauth/introspect',
  '/oauth/device_authorization',
  '/oauth/authorize',
  '/oauth/device',
  '/oauth/device/consent',
  '/oauth/authorize/:code',
  '/api/users/whoami',
];
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];
const HEADER_NAMES = ['accept-language', 'origin', 'sec-fetch-site', 'x-request-id', 'x-forwarded-for', 'referer'];

const pathParams: fc.Arbitrary<RequestSpec['pathParams']> = fc.record({
  code: fc.oneof(secret, plainValue),
  id: fc.oneof(
    { weight: 2, arbitrary: fc.constant<Value>({ ref: 'applicationId' }) },
    { weight: 1, arbitrary: plainValue },
  ),
  other: plainValue,
});

/** Anything at all, to any route: several things wrong at once. */
const wild: fc.Arbitrary<RequestSpec> = fc.record({
  // Three requests in five go to the focus routes: the OAuth endpoints, whose every answer is specified (RFC 6749
  // §5.2, RFC 8628 §3.2), the authorization and verification pages, the API, the code page (its path holds a code).
  route: fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...FOCUS) },
    { weight: 2, arbitrary: fc.nat(1000) },
  ),
  method: fc.oneof({ weight: 5, arbitrary: fc.nat(5) }, { weight: 1, arbitrary: fc.constantFrom(...METHODS) }),
  pathParams,
  encodePath: fc.oneof(
    { weight: 4, arbitrary: fc.constant<number[]>([]) },
    { weight: 1, arbitrary: fc.array(fc.nat(24), { maxLength: 6 }) },
  ),
  queryBase: fc.record({
    use: fc.boolean(),
    template: fc.nat(9),
    drop: fc.array(fc.nat(9), { maxLength: 2 }),
    repeat: fc.array(fc.nat(9), { maxLength: 1 }),
  }),
  query: fc.array(queryPart, { maxLength: 5 }),
  authorization: fc.oneof(
    { weight: 3, arbitrary: fc.constant<Authorization[]>([]) },
    { weight: 3, arbitrary: fc.array(authorization, { minLength: 1, maxLength: 1 }) },
    { weight: 1, arbitrary: fc.array(authorization, { minLength: 2, maxLength: 3 }) },
  ),
  cookie: fc.constantFrom<Cookie>('signed-in', 'signed-in', 'session only', 'csrf only', 'none', 'garbage'),
  headers: fc.array(fc.tuple(fc.constantFrom(...HEADER_NAMES), headerText), { maxLength: 3 }),
  body,
});

/** A route's template with at most one change. */
const nearFields: fc.Arbitrary<FieldsSpec> = fc.record({
  template: fc.nat(30),
  changes: fc.array(change, { maxLength: 1 }),
});

const nearBody: fc.Arbitrary<BodySpec> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('form' as const),
      fields: nearFields,
      contentType: fc.constant('application/x-www-form-urlencoded'),
      raw: fc.constant(false),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('json' as const),
      fields: nearFields,
      retype: fc.array(fc.tuple(fc.nat(9), notAString), { maxLength: 1 }),
      contentType: fc.constant('application/json'),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('multipart' as const),
      fields: nearFields,
      damage: fc.constant('none' as const),
    }),
  },
);

/**
 * A near miss at a focus route: signed in, with the CSRF cookie, from no other origin, its usual query or form
 * with one thing changed at most. Wild requests seldom get past the first checks; these reach the later ones (a
 * consent answered, a device code polled, a code exchanged), where state changes.
 */
const nearMiss: fc.Arbitrary<RequestSpec> = fc.record({
  route: fc.constantFrom(...FOCUS),
  method: fc.nat(3),
  pathParams,
  encodePath: fc.constant([]),
  queryBase: fc.record({
    use: fc.constant(true),
    template: fc.nat(9),
    drop: fc.array(fc.nat(9), { maxLength: 1 }),
    repeat: fc.array(fc.nat(9), { maxLength: 1 }),
  }),
  query: fc.array(queryPart, { maxLength: 1 }),
  authorization: fc.oneof(
    { weight: 4, arbitrary: fc.constant<Authorization[]>([]) },
    { weight: 2, arbitrary: fc.constant<Authorization[]>([{ basic: 'client only' }]) },
  ),
  cookie: fc.constant<Cookie>('signed-in'),
  headers: fc.constant([]),
  body: nearBody,
});

export const requestSpec: fc.Arbitrary<RequestSpec> = fc.oneof(
  { weight: 1, arbitrary: wild },
  { weight: 1, arbitrary: nearMiss },
);

/**
 * Percent-encodes everything but RFC 3986's unreserved characters, from the UTF-8 bytes (a lone surrogate too), or
 * from the bytes given.
 */
export function percentEncode(value: string | Buffer): string {
  let out = '';
  for (const byte of typeof value === 'string' ? Buffer.from(value, 'utf8') : value) {
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
  if (route === undefined) return `/${percentEncode(valueBytes(world, spec.pathParams.other))}`;
  const positions = new Set(spec.encodePath);
  let index = 0;
  const segments = route.path.split('/').map((segment) => {
    if (!segment.startsWith(':')) {
      const encoded = (c: string) => (positions.has(index++) && /[a-z]/i.test(c) ? percentOf(c) : c);
      return [...segment].map(encoded).join('');
    }
    const name = segment.slice(1);
    const value = name === 'code' ? spec.pathParams.code : name === 'id' ? spec.pathParams.id : spec.pathParams.other;
    // A secret in the path is sometimes written fully percent-encoded: still the same code to the router.
    return typeof value === 'object' && 'secret' in value && spec.encodePath.length % 2 === 1
      ? percentOf(resolve(world, value))
      : percentEncode(valueBytes(world, value));
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
  if ('codePage' in target) return `/oauth/authorize/${percentEncode(valueBytes(world, target.codePage))}`;
  if ('path' in target) return `/${percentEncode(valueBytes(world, target.path))}`;
  return `/oauth/authorize?${target.name}=${percentEncode(valueBytes(world, target.value))}&client_id=x`;
}

/**
 * Queries the pages are asked with; their values hold no secret, since a log line shows them, but the request id of
 * the device's consent page, which the log redacts (http/log-redaction.ts).
 */
const QUERY_TEMPLATES: Record<string, Array<Array<[string, Value]>>> = {
  '/oauth/authorize': [
    [
      ['client_id', { ref: 'clientId' }],
      ['redirect_uri', { ref: 'redirectUri' }],
      ['response_type', 'code'],
      ['scope', 'user_rates'],
      ['state', 's'],
    ],
    // A public client must send a PKCE challenge (RFC 7636 §4.3), S256 only.
    [
      ['client_id', { ref: 'publicClientId' }],
      ['redirect_uri', { ref: 'redirectUri' }],
      ['response_type', 'code'],
      ['code_challenge', { ref: 'codeChallenge' }],
      ['code_challenge_method', 'S256'],
      ['scope', 'user_rates comments'],
    ],
    [
      ['client_id', { ref: 'clientId' }],
      ['redirect_uri', { ref: 'oob' }],
      ['response_type', 'code'],
      ['scope', 'user_rates topics'],
    ],
  ],
  '/oauth/device': [[['user_code', { ref: 'userCode' }]]],
  '/oauth/device/consent': [[['request_id', { secret: 'deviceRequestId' }]], [['request_id', { secret: 'requestId' }]]],
  '/locale': [
    [
      ['to', 'en'],
      ['return_to', '/oauth/applications'],
    ],
  ],
};

function baseQuery(route: Route | undefined, base: RequestSpec['queryBase']): QueryPart[] {
  const templates = QUERY_TEMPLATES[route?.path ?? ''];
  const template = templates?.[base.template % templates.length];
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
    return `${name}=${percentEncode(valueBytes(world, part.value))}`;
  });
  return pairs.length === 0 ? '' : `?${pairs.join('&')}`;
}

function authorizationOf(world: FuzzWorld, auth: Authorization): string {
  const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
  if ('raw' in auth) return auth.raw;
  if ('scheme' in auth) return `${auth.scheme} ${resolve(world, auth.credentials)}`.replace(/[^\x20-\x7e]/g, '?');
  if (auth.basic === 'client' || auth.basic === 'client only') {
    return `Basic ${base64(`${world.app.clientId}:${world.secret('clientSecret')}`)}`;
  }
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

function fieldBytes(world: FuzzWorld, value: FieldValue): Buffer {
  return isJson(value) ? Buffer.from(JSON.stringify(value.json) ?? '', 'utf8') : valueBytes(world, value);
}

/** A JSON string with these bytes inside as they are (valid UTF-8 or not); only `"`, `\` and controls escaped. */
function jsonStringBytes(bytes: Buffer): Buffer {
  const out: number[] = [0x22];
  for (const byte of bytes) {
    if (byte === 0x22 || byte === 0x5c) out.push(0x5c, byte);
    else if (byte < 0x20) out.push(...Buffer.from(`\\u${byte.toString(16).padStart(4, '0')}`));
    else out.push(byte);
  }
  out.push(0x22);
  return Buffer.from(out);
}

function jsonValueBytes(world: FuzzWorld, value: FieldValue): Buffer {
  if (isJson(value)) return Buffer.from(JSON.stringify(value.json) ?? 'null', 'utf8');
  if (typeof value === 'object' && 'bytes' in value) return jsonStringBytes(Buffer.from(value.bytes));
  return Buffer.from(JSON.stringify(resolve(world, value)), 'utf8');
}

/** JSON text written pair by pair, so that repeated names and `__proto__` reach the parser as sent. */
function jsonBody(world: FuzzWorld, fields: Field[]): Buffer {
  const pairs = fields.map(([name, value]) =>
    Buffer.concat([Buffer.from(`${JSON.stringify(name)}:`, 'utf8'), jsonValueBytes(world, value)]),
  );
  const joined = pairs.flatMap((pair, i) => (i === 0 ? [pair] : [Buffer.from(','), pair]));
  return Buffer.concat([Buffer.from('{'), ...joined, Buffer.from('}')]);
}

/** `&`, `=`, `%` and `+`: the bytes a form's own syntax uses. */
const FORM_SYNTAX = [0x26, 0x3d, 0x25, 0x2b];

/** A form field's bytes with only what the form's syntax needs encoded (`&`, `=`, `%`, `+`, and spaces as `+`). */
function rawFormBytes(bytes: Buffer): Buffer {
  const out: number[] = [];
  for (const byte of bytes) {
    if (byte === 0x20) out.push(0x2b);
    else if (FORM_SYNTAX.includes(byte)) out.push(...Buffer.from(percentEncode(Buffer.from([byte]))));
    else out.push(byte);
  }
  return Buffer.from(out);
}

function formBody(world: FuzzWorld, fields: Field[], raw: boolean): Buffer {
  const encode = (bytes: Buffer) => (raw ? rawFormBytes(bytes) : Buffer.from(percentEncode(bytes)));
  const pairs = fields.map(([name, value]) =>
    Buffer.concat([encode(Buffer.from(name, 'utf8')), Buffer.from('='), encode(fieldBytes(world, value))]),
  );
  return Buffer.concat(pairs.flatMap((pair, i) => (i === 0 ? [pair] : [Buffer.from('&'), pair])));
}

function multipartBody(world: FuzzWorld, fields: Field[], damage: Damage): Required<Body> {
  const boundary = 'fuzz-boundary-7MA4YWxk';
  const parts = fields.map(([name, value]) => {
    // A part sent as JSON is parsed by @fastify/multipart: a way for an object to reach the parameters.
    const type = isJson(value) ? 'Content-Type: application/json\r\n' : '';
    const disposition = `Content-Disposition: form-data; name="${name.replace(/["\r\n]/g, '_')}"`;
    const head = Buffer.from(`--${boundary}\r\n${disposition}\r\n${type}\r\n`, 'utf8');
    return Buffer.concat([head, fieldBytes(world, value), Buffer.from('\r\n')]);
  });
  if (damage === 'file') {
    const disposition = 'Content-Disposition: form-data; name="file"; filename="a.txt"';
    parts.push(Buffer.from(`--${boundary}\r\n${disposition}\r\nContent-Type: text/plain\r\n\r\ndata\r\n`));
  }
  let payload = Buffer.concat([...parts, Buffer.from(`--${boundary}--\r\n`)]);
  if (damage === 'truncated') payload = payload.subarray(0, Math.max(0, payload.length - 30));
  const contentType = damage === 'no boundary' ? 'multipart/form-data' : `multipart/form-data; boundary=${boundary}`;
  return { payload, contentType };
}

interface Body {
  payload?: Buffer;
  contentType?: string;
}

function bodyOf(world: FuzzWorld, route: Route | undefined, spec: BodySpec, basicOnly: boolean): Body {
  const fieldsFor = (route: Route | undefined, fields: FieldsSpec) =>
    templateFields(route, fields).filter(([name]) => !basicOnly || (name !== 'client_secret' && name !== 'client_id'));
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
      return { payload: jsonBody(world, fields), contentType: spec.contentType };
    }
    case 'json value':
      return { payload: Buffer.from(JSON.stringify(spec.value) ?? 'null', 'utf8'), contentType: spec.contentType };
    case 'form':
      return { payload: formBody(world, fieldsFor(route, spec.fields), spec.raw), contentType: spec.contentType };
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
  const basicOnly = spec.authorization.some((a) => 'basic' in a && a.basic === 'client only');
  const { payload, contentType } = bodyOf(world, route, spec.body, basicOnly);
  if (contentType !== undefined) headers['content-type'] = contentType;
  return { route, options: { method, url, headers, ...(payload === undefined ? {} : { payload }) } };
}
