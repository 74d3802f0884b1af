// A small relying party built on panva's openid-client (a certified, strict RP),
// driven by the Python tests over stdin/stdout, one JSON object per line.
//
// Request:  {"id": 1, "cmd": "...", ...}
// Response: {"id": 1, "ok": true, "result": {...}}  or  {"id": 1, "ok": false, "error": {...}}
//
// Commands (every one except "ping" names an RP configuration with "rp"):
//   discover      issuer, client_id, client_secret?, auth (client_secret_basic|client_secret_post|none|
//                 private_key_jwt), private_jwk? (private_key_jwt: the private JWK with kid and alg),
//                 id_token_signed_response_alg?, dpop? (true: every token and userinfo request with
//                 DPoP proofs of one ES256 key made here, RFC 9449),
//                 userinfo_signed_response_alg? (userinfo as a signed JWT)
//   register      issuer, metadata, initial_access_token -> client metadata (dynamicClientRegistration;
//                 the RP then works like a discovered one, client_secret_post with the issued secret)
//   authorize     scope, extra?, jar?, par? -> url   (PKCE S256, state and nonce are made and kept here;
//                 jar: as a request object signed with private_jwk (RFC 9101), par: pushed first (RFC 9126))
//   callback      url            -> tokens, ID token claims and header (authorizationCodeGrant)
//   userinfo      access_token, sub        (fetchUserInfo with the expected subject)
//   refresh       refresh_token            (refreshTokenGrant)
//   client_credentials  scope              (clientCredentialsGrant)
//   end_session   params                   (buildEndSessionUrl)
//   introspect    token, params?           (tokenIntrospection) -> the introspection response
//   revoke        token, params?           (tokenRevocation)
//   requests      -> the HTTP requests openid-client made for this RP so far
//
// The process ends when stdin closes and, whatever happens, after --max-seconds.
import * as client from 'openid-client'
import readline from 'node:readline'

const maxSecondsArg = process.argv.indexOf('--max-seconds')
const maxSeconds = maxSecondsArg > 0 ? Number(process.argv[maxSecondsArg + 1]) : 60
setTimeout(() => {
  process.stderr.write(`openid_client_rp: no end after ${maxSeconds}s, exiting\n`)
  process.exit(3)
}, maxSeconds * 1000).unref()

const rps = new Map()

function b64urlJson(part) {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
}

function jwtParts(token) {
  if (typeof token !== 'string') return null
  const [header, payload] = token.split('.')
  return { header: b64urlJson(header), payload: b64urlJson(payload) }
}

const SIGNING = {
  ES256: { name: 'ECDSA', namedCurve: 'P-256' },
  PS256: { name: 'RSA-PSS', hash: 'SHA-256' },
  RS256: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
}

async function signingKey(privateJwk) {
  const key = await crypto.subtle.importKey('jwk', privateJwk, SIGNING[privateJwk.alg], false, ['sign'])
  return { key, kid: privateJwk.kid }
}

async function clientAuth(method, secret, privateJwk) {
  if (method === 'private_key_jwt') return client.PrivateKeyJwt(await signingKey(privateJwk))
  switch (method) {
    case 'client_secret_basic': return client.ClientSecretBasic(secret)
    case 'client_secret_post': return client.ClientSecretPost(secret)
    case 'none': return client.None()
    default: throw new Error(`unknown client authentication ${method}`)
  }
}

function recordingFetch(log) {
  return async (url, options) => {
    const headers = new Headers(options?.headers)
    const authorization = headers.get('authorization')
    let bodyKeys = []
    if (options?.body instanceof URLSearchParams) bodyKeys = [...options.body.keys()]
    else if (typeof options?.body === 'string') bodyKeys = [...new URLSearchParams(options.body).keys()]
    const entry = {
      url: String(url),
      method: options?.method ?? 'GET',
      authorization_scheme: authorization ? authorization.split(' ')[0] : null,
      body_keys: bodyKeys,
      dpop: headers.has('dpop'),
    }
    log.push(entry)
    const response = await fetch(url, options)
    entry.status = response.status
    return response
  }
}

function rp(name) {
  const entry = rps.get(name)
  if (!entry) throw new Error(`no RP named ${name}; discover first`)
  return entry
}

function tokenResult(tokens) {
  const idToken = jwtParts(tokens.id_token)
  return {
    access_token: tokens.access_token,
    refresh_token: tokens.refresh_token ?? null,
    token_type: tokens.token_type,
    expires_in: tokens.expiresIn() ?? null,
    scope: tokens.scope ?? null,
    id_token: tokens.id_token ?? null,
    id_token_header: idToken ? idToken.header : null,
    // claims() is what openid-client validated (signature, iss, aud, exp, iat, nonce, ...)
    claims: tokens.claims() ?? null,
  }
}

const commands = {
  async ping() {
    return { pong: true, node: process.version }
  },

  async discover(msg) {
    const requests = []
    const metadata = {}
    if (msg.id_token_signed_response_alg) metadata.id_token_signed_response_alg = msg.id_token_signed_response_alg
    if (msg.userinfo_signed_response_alg) metadata.userinfo_signed_response_alg = msg.userinfo_signed_response_alg
    if (msg.client_secret) metadata.client_secret = msg.client_secret
    const config = await client.discovery(
      new URL(msg.issuer),
      msg.client_id,
      metadata,
      await clientAuth(msg.auth, msg.client_secret, msg.private_jwk),
      { execute: [client.allowInsecureRequests], [client.customFetch]: recordingFetch(requests), timeout: 10 },
    )
    const key = msg.private_jwk ? await signingKey(msg.private_jwk) : null
    const dpop = msg.dpop ? { DPoP: client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256')) } : undefined
    rps.set(msg.rp, { config, requests, pending: null, key, dpop })
    return { server_metadata: config.serverMetadata() }
  },

  async register(msg) {
    const requests = []
    const config = await client.dynamicClientRegistration(
      new URL(msg.issuer),
      msg.metadata,
      undefined,
      {
        initialAccessToken: msg.initial_access_token,
        execute: [client.allowInsecureRequests],
        [client.customFetch]: recordingFetch(requests),
        timeout: 10,
      },
    )
    rps.set(msg.rp, { config, requests, pending: null, key: null })
    return { client_metadata: config.clientMetadata() }
  },

  async authorize(msg) {
    const entry = rp(msg.rp)
    const codeVerifier = client.randomPKCECodeVerifier()
    const pending = {
      codeVerifier,
      state: client.randomState(),
      nonce: client.randomNonce(),
      maxAge: msg.max_age,
    }
    const params = {
      redirect_uri: msg.redirect_uri,
      scope: msg.scope ?? 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
      ...(msg.extra ?? {}),
    }
    if (msg.max_age !== undefined) params.max_age = String(msg.max_age)
    entry.pending = pending
    let url = client.buildAuthorizationUrl(entry.config, params)
    if (msg.jar) url = await client.buildAuthorizationUrlWithJAR(entry.config, params, entry.key)
    if (msg.par) url = await client.buildAuthorizationUrlWithPAR(entry.config, url.searchParams, entry.dpop)
    return { url: url.href, state: pending.state, nonce: pending.nonce }
  },

  async callback(msg) {
    const entry = rp(msg.rp)
    const pending = entry.pending
    if (!pending) throw new Error('no authorization request pending')
    entry.pending = null
    const checks = {
      pkceCodeVerifier: pending.codeVerifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    }
    if (pending.maxAge !== undefined) checks.maxAge = pending.maxAge
    const tokens = await client.authorizationCodeGrant(entry.config, new URL(msg.url), checks, undefined, entry.dpop)
    return tokenResult(tokens)
  },

  async userinfo(msg) {
    const entry = rp(msg.rp)
    return { userinfo: await client.fetchUserInfo(entry.config, msg.access_token, msg.sub, entry.dpop) }
  },

  async refresh(msg) {
    const entry = rp(msg.rp)
    return tokenResult(await client.refreshTokenGrant(entry.config, msg.refresh_token, undefined, entry.dpop))
  },

  async client_credentials(msg) {
    const entry = rp(msg.rp)
    return tokenResult(await client.clientCredentialsGrant(entry.config, { scope: msg.scope }))
  },

  async end_session(msg) {
    const entry = rp(msg.rp)
    return { url: client.buildEndSessionUrl(entry.config, msg.params ?? {}).href }
  },

  async introspect(msg) {
    const entry = rp(msg.rp)
    return { introspection: await client.tokenIntrospection(entry.config, msg.token, msg.params ?? {}) }
  },

  async revoke(msg) {
    const entry = rp(msg.rp)
    await client.tokenRevocation(entry.config, msg.token, msg.params ?? {})
    return { revoked: true }
  },

  async requests(msg) {
    return { requests: rp(msg.rp).requests }
  },
}

function describeError(err, depth = 0) {
  const out = {
    name: err?.name ?? 'Error',
    message: String(err?.message ?? err),
  }
  for (const key of ['code', 'error', 'error_description', 'status']) {
    if (err?.[key] !== undefined) out[key] = err[key]
  }
  if (err?.cause !== undefined && depth < 3) {
    if (err.cause instanceof Error) {
      out.cause = describeError(err.cause, depth + 1)
    } else {
      try {
        out.cause = JSON.parse(JSON.stringify(err.cause, (k, v) => (v instanceof Headers ? undefined : v)))
      } catch {
        out.cause = String(err.cause)
      }
    }
  }
  return out
}

function send(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n')
}

const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity })
let queue = Promise.resolve()
lines.on('line', (line) => {
  if (!line.trim()) return
  // Commands run one after another, in the order they came.
  queue = queue.then(async () => {
    let msg
    try {
      msg = JSON.parse(line)
    } catch (err) {
      send({ id: null, ok: false, error: describeError(err) })
      return
    }
    try {
      const handler = commands[msg.cmd]
      if (!handler) throw new Error(`unknown command ${msg.cmd}`)
      send({ id: msg.id, ok: true, result: await handler(msg) })
    } catch (err) {
      send({ id: msg.id, ok: false, error: describeError(err) })
    }
  })
})
lines.on('close', () => {
  queue.then(() => process.exit(0))
})
